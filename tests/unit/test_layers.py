"""The package layering, written once: imports point down, never up, never in a circle.

Every module under ``src/likeness`` is parsed with :mod:`ast`; every ``import`` and
``from … import`` counts, function-local ones included (a lazy import is still a
dependency), except those under ``if TYPE_CHECKING:`` (annotations only). A module may
import its own package and the packages of *lower* layers; importing a package of the
same or a higher layer fails, and so does a cycle between packages. docs/architecture.md
shows the same layers as a diagram.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import likeness

SRC = Path(likeness.__file__).parent

#: The layers, lowest first. Each is a set of top-level names under ``likeness``
#: (packages, or the modules ``errors``, ``settings``, ``runtime``, ``cli``, ``__main__``).
LAYERS: list[frozenset[str]] = [
    frozenset({"errors"}),  # the one error base, with its HTTP status
    frozenset({"settings"}),  # the one settings root
    frozenset({"kit"}),  # db, unit of work, canonical JSON, clock, files, documents
    frozenset({"storage"}),  # blob stores, the intent journal
    frozenset({"modelreg"}),  # the model registry: every model file the code may load
    frozenset({"policy", "imaging"}),  # pure cores: the rights rules; image libraries
    frozenset({"models"}),  # every ORM model
    frozenset({"identity", "vault"}),  # who acts (Actor, passwords); data keys, sealing
    frozenset({"runtime"}),  # settings + database + blob store + cipher, built once
    frozenset({"web"}),  # request dependencies: unit of work, caller, role aliases, guards
    frozenset({"audit"}),  # the hash-linked audit chain
    frozenset({"party"}),  # users, talent, agencies, representation, brands
    frozenset({"auth"}),  # passwords, cookies and tokens → Actor
    frozenset({"jobs"}),  # durable jobs: lease, heartbeat, retry, cancel; executors
    frozenset({"consent"}),  # creation and use consents, standing limits
    frozenset({"capture"}),  # capture sessions, QC, reference photos (capture needs consent)
    frozenset({"twin"}),  # encrypted, versioned twins
    frozenset({"relighting"}),  # relighting priors trained from consented captures
    frozenset({"licensing"}),  # licenses, decisions, and the use cases that end in licenses
    frozenset({"studio", "provenance"}),  # rendering scenes; stamping and verifying images
    frozenset({"engines"}),  # image engines behind one interface (no database)
    frozenset({"asset"}),  # the asset registry: every marked image let out
    frozenset({"output"}),  # outputs: quarantine, review, release (stamp + register + count)
    frozenset({"generation"}),  # requests → decide → job → engine → checks → output
    frozenset({"catalogue"}),  # talents' opt-in listings brands browse; watermarked pictures
    frozenset({"ledger"}),  # money: fees posted from audit events, payouts, statements
    frozenset({"monitoring"}),  # likeness monitoring: scans, cases, take-down notices
    frozenset({"compliance"}),  # proof bundles, chain heads, compliance and subject-access reports
    frozenset({"inbox"}),  # talent's and agents' notifications, derived from audit events
    frozenset({"portal"}),  # the server-rendered web portal: pages for every role
    # the edges
    frozenset({"system"}),  # init, doctor, the demo
    frozenset({"api"}),  # the app: mounts every router, wires authentication in; serve
    frozenset({"cli"}),  # the `likeness` command: mounts every feature's commands
    frozenset({"__main__"}),
]

#: Known upward imports, each with the reason it is still there. Keep this empty.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}


def _layer_of() -> dict[str, int]:
    return {name: index for index, layer in enumerate(LAYERS) for name in layer}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(node: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import under ``node``, TYPE_CHECKING ones aside."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield from _imported(other, module, is_package)
            continue
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield alias.name, child.lineno
        elif isinstance(child, ast.ImportFrom):
            if child.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (child.level - 1)]
                target = ".".join([*base, *([child.module] if child.module else [])])
            else:
                target = child.module or ""
            if child.module is None:  # `from . import x`: x is a module of the package
                for alias in child.names:
                    yield f"{target}.{alias.name}", child.lineno
            else:
                yield target, child.lineno
        yield from _imported(child, module, is_package)


def _top(module: str) -> str | None:
    """``likeness.twin.service`` → ``twin``; None outside the package."""
    parts = module.split(".")
    if parts[0] != "likeness" or len(parts) < 2:
        return None
    return parts[1]


@cache
def _edges() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) → where, for every cross-package import."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.relative_to(SRC).parts:
            continue  # Alembic scripts: they import nothing of the app but models
        module = _module_name(path)
        source = _top(module)
        if source is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for target, line in _imported(tree, module, path.name == "__init__.py"):
            destination = _top(target)
            if destination is not None and destination != source:
                where = f"{path.relative_to(SRC.parent)}:{line} imports {target}"
                found[(source, destination)].append(where)
    return dict(found)


def _packages() -> set[str]:
    names = {p.stem for p in SRC.glob("*.py")} | {
        p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()
    }
    return names - {"__init__", "migrations"}


def test_every_package_has_a_layer() -> None:
    layered = set(_layer_of())
    assert _packages() - layered == set(), "add the new package to LAYERS (and the diagram)"
    assert layered - _packages() == set(), "LAYERS names a package that does not exist"


def test_no_layer_imports_upward_or_sideways() -> None:
    layer = _layer_of()
    wrong = [
        f"{source} (layer {layer[source]}) → {destination} (layer {layer[destination]}): {where}"
        for (source, destination), places in sorted(_edges().items())
        if layer[destination] >= layer[source] and (source, destination) not in ALLOWED_UPWARD
        for where in places
    ]
    assert wrong == []


def test_no_cycles_between_packages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, destination in _edges():
        if (source, destination) not in ALLOWED_UPWARD:
            graph[source].add(destination)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_allowed_upward_imports_are_still_needed() -> None:
    stale = [pair for pair in ALLOWED_UPWARD if pair not in _edges()]
    assert stale == [], "remove these from ALLOWED_UPWARD: the imports are gone"


#: The file roles of docs/architecture.md, for every feature with data and routes.
FEATURE_FILES = (
    "__init__",
    "schemas",
    "repository",
    "service",
    "access",
    "errors",
    "endpoints",
    "cli",
)
FEATURES = (
    "party",
    "auth",
    "jobs",
    "capture",
    "consent",
    "twin",
    "relighting",
    "licensing",
    "asset",
    "output",
    "ledger",
    "catalogue",
    "compliance",
    "monitoring",
)


@pytest.mark.parametrize("feature", FEATURES)
def test_every_feature_has_the_same_files(feature: str) -> None:
    missing = [name for name in FEATURE_FILES if not (SRC / feature / f"{name}.py").is_file()]
    assert missing == []


def test_the_checker_sees_function_local_imports_and_skips_type_checking_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from likeness.twin import service\n"
        "def f():\n    from likeness.licensing import service\n"
        "from . import access\n"
    )
    found = {name for name, _ in _imported(ast.parse(source), "likeness.consent.cli", False)}
    assert found == {"typing", "likeness.licensing", "likeness.consent.access"}
