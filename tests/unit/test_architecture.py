"""The house's layout holds: packages import one way, down the floors, and no module imports itself in a circle.

Read from the source with ``ast`` (nothing is imported), so the check sees imports inside functions too.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "studylib"

#: Each part of the package and its floor: a part may import from the floors below it and from itself, never from its
#: own floor's other parts nor from above. studylib/__init__ (the public face) is the roof and may name anything.
LAYERS = {
    "errors": 0, "paths": 0,
    "provenance": 1, "i18n": 1,
    "bundle": 2, "network": 2,
    "analysis": 3, "charts": 3,
    "inference": 4, "report": 4,
    "lab": 5, "runner": 5,
    "cli": 6,
    "__main__": 7,
}
MAX_TOP_MODULES = 12


def _module(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, src: Path) -> set[str]:
    """Every studylib module or name ``path`` imports, as absolute dotted names (``studylib.bundle.load``)."""
    module = _module(path, src)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None:  # from . import a, b: the names are modules
                found |= {f"{target}.{alias.name}" for alias in node.names}
            else:
                found.add(target)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name == "studylib" or name.startswith("studylib.")}


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """Module -> the studylib modules it imports (a name imported from a module counts as that module)."""
    modules = {_module(p, src): p for p in src.rglob("*.py")}

    def resolve(name: str) -> str:
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        return name

    return {m: {resolve(n) for n in _imports(p, src)} - {m} for m, p in modules.items()}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "studylib"


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in graph.items():
        here = _part(module)
        if here == "studylib":  # the public face re-exports from every floor
            continue
        for target in targets:
            there = _part(target)
            if there != here and (there == "studylib" or LAYERS[there] >= LAYERS[here]):
                wrong.append(f"{module} -> {target} (floor {LAYERS[here]} -> {LAYERS.get(there, 'the face')})")
    return sorted(wrong)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components: any component of two or more modules is a circle."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_part_has_a_floor():
    parts = {_part(m) for m in import_graph()} - {"studylib"}
    assert parts <= set(LAYERS), f"parts without a floor in LAYERS: {sorted(parts - set(LAYERS))}"


def test_imports_run_down_the_floors():
    wrong = upward_imports(import_graph())
    assert not wrong, "imports that do not run down the floors:\n" + "\n".join(wrong)


def test_no_import_circle():
    assert circles(import_graph()) == []


def test_the_top_level_stays_small():
    top = sorted(p.name for p in SRC.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_the_public_names_still_import_from_studylib():
    import studylib as sl

    missing = [name for name in sl.__all__ if not hasattr(sl, name)]
    assert not missing, missing


def test_the_checks_catch_an_upward_import_and_a_circle(tmp_path):
    fake = tmp_path / "studylib"
    for folder in (fake / "bundle", fake / "runner"):
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "bundle" / "load.py").write_text("def f():\n    from ..runner.execute import run_notebook\n")
    (fake / "runner" / "execute.py").write_text("from ..bundle.load import f\n")
    graph = import_graph(fake)
    assert upward_imports(graph) == ["studylib.bundle.load -> studylib.runner.execute (floor 2 -> 5)"]
    assert circles(graph) == [["studylib.bundle.load", "studylib.runner.execute"]]
