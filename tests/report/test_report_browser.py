"""report.html in a real browser: headless Chromium loads every image and logs nothing.

Skipped when no ``chromium`` is on the PATH. To run it: ``apt-get install -y chromium``
(Debian/Ubuntu), then ``pytest tests/report/test_report_browser.py``.

Chromium prints every console message of the page (errors, uncaught exceptions,
Content-Security-Policy violations, failed loads) to stderr as ``INFO:CONSOLE`` lines
with ``--enable-logging=stderr``. The report has no script of its own, so the page
must log nothing at all. To see whether the images decoded, a copy of the report gets
one small script (allowed by its hash in the page's CSP) that writes the result into
the page title, read back with ``--dump-dom``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dashgrn.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
    "--enable-logging=stderr", "--v=0", "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000",
    "--window-size=1280,2400",
]

CHECK = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var bad = imgs.filter(function (i) {
    return !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0 && i.getBoundingClientRect().width > 100);
  });
  var hidden = Array.prototype.slice.call(document.querySelectorAll("section")).filter(function (s) {
    return s.getBoundingClientRect().height < 20;
  });
  document.title = "CHECK images=" + imgs.length + " bad=" + bad.length + " sections="
    + document.querySelectorAll("section").length + " hidden=" + hidden.length;
});
""".strip()


def _chromium(url: str, profile: Path) -> tuple[str, str]:
    res = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout, res.stderr


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def _with_check(report: Path, dst: Path) -> Path:
    """A copy of the report with the check script, allowed by its hash in the page's CSP."""
    text = report.read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(CHECK.encode("utf-8")).digest()).decode("ascii")
    assert "default-src 'none';" in text
    text = text.replace("default-src 'none';", f"default-src 'none'; script-src 'sha256-{digest}';", 1)
    text = text.replace("</body>", f"<script>{CHECK}</script>\n</body>", 1)
    dst.write_text(text, encoding="utf-8")
    return dst


@pytest.fixture(scope="module")
def report_with_truth(tiny_run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("browser") / "run"
    shutil.copytree(tiny_run["run"], run)
    write_report(run, truth=tiny_run["truth"])
    return run / "report.html"


def test_report_opens_without_console_messages(report_with_truth: Path, tmp_path: Path) -> None:
    dom, stderr = _chromium(report_with_truth.as_uri(), tmp_path / "profile")
    assert "dashgrn run report" in dom
    assert _console(stderr) == []


def test_every_image_loads_and_every_section_shows(report_with_truth: Path, tmp_path: Path) -> None:
    page = _with_check(report_with_truth, tmp_path / "check.html")
    dom, stderr = _chromium(page.as_uri(), tmp_path / "profile")
    assert _console(stderr) == []
    m = re.search(r"<title>CHECK images=(\d+) bad=(\d+) sections=(\d+) hidden=(\d+)</title>", dom)
    assert m is not None, dom[:500]
    images, bad, sections, hidden = map(int, m.groups())
    assert images == 8  # loss, lr, sparsity, degrees, weights, confidence, heat map, PR curve
    assert bad == 0
    assert sections == 8
    assert hidden == 0


def test_gene_names_are_not_markup_in_the_browser(report_with_truth: Path, tmp_path: Path) -> None:
    dom, _ = _chromium(report_with_truth.as_uri(), tmp_path / "profile")
    # The DOM as Chromium parsed it: the name is text, never a <script> element.
    assert "<script" not in dom.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
