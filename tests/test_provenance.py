"""dashgrn.provenance: the training-code digest covers what a checkpoint holds."""

from __future__ import annotations

from pathlib import Path

import dashgrn
from dashgrn.provenance import TRAINING_CODE, training_code_files


def test_training_code_names_exist_and_cover_the_checkpoint_contents() -> None:
    pkg = Path(dashgrn.__file__).resolve().parent
    for name in TRAINING_CODE:  # a renamed module would silently drop out of the digest
        assert (pkg / name).exists(), name
    files = {p.relative_to(pkg).as_posix() for p in training_code_files()}
    # the model, the single-cell pairs it trains on, and the crowd scores saved beside it
    for needed in ("model/_training.py", "singlecell/pseudotime.py", "evidence/_choose.py", "evidence/_sources.py",
                   "_bootstrap.py", "pipeline.py"):
        assert needed in files, needed
    assert not any(f.startswith(("report/", "network/", "cli/")) for f in files)
