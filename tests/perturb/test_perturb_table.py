"""dashgrn.perturb: units (the run's scaling and time scale undone), the table, the checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.linalg as la
import torch
from torch import nn

import dashgrn
from dashgrn import ConfigError, InputError
from dashgrn.model import PhoenixODE
from dashgrn.perturbation import (
    COLUMNS,
    Perturbation,
    Trained,
    parse_overexpress,
    perturbation_table,
    perturbations,
    start_states,
)
from dashgrn.perturbation._run import simulate_members
from dashgrn.tables import ExpressionData

GENES = ["A", "B", "C", "D"]


class Linear(nn.Module):
    def __init__(self, A: np.ndarray) -> None:
        super().__init__()
        self.A = nn.Parameter(torch.tensor(A), requires_grad=False)

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # noqa: ARG002
        return y @ self.A.T


def _frame(values: np.ndarray, times: tuple[float, ...] = (0.0, 1.0)) -> pd.DataFrame:
    """Trajectories 1..K, each starting at ``values[k]`` (later rows: anything)."""
    rows = []
    for k, v in enumerate(values):
        for j, t in enumerate(times):
            rows.append({"trajectory": str(k + 1), "time": t, **dict(zip(GENES, v + j))})
    return pd.DataFrame(rows, index=[f"s{i}" for i in range(len(rows))])


def _trained(members: list[nn.Module], *, offset: float, scale: float, time_scale: float = 1.0) -> Trained:
    scaling = {"mode": "minmax", "offset": offset, "scale": scale, "time_scale": time_scale}
    return Trained(members, GENES, scaling, None, "test", {"data": {"scaling": scaling}})


def test_frozen_model_round_trips_the_units() -> None:
    """A model with rate 0 does not move: baseline = the start states and perturbed = the clamp
    values, in the input's units, through the run's min-max scaling and back."""
    model = PhoenixODE(4, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64, rate="relu")
    with torch.no_grad():
        model.m.fill_(-1.0)  # relu(m) = 0
    trained = _trained([model], offset=-2.0, scale=5.0)
    start = np.array([[1.0, 2.0, -1.5, 0.5], [3.0, -2.0, 0.0, 2.5]])
    states = start_states(ExpressionData(X=start, genes=GENES, samples=["x", "y"], time=np.zeros(2),
                                         trajectory=np.array(["1", "2"], dtype=object)), GENES, t_end=3.0)
    perts = perturbations(GENES, ["B"], {"C": 4.25})
    base, pert = simulate_members(trained, states, perts)
    np.testing.assert_allclose(base[0], start, atol=1e-12)
    np.testing.assert_allclose(pert[0, 0, :, 1], 0.0, atol=1e-12)  # knockout: 0 in input units
    np.testing.assert_allclose(pert[0, 1, :, 2], 4.25, atol=1e-12)
    table = perturbation_table(GENES, perts, base, pert)
    ko = table[table["perturbation"] == "knockout:B"].set_index("gene")
    assert ko.loc["B", "delta"] == pytest.approx(0.0 - start[:, 1].mean())
    assert ko.loc["B", "rank"] == 0
    np.testing.assert_allclose(ko.loc[["A", "C", "D"], "delta"], 0.0, atol=1e-12)
    assert ko["delta_sd"].isna().all()  # one member: no spread


def test_linear_members_match_the_exact_solution_in_input_units() -> None:
    """Two linear members, min-max scaling and a time scale: delta = scale * (y_ko - y) at the end,
    with y from the matrix exponential over (t_end - t0) / time_scale; delta_sd = |d1 - d2| / sqrt 2."""
    rng = np.random.default_rng(4)
    As = [rng.normal(0, 0.5, (4, 4)) - np.eye(4) for _ in range(2)]
    offset, scale, time_scale = 0.5, 2.0, 3.0
    trained = _trained([Linear(A) for A in As], offset=offset, scale=scale, time_scale=time_scale)
    x0 = rng.random((3, 4)) * 2 + 0.5  # input units
    frame = _frame(x0, times=(1.0, 4.0, 7.0))
    import dashgrn.perturbation

    assert dashgrn.perturb is dashgrn.perturbation.perturb  # the public name is the function
    out = dashgrn.perturb(trained_to_result(trained), knockout=["C"], start=frame)
    assert list(out.columns) == COLUMNS
    h = (7.0 - 1.0) / time_scale
    k = 2
    y0 = (x0 - offset) / scale
    member_delta = []
    for A in As:
        free = [0, 1, 3]
        E = la.expm(A[np.ix_(free, free)] * h)
        d = []
        for y in y0:
            plain = la.expm(A * h) @ y
            ko = np.zeros(4)
            ko[free] = E @ y[free]
            ko[k] = (0.0 - offset) / scale
            # knockout at 0 in input units is a constant input (0 - offset)/scale to the free genes
            ko[free] += np.linalg.solve(A[np.ix_(free, free)], (E - np.eye(3)) @ A[free, k]) * ko[k]
            d.append((ko - plain) * scale)
        member_delta.append(np.mean(d, axis=0))
    member_delta = np.array(member_delta)
    got = out.set_index("gene").loc[GENES]
    np.testing.assert_allclose(got["delta"], member_delta.mean(0), atol=1e-5)
    np.testing.assert_allclose(got["delta_sd"], np.abs(member_delta[0] - member_delta[1]) / np.sqrt(2), atol=1e-5)
    np.testing.assert_allclose(got["perturbed"] - got["baseline"], got["delta"], atol=1e-12)
    # rank: the knocked-out gene first (0), then by |delta|
    others = got.drop(index="C").sort_values("rank")
    assert list(others["rank"]) == [1, 2, 3]
    assert (np.diff(others["delta"].abs().to_numpy()) <= 0).all()


def trained_to_result(trained: Trained):  # noqa: ANN201 - a stand-in for an InferResult
    class Result:
        members = trained.members
        model = trained.members[0]
        genes = trained.genes
        summary = trained.summary
        edges = None

    return Result()


def test_unknown_gene_names_close_matches() -> None:
    with pytest.raises(InputError, match=r"'GAL44' is not a gene of the checkpoint \(close matches: GAL4"):
        perturbations(["GAL4", "GAL80", "REB1"], ["GAL44"])
    with pytest.raises(InputError, match="--overexpress: 'reb1'.*close matches: REB1"):
        perturbations(["GAL4", "REB1"], [], {"reb1": 1.0})
    with pytest.raises(ConfigError, match="perturbed twice"):
        perturbations(["A", "B"], ["A"], {"A": 1.0})
    with pytest.raises(ConfigError, match="nothing to perturb"):
        perturbations(["A", "B"], [])


def test_labels_and_combined_perturbation() -> None:
    singles = perturbations(GENES, ["A", "B"], {"C": 2.5})
    assert [p.label for p in singles] == ["knockout:A", "knockout:B", "overexpress:C=2.5"]
    (both,) = perturbations(GENES, ["A", "B"], {"C": 2.5}, combine=True)
    assert both == Perturbation("knockout:A+knockout:B+overexpress:C=2.5", (("A", 0.0), ("B", 0.0), ("C", 2.5)))
    assert parse_overexpress(["A=1", "B=-2e-1,C=3"]) == {"A": 1.0, "B": -0.2, "C": 3.0}
    for bad in ("A", "A=x", "=1", "A=nan"):
        with pytest.raises(ConfigError, match="GENE=VALUE"):
            parse_overexpress([bad])


def _expr(genes: list[str], obs: pd.DataFrame | None = None) -> ExpressionData:
    X = np.arange(4 * len(genes), dtype=float).reshape(4, len(genes))
    return ExpressionData(X=X, genes=genes, samples=["a", "b", "c", "d"], time=np.array([2.0, 0.0, 5.0, 1.0]),
                          trajectory=np.array(["1", "1", "2", "2"], dtype=object), obs=obs)


def test_start_states_first_time_point_and_end_time() -> None:
    states = start_states(_expr(["B", "A", "X"]), ["A", "B"])
    assert states.labels == ["1", "2"]
    np.testing.assert_array_equal(states.start, [0.0, 1.0])
    assert states.end == 5.0
    np.testing.assert_array_equal(states.values, [[4.0, 3.0], [10.0, 9.0]])  # model order A, B; X left out
    np.testing.assert_array_equal(start_states(_expr(["A", "B"]), ["A", "B"], t_end=8).horizon, [8.0, 7.0])
    with pytest.raises(ConfigError, match="--t-end"):
        start_states(_expr(["A", "B"]), ["A", "B"], t_end=0.5)


def test_start_states_of_a_group_and_missing_genes() -> None:
    obs = pd.DataFrame({"cell_type": ["stem", "x", "stem", "x"]}, index=["a", "b", "c", "d"])
    states = start_states(_expr(["A", "B"], obs), ["A", "B"], cells="cell_type=stem", t_end=6)
    assert states.labels == ["a", "c"]
    np.testing.assert_array_equal(states.horizon, [4.0, 1.0])
    with pytest.raises(InputError, match="no sample has cell_type = 'y'"):
        start_states(_expr(["A", "B"], obs), ["A", "B"], cells="cell_type=y")
    with pytest.raises(InputError, match=r"no obs key 'celltype' for --cells \(close matches: cell_type\)"):
        start_states(_expr(["A", "B"], obs), ["A", "B"], cells="celltype=stem")
    with pytest.raises(InputError, match=r"1 of the checkpoint's 2 genes are not in the data, e.g. 'GAL4' "
                                         r"\(close matches: GAL40\)"):
        start_states(_expr(["A", "GAL40"]), ["A", "GAL4"])


def test_batches_do_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Perturbations split over several solves give the same table as one solve."""
    import dashgrn.perturbation._run as run

    rng = np.random.default_rng(7)
    trained = _trained([Linear(rng.normal(0, 0.5, (4, 4)) - np.eye(4))], offset=0.0, scale=1.0)
    frame = _frame(rng.random((3, 4)), times=(0.0, 2.0))
    whole = dashgrn.perturb(trained_to_result(trained), knockout=GENES, start=frame)
    monkeypatch.setattr(run, "BATCH_ROWS", 4)  # one perturbation (3 start states) per solve
    split = dashgrn.perturb(trained_to_result(trained), knockout=GENES, start=frame)
    # adaptive steps follow the whole batch, so the two agree to the solver tolerance (rtol 1e-7)
    np.testing.assert_allclose(split["delta"], whole["delta"], rtol=1e-5, atol=1e-7)
    assert split.attrs["start_states"] == 3 and split.attrs["end_time"] == 2.0


def test_import_stays_light_and_perturb_is_the_function() -> None:
    import subprocess
    import sys

    code = ("import sys, dashgrn; f = dashgrn.perturb; import dashgrn.perturbation as p; "
            "assert f is p.perturb and dashgrn.perturb is f; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_close_matches() -> None:
    from dashgrn.perturbation._spec import close_matches

    assert close_matches("GAL44", ["GAL4", "REB1"]) == " (close matches: GAL4)"
    assert close_matches("b", ["A", "B"]) == " (close matches: B)"
    assert close_matches("traj", ["time", "trajectory"]) == " (close matches: trajectory)"
    assert close_matches("XYZ", ["A", "B"]) == ""
