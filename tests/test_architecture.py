"""The package's import rules, checked on the source: layers point down, and nothing cycles.

Every module under ``src/neuralab`` is parsed with :mod:`ast`; every import counts — at module
level, inside a function, under ``if TYPE_CHECKING:`` —, absolute (``neuralab.x``) or relative
(``.x``, ``..x``, ``from . import x``). ``from pkg import name`` is an edge to the submodule
``pkg.name`` when there is one, else to ``pkg`` itself. Importing ``a.b.c`` also runs
``a/__init__`` and ``a/b/__init__``, but those implicit parent imports are not edges: a package's
``__init__`` re-exporting its own submodules would otherwise be a "cycle" everywhere.

A *unit* is the first name below ``neuralab``: a subpackage (``data``) or a top-level module
(``train``). The layer table, lowest first:

====  ==========================================================  ================================
rank  units                                                       what they are
====  ==========================================================  ================================
0     ``neuralab`` (``__init__``: the version only), ``checks``,  the floor: the argument checks
      ``config``                                                  and the table of allowed values
                                                                  every layer reads
1     ``backend``                                                 the only core code with numpy
2     ``nn``                                                      kernels, layers, Sequential
3     ``losses``, ``regularizers``, ``optim``, ``gradcheck``      the rest of the core
4     ``train``, ``models``, ``io``                               the training step, builders,
                                                                  files
5     ``callbacks``                                               hooks into the Trainer
5     ``data``, ``features``, ``poly``                            numpy libraries beside the core
6     ``viz``                                                     every picture
7     ``experiment``, ``estimators``, ``demo``                    runs, sklearn API, the demo
8     ``sweep``                                                   many runs of ``experiment``
9     ``playground``                                              the web app: on top of all the
                                                                  libraries (it calls
                                                                  ``train.train_step``)
10    ``cli``                                                     the command line
11    ``__main__``                                                ``python -m neuralab``
====  ==========================================================  ================================

The rules:

* **layers** — a unit imports only units of the same or a lower rank (a higher one is a back
  edge: say ``config`` → ``features``, or ``nn`` → ``train``);
* **entry points** — ``cli`` is imported only by ``__main__`` (the ``neuralab`` console script
  names ``neuralab.cli:main`` directly); ``playground`` only by ``cli`` (``neuralab playground``
  starts the server). Inside a package its own modules may import each other;
* **no cycles** — between modules, whether the imports are at module level or lazy.

The checker (:func:`check`) takes a source root, so the tests below also run it on a small
package planted in ``tmp_path`` and show that it fails on a back edge, a foreign import of the
entry points, and a cycle.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "neuralab"

#: unit → rank; a unit may import units of rank <= its own.
LAYERS: dict[str, int] = {
    "": 0,  # neuralab/__init__.py
    "checks": 0, "config": 0,
    "backend": 1,
    "nn": 2,
    "losses": 3, "regularizers": 3, "optim": 3, "gradcheck": 3,
    "train": 4, "models": 4, "io": 4,
    "callbacks": 5, "data": 5, "features": 5, "poly": 5,
    "viz": 6,
    "experiment": 7, "rundir": 7, "estimators": 7, "demo": 7, "export": 7,
    "sweep": 8,
    "playground": 9,
    "cli": 10,
    "__main__": 11,
}

#: unit → the only units outside it that may import it.
ENTRY_POINTS: dict[str, set[str]] = {"cli": {"__main__"}, "playground": {"cli"}}


@dataclass(frozen=True)
class Import:
    """One import statement's edge: ``source`` imports ``target`` at ``line``."""

    source: str
    target: str
    line: int
    text: str


def modules(root: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under ``root/package``."""
    found: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(root: Path, package: str = PACKAGE) -> list[Import]:
    """Every import between the package's own modules (module-level and lazy alike)."""
    mods = modules(root, package)
    edges: list[Import] = []
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            text = ast.unparse(node) if isinstance(node, ast.Import | ast.ImportFrom) else ""
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    drop = node.level - (1 if is_pkg else 0)
                    base = base[: len(base) - drop] if drop else base
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                # `from pkg import sub` imports the submodule when there is one
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in mods else module
                           for a in node.names]
            else:
                continue
            for target in targets:
                # `import neuralab.a.b.C`-like names: the longest known module prefix
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges.append(Import(name, target, node.lineno, text))
    return edges


def unit(module: str, package: str = PACKAGE) -> str:
    """The first name below the package: ``neuralab.data.download`` → ``data``."""
    return module.split(".")[1] if module != package else ""


def cycles(edges: list[Import]) -> list[list[Import]]:
    """Import cycles, each as the edges that close it: in every strongly connected set of
    modules, a shortest cycle through each member that no earlier cycle passed through."""
    graph: dict[str, dict[str, Import]] = {}
    for e in edges:
        graph.setdefault(e.source, {}).setdefault(e.target, e)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan; the package is small, recursion is fine
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
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
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)

    found = []
    for component in components:
        members = set(component)
        covered: set[str] = set()
        for start in component:  # a shortest cycle through each member not yet in one
            if start in covered:
                continue
            previous: dict[str, Import] = {}
            frontier = [start]
            while frontier and start not in previous:  # breadth-first, inside the component
                nxt = []
                for v in frontier:
                    for w, e in sorted(graph.get(v, {}).items()):
                        if w in members and w not in previous:
                            previous[w] = e
                            nxt.append(w)
                frontier = nxt
            path, v = [], start
            while True:
                path.append(previous[v])
                v = previous[v].source
                if v == start:
                    break
            covered |= {e.source for e in path}
            found.append(path[::-1])
    return found


def check(root: Path = SRC, package: str = PACKAGE, layers: dict[str, int] = LAYERS,
          entry_points: dict[str, set[str]] = ENTRY_POINTS) -> list[str]:
    """Every broken rule, one message each: the module, the import, the rule."""
    edges = imports(root, package)
    problems = []
    for e in edges:
        src, dst = unit(e.source, package), unit(e.target, package)
        where = f"{e.source} (line {e.line}) `{e.text}`"
        if src == dst:
            continue
        for u in (src, dst):
            if u not in layers:
                problems.append(f"{where}: unit {u!r} is missing from the layer table")
        if src in layers and dst in layers and layers[dst] > layers[src]:
            problems.append(f"{where}: back edge — {src or package!r} (layer {layers[src]}) "
                            f"imports {dst!r} (layer {layers[dst]})")
        if dst in entry_points and src not in entry_points[dst]:
            allowed = ", ".join(sorted(entry_points[dst]))
            problems.append(f"{where}: {dst!r} is an entry point, imported only by {allowed}")
    for cycle in cycles(edges):
        chain = " -> ".join([cycle[0].source] + [e.target for e in cycle])
        lines = "; ".join(f"{e.source} line {e.line} `{e.text}`" for e in cycle)
        problems.append(f"import cycle: {chain} ({lines})")
    return problems


def test_the_package_keeps_its_import_rules() -> None:
    problems = check()
    assert not problems, "\n".join(problems)


def test_every_unit_has_a_layer() -> None:
    units = {unit(m) for m in modules(SRC)}
    assert units == set(LAYERS), f"update LAYERS: {units ^ set(LAYERS)}"


# --- guard the guard: the checker fails on a planted violation -----------------------------

def _plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


_LAYERS = {"": 0, "low": 0, "mid": 1, "high": 2, "cli": 3, "__main__": 4}
_ENTRIES = {"cli": {"__main__"}}


def _check(root: Path) -> list[str]:
    return check(root, "pkg", _LAYERS, _ENTRIES)


def test_a_clean_planted_package_passes(tmp_path: Path) -> None:
    root = _plant(tmp_path, {
        "__init__.py": "",
        "low.py": "X = 1\n",
        "mid/__init__.py": "from .a import A\n",
        "mid/a.py": "from ..low import X\nA = X\n",
        "mid/b.py": "from . import a\nfrom pkg import low\n",
        "high.py": "def f():\n    import pkg.mid.b\n",
        "cli.py": "from .high import f\n",
        "__main__.py": "from .cli import f\n",
    })
    assert _check(root) == []


@pytest.mark.parametrize("text", [
    "from .high import f\n",            # relative, module level
    "from . import high\n",             # the `from . import x` spelling
    "import pkg.high\n",                # absolute
    "def g():\n    from pkg.high import f\n",  # lazy, inside a function
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .high import f\n",
])
def test_the_checker_fails_on_a_back_edge(tmp_path: Path, text: str) -> None:
    root = _plant(tmp_path, {"__init__.py": "", "low.py": text, "high.py": "def f(): ...\n"})
    problems = _check(root)
    assert len(problems) == 1, problems
    assert problems[0].startswith("pkg.low (line ") and "back edge" in problems[0]
    assert "'low' (layer 0) imports 'high' (layer 2)" in problems[0]


def test_the_checker_fails_on_a_back_edge_two_levels_up(tmp_path: Path) -> None:
    root = _plant(tmp_path, {
        "__init__.py": "", "high.py": "", "mid/__init__.py": "",
        "mid/deep/__init__.py": "", "mid/deep/x.py": "from ...high import f\n",
    })
    [problem] = _check(root)
    assert problem.startswith("pkg.mid.deep.x (line 1) `from ...high import f`: back edge")


def test_the_checker_fails_on_an_import_of_an_entry_point(tmp_path: Path) -> None:
    # `high` -> `cli` is also a back edge; a layer above cli still may not import it
    root = _plant(tmp_path, {"__init__.py": "", "cli.py": "", "high.py": "import pkg.cli\n"})
    problems = _check(root)
    assert any("'cli' is an entry point, imported only by __main__" in p for p in problems)
    layers = {**_LAYERS, "high": 9}
    assert check(root, "pkg", layers, _ENTRIES) == [
        "pkg.high (line 1) `import pkg.cli`: 'cli' is an entry point, imported only by __main__"]


def test_the_checker_fails_on_a_planted_cycle(tmp_path: Path) -> None:
    # the shape of the data/download <-> data/datasets cycle: one side imports lazily
    root = _plant(tmp_path, {
        "__init__.py": "",
        "mid/__init__.py": "",
        "mid/a.py": "from pkg.mid.b import g\ndef f(): ...\n",
        "mid/b.py": "def g():\n    from .a import f\n",
        "mid/c.py": "from . import a\n",
    })
    [problem] = _check(root)
    assert problem.startswith("import cycle: pkg.mid.a -> pkg.mid.b -> pkg.mid.a (")
    assert "pkg.mid.b line 2 `from .a import f`" in problem


def test_the_checker_reports_a_longer_cycle(tmp_path: Path) -> None:
    root = _plant(tmp_path, {
        "__init__.py": "", "a.py": "from . import b\n", "b.py": "from . import c\n",
        "c.py": "import pkg.a\n",
    })
    layers = {"": 0, "a": 0, "b": 0, "c": 0}
    [problem] = check(root, "pkg", layers, {})
    assert problem.startswith("import cycle: pkg.a -> pkg.b -> pkg.c -> pkg.a (")


def test_the_checker_names_a_unit_missing_from_the_table(tmp_path: Path) -> None:
    root = _plant(tmp_path, {"__init__.py": "", "low.py": "", "new.py": "from . import low\n"})
    assert _check(root) == [
        "pkg.new (line 1) `from . import low`: unit 'new' is missing from the layer table"]
