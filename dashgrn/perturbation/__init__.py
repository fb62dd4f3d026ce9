"""In-silico perturbations (issue 19): knockouts and overexpression predicted by a trained
ensemble, integrated from observed states with the perturbed genes clamped.

==============  ===============================================================================
module          what it holds
==============  ===============================================================================
``_spec``       :class:`Perturbation`, the checks of the genes (close matches), ``G=VALUE`` parsing
``_start``      :func:`start_states`: observed states, gene matching, start and end times
``_run``        :func:`perturb`: load the ensemble, integrate (``dashgrn.model._perturb``), tabulate
``_html``       the page: bar charts and network neighbourhoods as inline SVG
``_write``      :func:`write_perturbation`: the output folder, staged
==============  ===============================================================================

Only ``_run`` uses torch, and only inside its functions, so importing this package stays light.
``dashgrn.perturb`` is the function :func:`perturb` (``dashgrn.perturb(run_dir, knockout=["GAL4"],
start="expr.h5ad")``).
"""

from __future__ import annotations

from ._run import COLUMNS, Trained, load_trained, perturb, perturbation_table, run_perturbation
from ._spec import Perturbation, parse_overexpress, perturbations
from ._start import StartStates, read_start, start_states
from ._write import FILES, write_perturbation

__all__ = [
    "COLUMNS",
    "FILES",
    "Perturbation",
    "StartStates",
    "Trained",
    "load_trained",
    "parse_overexpress",
    "perturb",
    "perturbation_table",
    "perturbations",
    "read_start",
    "run_perturbation",
    "start_states",
    "write_perturbation",
]
