"""Dependencies flow one way: no import cycles, and no import across layers that the layer table does not allow.

Every module's imports are read with ``ast`` (module level and inside functions: a lazy import is a dependency
too). A module belongs to a layer (``LAYERS``, first matching rule wins) and may import only the layers its own
layer lists in ``ALLOWED``. Cycles are checked between modules and between subsystems (a folder such as
``device/geo``; its ``settings.py`` and ``cli.py`` count on their own: a settings module is a leaf the config
composes, a cli module is wiring above everything).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {
    "device/cli": "sousveillance",
    "device": "sousveillance.device",
    "models": "sousveillance.models",
    "sync": "sousveillance.sync",
}

# (pattern on the module name, layer); the first match wins.
LAYERS = [
    (r"^sousveillance(\.device)?$", "version"),  # the root package (its version) and device/__init__
    (r"\.settings$", "settings"),  # config sections, each owned by its subsystem: pure data
    (r"^sousveillance\.config$", "config"),  # composes the sections
    (
        r"(^sousveillance\.(main|lazy)$|\.(cli|__main__)$|^sousveillance\.sync\.cli_common$|"
        r"^sousveillance\.device\.(commands|bench)\b|^sousveillance\.sync\.server\.(bench|loadgen)$)",
        "wiring",
    ),  # commands
    (r"^sousveillance\.device\.(types|geodesy|extras)$", "basics"),
    (r"^sousveillance\.device\.store\b", "store"),
    (r"^sousveillance\.device\.(capture|gps|detect|track)\b", "parts"),
    (r"^sousveillance\.device\.geo\b", "geo"),
    (r"^sousveillance\.device\.survey\b", "survey"),
    (r"^sousveillance\.device\.service\b", "service"),
    (r"^sousveillance\.device\.(review|basemap)\b", "review"),  # basemap: the review map's offline streets
    (r"^sousveillance\.sync\.(wire|validator|tags|export)\b", "formats"),  # what leaves the device, read by both ends
    (r"^sousveillance\.sync\.server\b", "server"),
    (r"^sousveillance\.sync\b", "sync"),  # the device side of sync: outbox, uploader, OSM upload
    (r"^sousveillance\.models\b", "models"),
]
BELOW_FEATURES = {"version", "settings", "basics", "store", "parts"}
ALLOWED = {
    "version": set(),
    "settings": {"settings"},
    "config": {"settings"},
    "basics": {"basics"},
    "store": {"basics", "settings", "store"},
    "parts": {"basics", "settings", "parts", "models"},  # detect finds the shipped weights in models/
    "geo": {"basics", "settings", "store", "parts", "geo"},
    "survey": {"config", *BELOW_FEATURES, "geo", "survey", "models"},
    "service": {"config", *BELOW_FEATURES, "geo", "survey", "service", "models"},  # the service wraps the survey
    "review": {"config", *BELOW_FEATURES, "geo", "service", "review", "formats"},  # the one device -> sync edge
    "formats": {"version", "basics", "store", "formats"},
    "sync": {"version", "basics", "settings", "store", "formats", "sync"},
    "server": {"version", "basics", "settings", "formats", "sync", "server"},
    "models": {"version", "basics", "settings", "store", "parts", "models"},
    "wiring": {
        "version",
        "settings",
        "config",
        "wiring",
        "basics",
        "store",
        "parts",
        "geo",
        "survey",
        "service",
        "review",
        "formats",
        "sync",
        "server",
        "models",
    },
}


def modules() -> dict[str, Path]:
    out = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            if folder == "device" and rel.parts[0] == "cli":
                continue  # the root package, mapped on its own
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([package, *parts])] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports (a name imported from a package resolves to its submodule)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([node.module] if node.module else []))
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names}
    return {m for m in found if m in known and m != name}


def layer(name: str) -> str:
    return next((layer for pattern, layer in LAYERS if re.search(pattern, name)), "no layer")


def subsystem(name: str) -> str:
    """The folder a module belongs to (``sousveillance.device.geo``); settings/cli modules and modules directly in
    a top folder (``device/types.py``) are their own."""
    parts = name.split(".")
    if layer(name) in ("settings", "wiring", "config", "version") or len(parts) <= 3:
        return name
    return ".".join(parts[:3])


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_every_module_has_a_layer():
    assert [m for m in graph() if layer(m) not in ALLOWED] == []


def test_no_import_cycles_between_modules_or_subsystems():
    g = graph()
    assert cycles(g) == []
    between: dict[str, set[str]] = {}
    for a, targets in g.items():
        between.setdefault(subsystem(a), set()).update(subsystem(b) for b in targets if subsystem(b) != subsystem(a))
    assert cycles(between) == []


def test_imports_follow_the_layers():
    wrong = sorted(
        f"{a} ({layer(a)}) imports {b} ({layer(b)})"
        for a, targets in graph().items()
        for b in targets
        if layer(b) not in ALLOWED.get(layer(a), set())
    )
    assert wrong == [], "\n".join(wrong)


def test_the_checks_see_a_back_edge_and_a_cycle():
    g = graph()
    assert "sousveillance.device.store.db" in g["sousveillance.device.survey.recorder"]  # relative imports resolve
    assert "sousveillance.sync.export" in g["sousveillance.device.review.app"]
    # what the redesign removed would be flagged: device code on sync's uploader, the store on geometry, models on sync
    assert layer("sousveillance.sync.uploader") not in ALLOWED[layer("sousveillance.device.review.exports")]
    assert layer("sousveillance.device.geo.walk") not in ALLOWED[layer("sousveillance.device.store.db")]
    assert layer("sousveillance.sync.export") not in ALLOWED[layer("sousveillance.models.data.walks")]
    assert layer("sousveillance.device.review.queries") not in ALLOWED[layer("sousveillance.sync.outbox")]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
