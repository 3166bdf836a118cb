"""The package's architecture, checked on its own import graph (issue 15).

Every import of the package by the package counts: module level and inside functions, absolute and
relative. A subpackage's ``__init__`` is a face: importing it means depending on what the face
imports when it runs (its module-level imports). The root ``fa_companion`` face defines
``seed_everything``/``resolve_device`` and imports no module of the package when it runs, so any
module may import it.

Rules: each module lives in one layer of :data:`fa_companion.LAYERS`; a module imports only from its
own layer or lower ones; nothing imports in a circle; measurements never draw (no matplotlib).
"""

from __future__ import annotations

import ast
from pathlib import Path

import fa_companion

PKG = "fa_companion"
ROOT = Path(fa_companion.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    out = {}
    for f in ROOT.rglob("*.py"):
        rel = f.relative_to(ROOT.parent).with_suffix("")
        out[".".join(rel.parts)] = f
    return out


MODS = _modules()


def _is_face(name: str) -> bool:
    return name.endswith(".__init__")


def _targets(cur: str, node: ast.AST) -> list[str]:
    """The package modules (or faces, as ``pkg.__init__``) that one import statement names."""
    out: list[str] = []
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names if a.name == PKG or a.name.startswith(PKG + ".")]
        bases = names
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = cur.split(".")[:-1]  # the package the module is in (a face: its own package)
            base = base[: len(base) - (node.level - 1)]
            mod = ".".join(base + ([node.module] if node.module else []))
        else:
            mod = node.module or ""
        if not (mod == PKG or mod.startswith(PKG + ".")):
            return out
        bases = []
        for a in node.names:
            sub = f"{mod}.{a.name}"
            bases.append(sub if sub in MODS or f"{sub}.__init__" in MODS else mod)
    else:
        return out
    for b in bases:
        if f"{b}.__init__" in MODS:
            out.append(f"{b}.__init__")
        elif b in MODS:
            out.append(b)
    return out


def _imports(name: str, *, module_level_only: bool = False) -> set[str]:
    tree = ast.parse(MODS[name].read_text(encoding="utf-8"))
    nodes = tree.body if module_level_only else ast.walk(tree)
    return {t for node in nodes for t in _targets(name, node) if t != name}


def _expand(targets: set[str], seen: frozenset[str] = frozenset()) -> set[str]:
    """Faces replaced by what they import when they run (transitively); the root face dropped."""
    out = set()
    for t in targets:
        if t == f"{PKG}.__init__" or t in seen:
            continue
        if _is_face(t):
            out |= _expand(_imports(t, module_level_only=True), seen | {t})
        else:
            out.add(t)
    return out


GRAPH = {m: _expand(_imports(m)) for m in MODS if not _is_face(m)}


def layer_of(name: str) -> int:
    parts = name.split(".")
    assert len(parts) >= 3 and parts[1] in fa_companion.LAYERS, (
        f"{name} is not inside one of the layers {fa_companion.LAYERS}"
    )
    return fa_companion.LAYERS.index(parts[1])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_function_level_and_relative_imports():
    # a function-level relative import (experiments loads data inside its functions)
    assert "fa_companion.data.datasets" in GRAPH["fa_companion.training.experiments"]
    # a face is expanded to the modules it imports
    assert _expand({"fa_companion.data.__init__"}) == {"fa_companion.data.datasets"}
    assert len(GRAPH) >= 39


def test_every_module_is_in_a_layer():
    for name in GRAPH:
        layer_of(name)
    assert set(fa_companion.LAYERS) == {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}


def test_no_module_imports_from_a_layer_above_its_own():
    bad = [f"{a} (layer {fa_companion.LAYERS[layer_of(a)]}) imports {b} "
           f"(layer {fa_companion.LAYERS[layer_of(b)]})"
           for a, deps in sorted(GRAPH.items()) for b in sorted(deps) if layer_of(b) > layer_of(a)]
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    assert not _cycles(GRAPH), _cycles(GRAPH)


def test_the_checker_finds_a_cycle_and_an_upward_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert layer_of("fa_companion.figures.plotting") > layer_of("fa_companion.measure.landscape")


def test_the_root_face_imports_no_module_when_it_runs():
    assert _imports(f"{PKG}.__init__", module_level_only=True) == set()


def test_measurements_never_draw():
    for name, path in MODS.items():
        if name.startswith(f"{PKG}.measure."):
            text = path.read_text(encoding="utf-8")
            assert "matplotlib" not in text, f"{name} imports matplotlib"
            assert not any(d.startswith(f"{PKG}.figures.") for d in GRAPH.get(name, ())), name


def test_former_flat_names_are_the_moved_modules():
    import importlib

    for old, new in fa_companion._MOVED.items():
        assert importlib.import_module(old) is importlib.import_module(new), old
    from fa_companion import claims, plotting

    assert claims.__name__ == "fa_companion.ledger.claims"
    assert plotting.__name__ == "fa_companion.figures.plotting"


def test_public_names_of_the_root_are_kept():
    for name in ("__version__", "seed_everything", "resolve_device", "register_dataset",
                 "register_rule", "dataset_from_arrays"):
        assert hasattr(fa_companion, name), name
