"""The layers of docs/architecture.md: imports point downwards, never in a cycle.

Every import of a frontline module counts, at any level (inside functions,
under ``TYPE_CHECKING``): an import placed inside a function to dodge a cycle
is still a cycle. Lazy imports of third-party packages are not concerned.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "frontline"

#: The layers, bottom first (docs/architecture.md). A module may import from
#: its own layer and the layers below.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "vocabulary",
        ("errors", "status", "_names", "_dates", "_table", "_messages", "_validate"),
    ),
    (
        "files and engine",
        ("_io", "_http", "areas", "_decode", "_guard", "_parquet", "_union"),
    ),
    (
        "geometry and units",
        ("_tiles", "tolerance", "_units", "_water", "_webassets", "_plausible"),
    ),
    ("boundaries and services", ("boundaries", "regions", "_arcgis")),
    ("sources", ("sources",)),
    ("fetching", ("fetch",)),
    ("control layer", ("control",)),
    ("inputs", ("sample", "_series_base", "_places", "_zone_checks", "zones")),
    (
        "analyses",
        (
            "report",
            "line",
            "compare",
            "claims",
            "scenarios",
            "reconcile",
            "_snapshots",
            "_series_cache",
            "_runners",
            "_changes",
            "series",
            "settlements",
            "population",
        ),
    ),
    ("pictures", ("plot",)),
    ("interfaces", ("cli", "__init__", "__main__")),
]
LAYER_OF = {mod: i for i, (_, mods) in enumerate(LAYERS) for mod in mods}


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def frontline_imports(path: Path) -> set[str]:
    """Every frontline module this file imports, at any level."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("frontline"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            if mod.startswith("frontline"):
                found.add(mod)
                # "from frontline.plot import maps" imports a submodule too.
                for alias in node.names:
                    sub = SRC.parent / Path(*mod.split("."), alias.name)
                    if sub.with_suffix(".py").exists() or sub.is_dir():
                        found.add(f"{mod}.{alias.name}")
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in SRC.rglob("*.py")}
    out: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for dep in frontline_imports(path):
            # Importing a.b.c runs a/__init__ and a/b/__init__ first.
            parts = dep.split(".")
            for i in range(2, len(parts) + 1):
                prefix = ".".join(parts[:i])
                # A module's own packages are already being imported.
                if prefix in modules and not (name + ".").startswith(prefix + "."):
                    deps.add(prefix)
        out[name] = deps
    return out


def top(module: str) -> str:
    """The layer key of a module: its first component below ``frontline``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_has_a_layer():
    unplaced = sorted({top(m) for m in graph()} - set(LAYER_OF))
    assert not unplaced, (
        f"add these modules to LAYERS and docs/architecture.md: {unplaced}"
    )


def test_no_import_cycle():
    deps = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(deps[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(deps):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_imports_point_downwards():
    upward = []
    for mod, deps in graph().items():
        here = LAYER_OF.get(top(mod))
        for dep in deps:
            there = LAYER_OF.get(top(dep))
            if here is None or there is None or top(dep) == top(mod):
                continue
            if there > here:
                upward.append(
                    f"{mod} ({LAYERS[here][0]}) imports {dep} ({LAYERS[there][0]})"
                )
    assert not upward, "imports pointing upwards:\n" + "\n".join(sorted(upward))


def test_the_checks_can_fail(tmp_path, monkeypatch):
    """The cycle and layer checks see imports inside functions."""
    pkg = tmp_path / "frontline"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "areas.py").write_text("def f():\n    from frontline import report\n")
    (pkg / "report.py").write_text("from frontline.areas import f\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", pkg)
    with pytest.raises(AssertionError, match=r"areas -> frontline\.report"):
        test_no_import_cycle()
    with pytest.raises(AssertionError, match=r"imports frontline\.report"):
        test_imports_point_downwards()


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: p.name)
def test_module_size(path):
    """About 1,000 lines at most (docs/architecture.md names the exceptions)."""
    lines = path.read_text("utf-8").count("\n")
    assert lines <= 1100, f"{path.name} has {lines} lines; split it by concern"
