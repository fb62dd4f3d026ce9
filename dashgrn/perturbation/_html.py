"""``perturbation.html``: one self-contained page (inline SVG and CSS, no scripts), with, for
every perturbation, the most affected genes as a bar chart and the perturbed genes'
neighbourhood in the exported network coloured by delta. Every string from the inputs (gene
names, paths, labels) is HTML-escaped, and a Content-Security-Policy blocks scripts and every
resource that is not inline. No torch."""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pandas as pd

__all__ = ["render_page"]

#: genes in each bar chart, nodes in each neighbourhood, perturbations drawn
TOP_GENES = 20
MAX_NODES = 40
MAX_SECTIONS = 20

_CSS = ("body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}"
        "table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;border-bottom:1px solid #ddd;"
        "text-align:left}td.n{text-align:right;font-family:monospace}section{margin-bottom:3em}"
        ".row{display:flex;flex-wrap:wrap;gap:2em}.note{color:#666;font-size:13px}")


def _color(value: float, vmax: float) -> str:
    """Blue (negative) - white - red (positive)."""
    x = 0.0 if vmax <= 0 or not math.isfinite(value) else max(-1.0, min(1.0, value / vmax))
    if x >= 0:
        r, g, b = 255, int(255 * (1 - x)), int(255 * (1 - x))
    else:
        r, g, b = int(255 * (1 + x)), int(255 * (1 + x)), 255
    return f"#{r:02x}{g:02x}{b:02x}"


def _bars(rows: pd.DataFrame) -> str:
    """A horizontal bar chart of delta (with +- delta_sd) for ``rows``."""
    if rows.empty:
        return "<p class='note'>no other gene</p>"
    width, left, bar_h = 560, 150, 16
    height = bar_h * len(rows) + 30
    d = rows["delta"].to_numpy(float)
    sd = np.nan_to_num(rows["delta_sd"].to_numpy(float))
    vmax = float(np.max(np.abs(d) + sd)) or 1.0
    mid = left + (width - left) / 2
    half = (width - left) / 2 - 10
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>",
             f"<line x1='{mid}' y1='0' x2='{mid}' y2='{height - 20}' stroke='#888'/>"]
    for i, (gene, value, s) in enumerate(zip(rows["gene"], d, sd)):
        y = i * bar_h + 2
        w = abs(value) / vmax * half
        x = mid if value >= 0 else mid - w
        parts.append(f"<text x='{left - 6}' y='{y + 12}' font-size='11' text-anchor='end'>{escape(str(gene))}</text>")
        parts.append(f"<rect x='{x:.1f}' y='{y}' width='{w:.1f}' height='{bar_h - 4}' "
                     f"fill='{'#d6604d' if value >= 0 else '#4393c3'}'><title>{escape(str(gene))}: {value:.4g}"
                     f"</title></rect>")
        if s > 0:
            c = mid + value / vmax * half
            e = s / vmax * half
            parts.append(f"<line x1='{c - e:.1f}' y1='{y + 6}' x2='{c + e:.1f}' y2='{y + 6}' stroke='#222'/>")
    parts.append(f"<text x='{mid}' y='{height - 5}' font-size='11' text-anchor='middle'>delta (0 at the line; "
                 f"full width {vmax:.3g})</text></svg>")
    return "".join(parts)


def _neighbourhood(genes: list[str], table: pd.DataFrame, edges: pd.DataFrame | None) -> str:
    """The perturbed ``genes``, their targets and their targets' targets in ``edges``, on rings,
    each node filled by its delta."""
    if edges is None or edges.empty:
        return "<p class='note'>the run folder has no edges.tsv: no network to draw</p>"
    delta = dict(zip(table["gene"], table["delta"]))
    out: dict[str, list[tuple[str, int]]] = {}
    for r, t, s in zip(edges["regulator"].astype(str), edges["target"].astype(str), edges["sign"]):
        out.setdefault(r, []).append((t, int(s)))
    ring1 = sorted({t for g in genes for t, _ in out.get(g, [])} - set(genes),
                   key=lambda g: -abs(delta.get(g, 0.0)))[:MAX_NODES // 2]
    ring2 = sorted({t for g in ring1 for t, _ in out.get(g, [])} - set(genes) - set(ring1),
                   key=lambda g: -abs(delta.get(g, 0.0)))[:MAX_NODES - len(ring1)]
    size = 520
    c = size / 2
    pos: dict[str, tuple[float, float]] = {}
    for k, g in enumerate(genes):
        a = 2 * math.pi * k / max(len(genes), 1)
        rr = 0 if len(genes) == 1 else 30
        pos[g] = (c + rr * math.cos(a), c + rr * math.sin(a))
    for ring, radius in ((ring1, 130), (ring2, 230)):
        for k, g in enumerate(ring):
            a = 2 * math.pi * k / len(ring) - math.pi / 2
            pos[g] = (c + radius * math.cos(a), c + radius * math.sin(a))
    shown = [abs(delta.get(g, 0.0)) for g in [*ring1, *ring2]]
    vmax = max(shown) if shown else 1.0
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{size}' height='{size}' role='img'>"]
    for r, targets in out.items():
        if r not in pos:
            continue
        for t, s in targets:
            if t in pos:
                (x1, y1), (x2, y2) = pos[r], pos[t]
                dash = " stroke-dasharray='4 3'" if s < 0 else ""
                parts.append(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='#999'{dash}/>")
    for g, (x, y) in pos.items():
        fill = "#444" if g in genes else _color(delta.get(g, 0.0), vmax)
        parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='9' fill='{fill}' stroke='#333'><title>{escape(g)}: "
                     f"delta {delta.get(g, 0.0):.4g}</title></circle>")
        parts.append(f"<text x='{x:.1f}' y='{y + 21:.1f}' font-size='10' text-anchor='middle'>{escape(g)}</text>")
    parts.append("</svg>")
    legend = (f"<p class='note'>dark: perturbed; inner ring: its targets in edges.tsv, outer ring: theirs "
              f"(at most {MAX_NODES}, the most affected); red up, blue down (full colour at |delta| = {vmax:.3g}); "
              "dashed: repressing edge</p>")
    return "".join(parts) + legend


def _top_table(rows: pd.DataFrame) -> str:
    body = "".join(
        f"<tr><td>{int(r)}</td><td>{escape(str(g))}</td><td class='n'>{b:.4g}</td><td class='n'>{p:.4g}</td>"
        f"<td class='n'>{d:.4g}</td><td class='n'>{s:.3g}</td></tr>"
        for r, g, b, p, d, s in zip(rows["rank"], rows["gene"], rows["baseline"], rows["perturbed"], rows["delta"],
                                    rows["delta_sd"]))
    return ("<table><tr><th>rank</th><th>gene</th><th>baseline</th><th>perturbed</th><th>delta</th>"
            f"<th>delta_sd</th></tr>{body}</table>")


def render_page(table: pd.DataFrame, edges: pd.DataFrame | None, info: dict) -> str:
    """The page for a table of :func:`~dashgrn.perturbation.perturb` (``info``: its ``attrs``)."""
    labels = list(dict.fromkeys(table["perturbation"]))
    clamped = info.get("clamped") or {}
    head = (f"<p>model: <code>{escape(str(info.get('model', '')))}</code> ({int(info.get('members', 0))} "
            f"ensemble member(s)); start states: {int(info.get('start_states', 0))} from "
            f"<code>{escape(str(info.get('start_source', '')))}</code>; end time {float(info.get('end_time', 0)):g} "
            "(the data's clock). delta = perturbed - baseline at the end time, in the input's units, "
            "averaged over start states and members; delta_sd is its spread over members.</p>")
    sections = []
    for label in labels[:MAX_SECTIONS]:
        rows = table[table["perturbation"] == label]
        genes = list(clamped.get(label) or rows.loc[rows["rank"] == 0, "gene"])
        top = rows[rows["rank"] > 0].head(TOP_GENES)
        sections.append(
            f"<section><h2>{escape(label)}</h2><div class='row'><div><h3>most affected genes</h3>{_bars(top)}</div>"
            f"<div><h3>neighbourhood in the network</h3>{_neighbourhood(genes, rows, edges)}</div></div>"
            f"{_top_table(top)}</section>")
    more = (f"<p class='note'>{len(labels) - MAX_SECTIONS} more perturbation(s) are in perturbation.tsv</p>"
            if len(labels) > MAX_SECTIONS else "")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\"><title>dashgrn perturb</title>"
            f"<style>{_CSS}</style></head><body><h1>In-silico perturbations</h1>{head}{''.join(sections)}{more}"
            "</body></html>\n")
