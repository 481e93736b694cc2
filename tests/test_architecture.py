"""The package's shape, checked from its source with `ast`.

No module imports another module's private (``_name``) objects, the
modules import each other without cycles, Click is imported only under
``verify/cli/``, and the benches use the public API only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "verify"
# Stages in the order the data flows; a package may import only from
# packages at or above its own place (and from the shared top-level modules).
LAYERS = (
    "media",
    "inspection",
    "hashing",
    "audio",
    "forensics",
    "lists",
    "bank",
    "matching",
    "batch",
    "report",
    "cli",
)
SHARED = {"verify.config", "verify.errors", "verify.output", "verify.timestamps",
          "verify.schemas", "verify.version", "verify.journal", "verify.pools"}  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, imported names, line) of every import in a file, at any depth
    (an import inside a function is a dependency too, only a later one)."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
    return found


def resolve(target: str, name: str, known: dict[str, Path]) -> str:
    """The module an ``from target import name`` loads: a submodule, or the target."""
    return f"{target}.{name}" if f"{target}.{name}" in known else target


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_no_module_imports_private_names_of_another():
    offences = []
    known = modules()
    for name, path in known.items():
        for target, names, line in imports(path):
            if not target.startswith("verify"):
                continue
            for imported in names:
                dunder = imported.startswith("__") and imported.endswith("__")
                if (
                    imported.startswith("_")
                    and not dunder
                    and resolve(target, imported, known) != name
                ):
                    offences.append(f"{path.relative_to(ROOT)}:{line} imports {target}.{imported}")
    assert offences == []


def test_click_only_under_cli():
    offences = [
        f"{path.relative_to(ROOT)}:{line}"
        for name, path in modules().items()
        if not name.startswith("verify.cli")
        for target, _names, line in imports(path)
        if target.split(".")[0] == "click"
    ]
    assert offences == []


def import_graph() -> dict[str, set[str]]:
    """Module -> the verify modules it imports (the package itself left out: it
    gathers the public API from every stage)."""
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target, names, _line in imports(path):
            if target not in known or target == "verify":
                continue
            loaded = {resolve(target, n, known) for n in names} if names else {target}
            graph[name] |= {m for m in loaded if m != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycles():
    assert find_cycle(import_graph()) is None


def test_the_cycle_finder_finds_cycles():
    # The check above must be able to fail: a hand-made graph with a cycle.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_packages_import_only_earlier_stages():
    offences = []
    for name, targets in import_graph().items():
        own = layer(name)
        for target in targets:
            theirs = layer(target)
            if target in SHARED or theirs is None or own is None:
                if own is not None and theirs is None and target not in SHARED:
                    offences.append(f"{name} imports {target}, which is in no stage")
                continue
            if theirs > own:
                offences.append(f"{name} ({LAYERS[own]}) imports {target} ({LAYERS[theirs]})")
    assert offences == []


# Internal modules a bench may read, and why (each named in the bench too).
BENCH_EXCEPTIONS = {
    # Builds banks of a million videos by writing the SQLite backend's rows in
    # bulk (the row layout lives in verify.bank.records); the public add_video
    # would take hours.
    "bench_match_scale.py": {"verify.bank.sqlite", "verify.bank.records"},
    # Times confirming candidates in SQL, which the library does not do: the SQL
    # cuts each hash out of the packed rows, so it needs their layout.
    "bench_team.py": {"verify.bank.records"},
    # Times the shared-list part of a query apart from the rest of `verify match`.
    "bench_lists.py": {"verify.lists.matching", "verify.lists.signals"},
}


@pytest.mark.parametrize("bench", sorted((ROOT / "bench").glob("*.py")), ids=lambda p: p.name)
def test_benches_use_the_public_api(bench):
    public = public_api()
    allowed = BENCH_EXCEPTIONS.get(bench.name, set()) | {"verify.timestamps"}
    offences = []
    for target, names, line in imports(bench):
        if target == "verify":
            offences += [f"line {line}: verify.{n}" for n in names if n not in public]
        elif target.startswith("verify") and target not in allowed:
            offences.append(f"line {line}: {target}")
    tree = ast.parse(bench.read_text("utf-8"))
    for node in ast.walk(tree):  # no reaching into a module's privates either
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            base = node.value
            if isinstance(base, ast.Name) and base.id in public:
                offences.append(f"line {node.lineno}: {base.id}.{node.attr}")
    assert offences == []


def public_api() -> set[str]:
    import verify

    return set(verify.__all__)
