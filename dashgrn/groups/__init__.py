"""One network per group: ``dashgrn infer EXPR --groupby KEY`` (:func:`run_groups`).

``_split`` reads the expression once and splits it by an ``.h5ad`` obs key or a table's
column, ``_names`` turns group names into safe, unique folder names, and ``_run`` runs
:func:`dashgrn.pipeline.run` per group into one atomically written folder, with
``edges_by_group.tsv`` and ``groups.json``.
"""

from __future__ import annotations

from ._names import escape_component, folder_names
from ._run import GROUP_FILES, GroupsResult, run_groups

__all__ = ["GROUP_FILES", "GroupsResult", "escape_component", "folder_names", "run_groups"]
