"""Every number of the report is what its label says, computed here from edges.tsv and
prior_used.tsv with pandas (issue 17): |E| is edges.tsv's |effect|, the ranking weight its
``weight``; unpruned runs say so; the ranking is the one the run used; prior signs that the
model contradicts are counted and listed."""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn.cli import app
from dashgrn.report import build_report, write_report
from dashgrn.report._format import fmt_num

#: Fast options without pruning (--pruning none; the default prunes since issue 18) and one model.
# the model's ranking (3 epochs: `--evidence auto` would rank by the crowd) and the median as the bar
# for new edges, so that the prior-first run has some (the tables of new edges are tested)
PLAIN = ["--epochs", "3", "--pruning", "none", "--hidden", "4", "--solver", "rk4", "--solver-steps", "2",
         "--batch-size", "8",
         "--threads", "1", "--val-fraction", "0.2", "--ensemble", "1", "--evidence", "model",
         "--new-edge-quantile", "0.5"]


def _tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype={"regulator": str, "target": str}, keep_default_na=False,
                       na_values=["NA"], float_precision="round_trip")


def _infer(tmp: Path, name: str, *args: str) -> Path:
    out = tmp / name
    res = CliRunner().invoke(app, ["-q", "infer", *args, "--out", str(out), *PLAIN])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def plain_runs(tiny_run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An unpruned prior-first run (``prior_first``) and an unpruned run without a prior (``effect``)."""
    tmp = tmp_path_factory.mktemp("labels")
    expr, prior = str(tiny_run["expr"]), str(tiny_run["prior"])
    return {"prior_first": _infer(tmp, "pf", expr, "--prior", prior), "effect": _infer(tmp, "eff", expr)}


def _values(run: Path) -> dict[str, Any]:
    return json.loads((run / "report.json").read_text(encoding="utf-8"))


def _html(run: Path) -> str:
    return (run / "report.html").read_text(encoding="utf-8")


def _md(run: Path) -> str:
    return (run / "report.md").read_text(encoding="utf-8")


def _html_rows(html: str, heading: str) -> list[list[str]]:
    """The cells (tags stripped) of the first table after the ``<h3>`` that starts with ``heading``."""
    part = html.split(f"<h3>{heading}", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", part, flags=re.S)
    cells = (re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S) for r in rows[1:])
    return [[htmllib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in row] for row in cells]


@pytest.mark.parametrize("which", ["prior_first", "effect", "dash"])
def test_abs_effect_and_ranking_weight_are_what_their_labels_say(
        which: str, plain_runs: dict[str, Path], tiny_run: dict[str, Any]) -> None:
    run = tiny_run["run"] if which == "dash" else plain_runs[which]
    edges = _tsv(run / "edges.tsv")
    a, w = edges["effect"].abs(), edges["weight"]
    v = _values(run)
    assert (v["network_abs_effect_min"], v["network_abs_effect_median"], v["network_abs_effect_max"]) == \
        pytest.approx((a.min(), a.median(), a.max()), rel=1e-12)
    assert (v["network_weight_min"], v["network_weight_median"], v["network_weight_max"]) == \
        pytest.approx((w.min(), w.median(), w.max()), rel=1e-12)
    shown = " / ".join(fmt_num(x, 3) for x in (a.min(), a.median(), a.max()))
    assert f"<tr><th>|E| (min / median / max)</th><td>{shown}</td></tr>" in _html(run)
    assert f"- **|E| (min / median / max)**: {shown}" in _md(run)
    ranking = " / ".join(fmt_num(x, 3) for x in (w.min(), w.median(), w.max()))
    assert f"<tr><th>ranking weight (min / median / max)</th><td>{ranking} " in _html(run)
    # the histogram draws |E|, not the ranking weight
    np.testing.assert_array_equal(build_report(run).abs_effects, a.to_numpy())
    assert "edge weight |E|" not in _html(run)


def test_out_strength_is_the_sum_of_abs_effect(plain_runs: dict[str, Path]) -> None:
    run = plain_runs["prior_first"]
    edges = _tsv(run / "edges.tsv")
    expected = edges.assign(a=edges["effect"].abs()).groupby("regulator")["a"].sum()
    by_weight = edges.groupby("regulator")["weight"].sum()
    assert not np.allclose(expected, by_weight.reindex(expected.index))  # the two differ: the test can fail
    regs = build_report(run).regulators.set_index("regulator")["out_strength"]
    pd.testing.assert_series_equal(regs.sort_index(), expected.sort_index(), check_names=False, rtol=1e-12)
    html = _html(run)
    rows = _html_rows(html, "Top regulators by out-strength (sum of |E|)")
    assert rows, "no out-strength table"
    for reg, strength, *_ in rows:
        assert strength == fmt_num(expected[reg], 3), reg
    for reg, _, strength, *_ in _html_rows(html, "Top regulators by out-degree"):
        assert strength == fmt_num(expected[reg], 3), reg
    section = _md(run).split("Top regulators by out-degree:", 1)[1].split("## Agreement", 1)[0]
    assert "| regulator | targets | out-strength (sum of \\|E\\|) |" in section
    rows = [line.strip("|").split(" | ") for line in section.splitlines() if line.startswith("| `")]
    assert rows
    for cells in rows:
        name = re.sub(r"^(`+) ?(.*?) ?\1$", r"\2", cells[0].strip()).replace("\\|", "|")
        assert cells[2].strip() == fmt_num(expected[name], 3), name


def test_agreement_tables_show_abs_effect_and_ranking_weight(plain_runs: dict[str, Path]) -> None:
    run = plain_runs["prior_first"]
    edges = _tsv(run / "edges.tsv").set_index(["regulator", "target"])
    for name in ("prior_kept.tsv", "new_edges.tsv"):
        table = _tsv(run / name).set_index(["regulator", "target"])
        assert len(table), name
        np.testing.assert_allclose(table["abs_effect"], edges.loc[table.index, "effect"].abs(), rtol=1e-12)
        np.testing.assert_allclose(table["weight"], edges.loc[table.index, "weight"], rtol=1e-12)
    kept = _tsv(run / "prior_kept.tsv")
    rows = _html_rows(_html(run), "Kept (top")
    for (reg, tgt, rank, shown, *_), r in zip(rows, kept.itertuples()):
        assert (reg, tgt, int(rank)) == (r.regulator, r.target, r.rank)
        assert shown == fmt_num(abs(edges.loc[(reg, tgt), "effect"]), 3)


def test_unpruned_run_says_it_was_not_pruned(plain_runs: dict[str, Path], tiny_run: dict[str, Any]) -> None:
    run = plain_runs["prior_first"]
    html, md = _html(run), _md(run)
    assert _values(run)["training_pruned"] is False
    assert "DASH" not in html and "DASH" not in md
    assert '<div class="k">weights pruned</div>' not in html
    assert "the model was not pruned" in html and "the model was not pruned" in md
    assert "of the weights pruned" not in md
    dash = tiny_run["run"]
    assert _values(dash)["training_pruned"] is True
    assert "DASH pruning used it" in _html(dash)
    assert '<div class="k">weights pruned</div>' in _html(dash)


@pytest.mark.parametrize(("which", "mode"), [("prior_first", "prior-first"), ("effect", "effect")])
def test_the_network_section_names_the_ranking_used(which: str, mode: str, plain_runs: dict[str, Path]) -> None:
    run = plain_runs[which]
    recorded = json.loads((run / "run.json").read_text(encoding="utf-8"))["summary"]["network"]["ranking"]
    assert recorded == mode
    assert _values(run)["network_ranking"] == mode
    html, md = _html(run), _md(run)
    assert "|E| ranks the edges" not in html
    phrase = {"prior-first": "ranked prior-first", "effect": "ranked by effect"}[mode]
    other = {"prior-first": "ranked by effect", "effect": "ranked prior-first"}[mode]
    assert phrase in html and phrase in md
    assert other not in html and other not in md


def test_prior_signs_the_model_contradicts_are_counted_and_listed(plain_runs: dict[str, Path],
                                                                  tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(plain_runs["prior_first"], run)
    prior = _tsv(run / "prior_used.tsv")
    edges = _tsv(run / "edges.tsv")
    # make the prior contradict the model on its first three kept edges, whatever the model learned
    m = prior.merge(edges[["regulator", "target", "sign"]], on=["regulator", "target"], suffixes=("", "_e"))
    flip = m[m["sign_e"] != 0].head(3)
    key = prior.set_index(["regulator", "target"]).index
    for r in flip.itertuples():
        prior.loc[key.get_loc((r.regulator, r.target)), "sign"] = -r.sign_e
    prior.to_csv(run / "prior_used.tsv", sep="\t", index=False)
    write_report(run)

    m = prior.merge(edges, on=["regulator", "target"], suffixes=("_prior", ""))
    known = m[(m["sign_prior"] != 0) & (m["sign"] != 0)]
    bad = known[known["sign_prior"] != known["sign"]].sort_values("rank")
    assert len(bad) >= 3
    v = _values(run)
    assert v["prior_kept_sign_disagree"] == len(bad)
    assert v["prior_kept_sign_known"] == len(known)
    assert v["prior_kept_sign_agreement"] == pytest.approx(1 - len(bad) / len(known))
    kept = _tsv(run / "prior_kept.tsv")
    assert set(zip(kept.loc[kept["sign_agrees"] == 0, "regulator"], kept.loc[kept["sign_agrees"] == 0, "target"])) \
        == set(zip(bad["regulator"], bad["target"]))
    note = f"{len(bad)} of the {len(known)} kept prior edges whose sign is known in both have the opposite sign"
    html, md = _html(run), _md(run)
    assert note in html and note in md
    listed = _html_rows(html, "Sign disagrees with the prior")
    assert [(r[0], r[1]) for r in listed] == list(zip(bad["regulator"], bad["target"]))[: len(listed)]
    assert "Sign disagrees with the prior (top 10):" in md
    marks = ["\u2260" in r[-1] for r in _html_rows(html, "Kept (top")]  # the not-equal sign beside the prior's
    assert marks == list((kept.head(len(marks))["sign_agrees"] == 0).fillna(False))


def test_data_section_shows_the_time_scale(plain_runs: dict[str, Path]) -> None:
    run = plain_runs["prior_first"]
    scaling = json.loads((run / "run.json").read_text(encoding="utf-8"))["summary"]["data"]["scaling"]
    assert scaling["time_scale"] == 1.0  # times 0..3: used as given
    assert _values(run)["data_time_scale"] == 1.0
    assert "<tr><th>time unit</th><td>the times as given</td></tr>" in _html(run)


def test_a_run_without_validation_pairs_says_so(plain_runs: dict[str, Path], tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(plain_runs["prior_first"], run)
    meta = json.loads((run / "run.json").read_text(encoding="utf-8"))
    meta["summary"]["data"]["validation_pairs"] = 0
    (run / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    assert any("no validation pairs" in n for n in build_report(run).notes)


def test_a_table_without_an_effect_column_takes_abs_effect_from_weight(tmp_path: Path) -> None:
    run = tmp_path / "r"
    run.mkdir()
    pd.DataFrame({"regulator": ["a", "c", "a"], "target": ["c", "a", "b"], "weight": [0.5, 0.25, 0.1],
                  "sign": [1, -1, 1], "rank": [1, 2, 3]}).to_csv(run / "edges.tsv", sep="\t", index=False)
    pd.DataFrame({"epoch": [1], "train_loss": [1.0], "val_loss": [1.1]}).to_csv(run / "history.tsv", sep="\t",
                                                                               index=False)
    (run / "run.json").write_text(json.dumps({"command": "x", "summary": {"data": {"genes": 3}}}), encoding="utf-8")
    rep = build_report(run)
    assert rep.values["network_abs_effect_max"] == 0.5
    assert rep.regulators.set_index("regulator")["out_strength"].to_dict() == {"a": 0.6, "c": 0.25}
    assert any("no effect column" in n for n in rep.notes)
    assert rep.values["network_ranking"] is None
    assert "does not record its ranking" in rep.run["ranking"]
