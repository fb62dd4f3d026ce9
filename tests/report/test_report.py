"""The run report: files, numbers, escaping, the `dashgrn report` command."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markupsafe
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn.cli import app
from dashgrn.report import build_report, render_markdown, write_report
from dashgrn.report._write import REPORT_FILES

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"
SECTIONS = ("summary", "run", "data", "prior", "training", "network", "agreement")


class _Page(HTMLParser):
    """Collects text, tags and image sources of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "img":
            self.images.append(a)
        for key in ("href", "src"):
            if a.get(key) and tag != "img":
                self.links.append(str(a[key]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _page(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype={"regulator": str, "target": str}, keep_default_na=False,
                       na_values=["NA"], float_precision="round_trip")


# --------------------------------------------------------------------------------------
# Files and structure


def test_infer_writes_the_report(tiny_run: dict[str, Any]) -> None:
    run = tiny_run["run"]
    for name in REPORT_FILES:
        assert (run / name).is_file(), name
    assert not list(run.glob(".*.tmp"))


def test_write_report_returns_every_file(run_copy: Path) -> None:
    for name in REPORT_FILES:
        (run_copy / name).unlink()
    written = write_report(run_copy)
    assert [p.name for p in written] == list(REPORT_FILES)
    assert all(p.is_file() and p.parent == run_copy for p in written)
    assert not list(run_copy.glob(".*.tmp"))


def test_html_is_self_contained_with_every_section_and_plot(tiny_run: dict[str, Any]) -> None:
    page = _page(tiny_run["run"] / "report.html")
    for sid in SECTIONS:
        assert sid in page.ids
    assert "truth" not in page.ids  # no truth given
    assert "script" not in page.tags
    assert len(page.images) == 7  # loss, lr, sparsity, degrees, weights, confidence, heat map
    for img in page.images:
        src = str(img["src"])
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
        assert img.get("alt")
    # No external resource: only in-page anchors and the files beside the report.
    for link in page.links:
        assert link.startswith("#") or "/" not in link, link
    text = (tiny_run["run"] / "report.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in text
    assert not re.search(r"(src|href)=\"(https?:)?//", text)


def test_report_json_is_flat(tiny_run: dict[str, Any]) -> None:
    values = json.loads((tiny_run["run"] / "report.json").read_text(encoding="utf-8"))
    prefixes = ("report_", "run_", "input_", "data_", "prior_", "training_", "network_", "truth_")
    for key, value in values.items():
        assert key.startswith(prefixes), key
        assert re.fullmatch(r"[a-z0-9_]+", key), key
        assert value is None or isinstance(value, (str, int, float, bool)), key
    assert values["truth_path"] is None


# --------------------------------------------------------------------------------------
# Numbers equal those of the run's files


def test_json_numbers_equal_edges_and_history(tiny_run: dict[str, Any]) -> None:
    run = tiny_run["run"]
    v = json.loads((run / "report.json").read_text(encoding="utf-8"))
    edges = _tsv(run / "edges.tsv")
    hist = pd.read_csv(run / "history.tsv", sep="\t")
    n = json.loads((run / "run.json").read_text(encoding="utf-8"))["summary"]["data"]["genes"]
    assert v["network_edges"] == len(edges)
    assert v["network_activating"] == int((edges["sign"] == 1).sum())
    assert v["network_repressing"] == int((edges["sign"] == -1).sum())
    assert v["network_density"] == pytest.approx(len(edges) / (n * (n - 1)))
    assert v["network_regulators"] == edges["regulator"].nunique()
    assert v["network_targets"] == edges["target"].nunique()
    assert v["network_max_out_degree"] == edges.groupby("regulator").size().max()
    assert v["network_weight_max"] == edges["weight"].max()
    # by out-degree, then out-strength (sum of |E|), then name
    top = edges.assign(m=edges["effect"].abs()).groupby("regulator").agg(d=("target", "size"), s=("m", "sum")) \
        .reset_index().sort_values(["d", "s", "regulator"], ascending=[False, False, True])
    assert v["network_top_regulator"] == top["regulator"].iloc[0]

    assert v["training_ensemble"] == hist["member"].max() == 2  # the default ensemble; member 1 is shown
    hist = hist[hist["member"] == 1]
    assert v["training_epochs_run"] == len(hist)
    best = int(hist["best_epoch"].iloc[-1])
    row = hist[hist["epoch"] == best].iloc[0]
    assert v["training_best_epoch"] == best
    assert v["training_best_val_loss"] == row["val_loss"]
    assert v["training_best_train_loss"] == row["train_loss"]
    assert v["training_final_val_loss"] == hist["val_loss"].iloc[-1]
    assert v["training_final_train_loss"] == hist["train_loss"].iloc[-1]
    assert v["training_min_val_loss"] == hist["val_loss"].min()
    assert v["training_prune_events"] == int(hist["pruned"].sum())
    assert v["training_first_prune_epoch"] == int(hist.loc[hist["pruned"] == 1, "epoch"].min())
    assert v["training_weight_sparsity"] == row["weight_sparsity"]
    assert v["training_density_w_p"] == row["density_W_p"]
    assert v["training_seconds"] == pytest.approx(hist["seconds"].sum())


def test_json_agrees_with_run_json(tiny_run: dict[str, Any]) -> None:
    run = tiny_run["run"]
    v = json.loads((run / "report.json").read_text(encoding="utf-8"))
    r = json.loads((run / "run.json").read_text(encoding="utf-8"))
    s = r["summary"]
    assert v["network_edges"] == s["network"]["edges"]
    assert v["network_activating"] == s["network"]["activating"]
    assert v["network_repressing"] == s["network"]["repressing"]
    assert v["training_best_epoch"] == s["training"]["best_epoch"]
    assert v["training_best_val_loss"] == pytest.approx(s["training"]["best_val_loss"], rel=1e-8)
    assert v["prior_edges_used"] == s["prior"]["edges_used"]
    assert v["data_trajectories"] == s["data"]["trajectories"]
    assert v["run_command"] == r["command"]
    assert v["run_torch_version"] == r["versions"]["torch"]
    assert v["input_expression_sha256"] == r["inputs"]["expression"]["sha256"]
    assert v["run_seed"] == 0
    assert v["run_device"] == "cpu"


def test_agreement_tables_partition_prior_and_network(tiny_run: dict[str, Any]) -> None:
    run = tiny_run["run"]
    prior = _tsv(run / "prior_used.tsv")
    edges = _tsv(run / "edges.tsv")
    kept, removed, new = (_tsv(run / f) for f in ("prior_kept.tsv", "prior_removed.tsv", "new_edges.tsv"))
    pairs = lambda df: set(zip(df["regulator"], df["target"]))  # noqa: E731
    assert pairs(kept) | pairs(removed) == pairs(prior)
    assert not pairs(kept) & pairs(removed)
    assert pairs(kept) | pairs(new) == pairs(edges)
    assert not pairs(kept) & pairs(new)
    assert pairs(kept) == pairs(prior) & pairs(edges)
    merged = kept.merge(edges, on=["regulator", "target"], suffixes=("", "_e"))
    assert (merged["weight"] == merged["weight_e"]).all() and (merged["rank"] == merged["rank_e"]).all()
    assert list(new["rank"]) == sorted(new["rank"])
    v = json.loads((run / "report.json").read_text(encoding="utf-8"))
    assert (v["prior_edges_kept"], v["prior_edges_removed"], v["network_edges_new"]) == (len(kept), len(removed), len(new))
    known = kept.dropna(subset=["sign_agrees"])
    assert v["prior_kept_sign_known"] == len(known)


# --------------------------------------------------------------------------------------
# Gene names that need escaping


def test_html_escapes_gene_names(tiny_run: dict[str, Any]) -> None:
    run = tiny_run["run"]
    raw = (run / "report.html").read_text(encoding="utf-8")
    assert "<script" not in raw.lower()
    assert "alert(1)</" not in raw
    names_in_report = set(_tsv(run / "edges.tsv")["regulator"]) | set(_tsv(run / "edges.tsv")["target"])
    text = "".join(_page(run / "report.html").text)
    shown = [g for g in tiny_run["odd_genes"] if g in names_in_report]
    assert len(shown) >= 4
    for gene in shown:
        assert str(markupsafe.escape(gene)) in raw, gene
        assert gene in text, gene  # the parsed page shows the exact name as text


def test_graphml_keeps_exact_gene_names(tiny_run: dict[str, Any]) -> None:
    run = tiny_run["run"]
    g = nx.read_graphml(run / "network.graphml")
    edges = _tsv(run / "edges.tsv")
    assert set(g.nodes) == set(edges["regulator"]) | set(edges["target"])
    assert set(g.nodes) <= set(tiny_run["genes"])
    assert {e for e in g.edges} == set(zip(edges["regulator"], edges["target"]))
    assert "<script>alert(1)</script>" in g.nodes
    assert "<script>" not in (run / "network.graphml").read_text(encoding="utf-8")


def test_markdown_shows_names_as_code(tiny_run: dict[str, Any]) -> None:
    md = (tiny_run["run"] / "report.md").read_text(encoding="utf-8")
    outside = re.sub(r"(`+)(.+?)\1", "", md)  # strip code spans and fences' content lines
    outside = re.sub(r"```.*?```", "", outside, flags=re.S)
    assert "<script" not in outside
    assert "`<script>alert(1)</script>`" in md
    assert "`` $\\alpha$_`tick` ``" in md or "$\\alpha$_`tick`" not in md
    for line in md.splitlines():  # every table row has as many cells as its header
        if line.startswith("| ") and "x>y" in line:
            assert "x>y\\|z" in line


def test_report_name_is_the_final_folder_name(tmp_path: Path, tiny_run: dict[str, Any]) -> None:
    import shutil

    stage = tmp_path / ".myrun.ab12cd.partial"
    shutil.copytree(tiny_run["run"], stage)
    rep = build_report(stage)
    assert rep.name == "myrun"
    assert render_markdown(rep).startswith("# dashgrn run report: `myrun`")


# --------------------------------------------------------------------------------------
# Truth


def test_truth_adds_metrics_and_pr_curve(run_copy: Path, tiny_run: dict[str, Any]) -> None:
    from dashgrn.evaluate import score_network
    from dashgrn.io import read_edges, read_truth

    truth = tiny_run["truth"]
    write_report(run_copy, truth=truth)
    v = json.loads((run_copy / "report.json").read_text(encoding="utf-8"))
    assert v["truth_path"] == str(truth)
    expected = score_network(read_edges(run_copy / "edges.tsv"), read_truth(truth)).metrics
    for k in ("auroc", "average_precision", "epr", "early_precision", "n_edges"):
        assert v[f"truth_{k}"] == pytest.approx(expected[k]), k
    assert v["truth_random_auroc"] == 0.5
    page = _page(run_copy / "report.html")
    assert "truth" in page.ids
    assert len(page.images) == 8  # and the precision-recall curves
    assert "## Evaluation against the truth" in (run_copy / "report.md").read_text(encoding="utf-8")


def test_truth_recorded_by_infer_is_reused(run_copy: Path, tiny_run: dict[str, Any], tmp_path: Path) -> None:
    from dashgrn.provenance import file_record

    gold = tmp_path / "gold.tsv"
    gold.write_bytes(tiny_run["truth"].read_bytes())
    run = json.loads((run_copy / "run.json").read_text(encoding="utf-8"))
    run["inputs"]["truth"] = file_record(gold)
    (run_copy / "run.json").write_text(json.dumps(run), encoding="utf-8")
    assert build_report(run_copy).values["truth_path"] == str(gold)
    gold.write_text("regulator\ttarget\nG0\tG1\nG1\tG0\n", encoding="utf-8")  # changed since the run
    rep = build_report(run_copy)
    assert rep.values["truth_path"] is None
    assert any("changed since the run" in n for n in rep.notes)


# --------------------------------------------------------------------------------------
# Built from the files alone


def test_no_torch_needed(tiny_run: dict[str, Any], tmp_path: Path) -> None:
    import shutil

    run = tmp_path / "run"
    shutil.copytree(tiny_run["run"], run)
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ImportError('torch is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from dashgrn.report import write_report\n"
        f"write_report({str(run)!r}, truth={str(tiny_run['truth'])!r})\n"
        "assert 'torch' not in sys.modules\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr


def test_minimal_hand_made_run_folder(tmp_path: Path) -> None:
    """No prior, no ranking, no config.json: the report still builds."""
    run = tmp_path / "r"
    run.mkdir()
    pd.DataFrame({"regulator": ["a<b", "c"], "target": ["c", "a<b"], "weight": [0.5, 0.25], "sign": [1, -1],
                  "rank": [1, 2]}).to_csv(run / "edges.tsv", sep="\t", index=False)
    pd.DataFrame({"epoch": [1, 2], "train_loss": [1.0, 0.5], "val_loss": [1.1, 0.6], "lr": [1e-3, 1e-3],
                  "pruned": [0, 1], "weight_sparsity": [0.0, 0.7], "best_epoch": [0, 2]}) \
        .to_csv(run / "history.tsv", sep="\t", index=False)
    (run / "run.json").write_text(json.dumps({"command": "dashgrn infer x", "summary": {"data": {"genes": 2}}}),
                                  encoding="utf-8")
    write_report(run)
    v = json.loads((run / "report.json").read_text(encoding="utf-8"))
    assert v["prior_given"] is False and v["network_edges"] == 2 and v["network_edges_new"] == 2
    assert v["network_effects_source"] == "edges.tsv"
    assert v["training_best_val_loss"] == 0.6
    assert "a&lt;b" in (run / "report.html").read_text(encoding="utf-8")
    assert len(_tsv(run / "prior_kept.tsv")) == 0


def test_empty_network(tmp_path: Path) -> None:
    """Every weight pruned: the report says so instead of failing."""
    run = tmp_path / "r"
    run.mkdir()
    (run / "edges.tsv").write_text("regulator\ttarget\tweight\tsign\trank\n", encoding="utf-8")
    (run / "history.tsv").write_text("epoch\ttrain_loss\tval_loss\n1\t0.5\t0.6\n", encoding="utf-8")
    (run / "prior_used.tsv").write_text("regulator\ttarget\tsign\tweight\na\tb\t1\t1\n", encoding="utf-8")
    (run / "run.json").write_text(json.dumps({"command": "x", "summary": {"data": {"genes": 3}}}), encoding="utf-8")
    truth = tmp_path / "truth.tsv"
    truth.write_text("regulator\ttarget\na\tb\n", encoding="utf-8")
    write_report(run, truth=truth)
    v = json.loads((run / "report.json").read_text(encoding="utf-8"))
    assert v["network_edges"] == 0 and v["prior_edges_removed"] == 1 and v["truth_path"] == str(truth)
    assert "nothing to score" in (run / "report.html").read_text(encoding="utf-8")


def test_cut_network_uses_the_ranking(run_copy: Path) -> None:
    """With --top-k, removed prior edges get their |E| from ranking.tsv.gz, and the heat map too."""
    edges = _tsv(run_copy / "edges.tsv")
    cut = edges.head(5)
    cut.to_csv(run_copy / "edges.tsv", sep="\t", index=False)
    config = json.loads((run_copy / "config.json").read_text(encoding="utf-8"))
    config["settings"]["top_k"] = 5
    (run_copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
    rep = build_report(run_copy)
    assert rep.values["network_effects_source"] == "ranking.tsv.gz"
    assert rep.values["network_edges"] == 5
    cut_pairs = set(zip(cut["regulator"], cut["target"]))
    full = edges.set_index(["regulator", "target"])["effect"].abs()  # weight is the ranking score
    for r in rep.removed.itertuples():
        expected = full.get((r.regulator, r.target), 0.0)
        assert r.abs_effect == pytest.approx(expected, rel=1e-8)  # the ranking has 9 significant digits
        assert (r.regulator, r.target) not in cut_pairs
    assert (rep.removed["abs_effect"] > 0).any()  # some were cut, not pruned
    assert int((rep.heatmap != 0).sum().sum()) > 5  # drawn from every non-zero E


def test_a_failure_keeps_the_previous_report(run_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dashgrn.report.markdown as md

    before = {n: (run_copy / n).read_bytes() for n in REPORT_FILES}

    def boom(report: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(md, "render_markdown", boom)
    with pytest.raises(RuntimeError):
        write_report(run_copy)
    assert {n: (run_copy / n).read_bytes() for n in REPORT_FILES} == before
    assert not list(run_copy.glob(".*.tmp"))


def test_report_is_deterministic(run_copy: Path) -> None:
    first = {n: (run_copy / n).read_bytes() for n in REPORT_FILES}
    write_report(run_copy)
    second = {n: (run_copy / n).read_bytes() for n in REPORT_FILES}
    assert first.keys() == second.keys()
    for n in REPORT_FILES:
        if n != "report.json":
            assert first[n] == second[n], n


# --------------------------------------------------------------------------------------
# The command


def test_cli_regenerates_in_place(run_copy: Path, tiny_run: dict[str, Any]) -> None:
    for name in REPORT_FILES:
        (run_copy / name).unlink()
    res = runner.invoke(app, ["report", str(run_copy), "--truth", str(tiny_run["truth"])])
    assert res.exit_code == 0, res.output
    for name in REPORT_FILES:
        assert (run_copy / name).is_file()
        assert str(run_copy / name) in res.stdout
    v = json.loads((run_copy / "report.json").read_text(encoding="utf-8"))
    assert v["truth_path"] == str(tiny_run["truth"])


@pytest.mark.parametrize(
    ("run_json", "message"),
    [
        (None, "not a dashgrn run folder (run.json is missing)"),
        ("{}", "not the run.json of a dashgrn run"),
        ("{oops", "cannot read it as JSON"),
        ('{"command": "x"}', "not a dashgrn run folder (edges.tsv is missing)"),
        ("missing", "no such folder"),
    ],
)
def test_cli_not_a_run_folder(tmp_path: Path, run_json: str | None, message: str) -> None:
    target = tmp_path
    if run_json == "missing":
        target = tmp_path / "missing"
    elif run_json is not None:
        (tmp_path / "run.json").write_text(run_json, encoding="utf-8")
    res = runner.invoke(app, ["report", str(target)])
    assert res.exit_code == 3, res.output
    assert message in res.output
    assert "error:" in res.output and "hint:" in res.output
    assert "Traceback" not in res.output


def test_cli_bad_truth(run_copy: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", str(run_copy), "--truth", str(tmp_path / "nope.tsv")])
    assert res.exit_code == 3, res.output
    assert "Traceback" not in res.output


def test_numbers_are_finite_json(tiny_run: dict[str, Any]) -> None:
    text = (tiny_run["run"] / "report.json").read_text(encoding="utf-8")
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert np.isfinite([x for x in json.loads(text).values() if isinstance(x, float)]).all()


def test_single_cell_values_used_as_given_say_why() -> None:
    from dashgrn.report.markdown import _as_given

    assert "detected as already normalised" in _as_given({"normalize": False, "values": "normalised"})
    assert _as_given({"normalize": False, "values": "counts"}) == "as given (--no-normalize)"
