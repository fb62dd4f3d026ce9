"""The folders are the layers: no import cycles, I/O without torch, a torch layer that never
opens files or prints, small modules, test files with unique names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "dashgrn"

#: Modules over 400 lines that hold one idea (the README's layout section names them too).
ONE_IDEA = {
    "dashgrn/io/expression.py": "every expression format into one ExpressionData",
    "dashgrn/io/prior.py": "every prior format into one PriorNetwork",
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module(p): p for p in sorted(PKG.rglob("*.py"))}


def _imports(path: Path, mods: dict[str, Path], *, lazy: bool) -> set[str]:
    """Package modules that ``path`` imports (at module level; with ``lazy`` also inside functions)."""
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    nodes = [n for n in ast.walk(tree) if id(n) not in typing_only] if lazy else _top_level(tree.body)
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in mods else target)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m in mods and m != name}


def _top_level(body: list[ast.stmt]):  # noqa: ANN202
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.If, ast.Try)):
            yield from _top_level(node.body)
            for handler in getattr(node, "handlers", []):
                yield from _top_level(handler.body)
            yield from _top_level(node.orelse)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return [*stack[stack.index(n):], n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


@pytest.mark.parametrize("lazy", [False, True], ids=["module-level", "with-lazy-imports"])
def test_no_import_cycles(lazy: bool) -> None:
    mods = _modules()
    graph = {m: _imports(p, mods, lazy=lazy) for m, p in mods.items()}
    # a package's __init__ re-exports its modules; a module importing its own package back is the cycle
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_io_and_the_numpy_layers_never_import_torch() -> None:
    code = ("import sys, dashgrn, dashgrn.io, dashgrn.config, dashgrn.evaluate, dashgrn.simulate, "
            "dashgrn.singlecell, dashgrn.tables, dashgrn.data, dashgrn.network._ranking, dashgrn.network._export; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr


def test_the_torch_layer_never_opens_files_or_prints() -> None:
    banned = {"open", "print", "input"}
    for path in sorted((PKG / "model").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in banned, f"{path}:{node.lineno} calls {node.func.id}"
            if isinstance(node, ast.Attribute):
                assert node.attr not in {"save", "load", "read_text", "write_text", "to_csv"}, (
                    f"{path}:{node.lineno} uses .{node.attr}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] in {"pathlib", "shutil", "rich", "typer"} for n in names), (
                    f"{path}:{node.lineno} imports {names}")


def test_modules_are_small_unless_they_hold_one_idea() -> None:
    long = {str(p.relative_to(ROOT)): n for p in PKG.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert set(long) <= set(ONE_IDEA), {k: v for k, v in long.items() if k not in ONE_IDEA}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in ONE_IDEA:
        assert path in readme, f"the README's layout section should name {path}"


def test_test_files_have_unique_names() -> None:
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
