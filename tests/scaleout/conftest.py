"""A real Dask scheduler and worker on 127.0.0.1 for the scale-out tests (skipped without distributed)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def cluster():
    """A scheduler and one worker process (nanny) on 127.0.0.1, one task at a time."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as c:
        yield c
