"""What a metric is (:class:`Metric`), and the counts several metrics share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._rows import Rows
    from .._universe import Universe

#: Metric name -> value, for the metrics listed before the one being computed.
Values = Mapping[str, float]


@dataclass(frozen=True)
class Metric:
    """One metric column of the scores table (an entry of :data:`~dashgrn.evaluate.METRICS`).

    Attributes
    ----------
    definition
        One line saying what the number is (:data:`~dashgrn.evaluate.METRIC_DEFINITIONS`,
        the report's metric table).
    compute
        ``compute(rows, universe, before) -> value``: the metric of one prediction laid
        over the universe (a :class:`~dashgrn.evaluate._rows.Rows`). ``before`` holds the
        values of the metrics listed before this one in the registry, so a ratio can
        reuse the number it divides.
    random
        ``random(universe, n_selected, before) -> value``: what a random predictor scores,
        analytically (:func:`~dashgrn.evaluate.random_baseline`); ``n_selected`` is the
        size of its predicted edge set, ``before`` the random values of the metrics
        listed before this one.
    """

    definition: str
    compute: Callable[[Rows, Universe, Values], float]
    random: Callable[[Universe, int, Values], float]


def sklearn_score(scorer: str) -> Callable[[Rows, Universe, Values], float]:
    """A ``compute`` rule: ``sklearn.metrics.<scorer>`` over the compact table, each row
    weighted by the pairs it stands for (scikit-learn is imported on first use)."""

    def compute(rows: Rows, uni: Universe, before: Values) -> float:
        import sklearn.metrics

        return float(getattr(sklearn.metrics, scorer)(rows.label, rows.score, sample_weight=rows.weight))

    return compute


def over_density(name: str) -> Callable[[Rows, Universe, Values], float]:
    """A ``compute`` rule for a ratio: metric ``name`` (computed before) over the density (1 = random)."""
    return lambda rows, uni, before: before[name] / density(rows, uni)


def constant(value: float) -> Callable[[Universe, int, Values], float]:
    """A ``random`` rule that does not depend on the universe (AUROC 0.5, a ratio 1)."""
    return lambda uni, n_selected, before: value


def random_density(uni: Universe, n_selected: int, before: Values) -> float:
    """The ``random`` rule of a precision: a random predictor is right at the density."""
    return uni.density


def n_true(rows: Rows) -> float:
    """Number of true edges in the universe (weighted rows)."""
    return float(rows.weight[rows.label == 1].sum())


def density(rows: Rows, uni: Universe) -> float:
    """True edges over pairs: the precision of a random predictor."""
    return n_true(rows) / float(uni.n_pairs)


def true_positives(rows: Rows) -> float:
    """True edges in the predicted edge set."""
    return float(rows.weight[rows.predicted & (rows.label == 1)].sum())


def n_predicted(rows: Rows) -> float:
    """Size of the predicted edge set inside the universe."""
    return float(rows.weight[rows.predicted].sum())
