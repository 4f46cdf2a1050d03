"""The rules of the house (ARCHITECTURE.md), read from the source: which part may import which, and no circles.

The parts, by module path:
- core: bot/core, bot/db, bot/outbox and the process-wide modules beside them (clock, settings, metrics,
  secret key, logging, health, arguments, worker HTTP). It may import only the core.
- knowledge: retrieval and answer composition, a library the answers feature uses. It may import the core.
- customer voice: bot/customer_voice, the text analytics of customer feedback (items, sentiment, fingerprints,
  similarity, terms, redaction, scores, risk, figures), a library features use. It may import the core.
- feature: one package under bot/features/. It may import the core, knowledge and customer voice.
- adapter: adapters/. It may import the core and knowledge, never a feature or customer voice.
- root: the composition root (bot/app.py, bot/cli.py, bot/features/catalog.py, bot/llm_metrics.py, bot/demo):
  the one place that knows every part and wires them. Nothing but the root imports it.

Every import counts: at module level, inside a function (a lazy import is a dependency all the same) and under
TYPE_CHECKING (a module that names another's type cannot be read or changed apart from it, so a circle through
a type-only import is still a circle of design, only not one Python trips over).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "adapters", "knowledge")
# The methods of bot.core.adapter.ChatAdapter: a feature calling one of them on an adapter talks to a platform.
ADAPTER_METHODS = frozenset(
    {
        "send",
        "update",
        "delete",
        "open_dm",
        "list_members",
        "open_form",
        "publish_home",
        "routes",
        "start",
        "stop",
    }
)
PLATFORM_NAMES = frozenset({"slack", "teams", "console"})
COMPOSITION_ROOT = (
    "bot.app",
    "bot.cli",
    "bot.event_processes",
    "bot.startup",
    "bot.features.catalog",
    "bot.llm_metrics",
    "bot.demo",
)
CORE_PACKAGES = ("bot.core", "bot.db", "bot.outbox", "bot.rate_budget")
CORE_MODULES = (
    "bot",
    "bot.clock",
    "bot.settings",
    "bot.metrics",
    "bot.secret_key",
    "bot.log_context",
    "bot.log_setup",
    "bot.log_format",
    "bot.log_privacy",
    "bot.health",
    "bot.arguments",
    "bot.worker_http",
    "bot.runtime",
    "bot.features",
)


@dataclass(frozen=True)
class Import:
    """One import statement's target, where it stands."""

    source: str
    target: str
    line: int


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def part_of(module: str) -> str:
    """core, knowledge, customer_voice, feature, adapter or root."""
    if any(_within(module, root) for root in COMPOSITION_ROOT):
        return "root"
    if _within(module, "adapters"):
        return "adapter"
    if _within(module, "knowledge"):
        return "knowledge"
    if _within(module, "bot.customer_voice"):
        return "customer_voice"
    if any(_within(module, p) for p in CORE_PACKAGES) or module in CORE_MODULES:
        return "core"
    if _within(module, "bot.features"):
        return "feature"
    raise AssertionError(f"{module} belongs to no part: name it in tests/structure/test_import_rules.py")


def feature_of(module: str) -> str:
    """The feature package a feature module belongs to (`bot.features.pulse.runs` → `pulse`)."""
    return module.split(".")[2]


def module_files() -> dict[str, Path]:
    """Every module of the three packages, by dotted name."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


MODULES = module_files()
TREES = {name: ast.parse(path.read_text(), str(path)) for name, path in MODULES.items()}


def _resolve(source: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = source.split(".")
    if MODULES[source].name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(source: str) -> Iterator[Import]:
    """The project modules `source` imports (`from a import b` is a.b when b is a module, else a)."""
    for node in ast.walk(TREES[source]):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    yield Import(source, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(source, node)
            if module.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                yield Import(source, candidate if candidate in MODULES else module, node.lineno)


ALL_IMPORTS = sorted(
    {imp for source in MODULES for imp in imports_of(source)}, key=lambda i: (i.source, i.line, i.target)
)


def _where(imp: Import) -> str:
    return f"{MODULES[imp.source].relative_to(ROOT)}:{imp.line} imports {imp.target}"


def test_core_imports_only_the_core() -> None:
    wrong = [_where(i) for i in ALL_IMPORTS if part_of(i.source) == "core" and part_of(i.target) != "core"]
    assert not wrong, "the core imports outside itself:\n" + "\n".join(wrong)


def test_customer_voice_imports_only_the_core() -> None:
    wrong = [
        _where(i)
        for i in ALL_IMPORTS
        if part_of(i.source) == "customer_voice" and part_of(i.target) not in ("core", "customer_voice")
    ]
    assert not wrong, "customer voice imports a feature, an adapter, knowledge or the root:\n" + "\n".join(
        wrong
    )


def test_knowledge_imports_no_feature_adapter_or_root() -> None:
    wrong = [
        _where(i)
        for i in ALL_IMPORTS
        if part_of(i.source) == "knowledge"
        and part_of(i.target) in ("feature", "customer_voice", "adapter", "root")
    ]
    assert not wrong, "knowledge imports a feature, customer voice, an adapter or the root:\n" + "\n".join(
        wrong
    )


def test_feature_imports_no_adapter_and_no_other_feature() -> None:
    wrong = [
        _where(i)
        for i in ALL_IMPORTS
        if part_of(i.source) == "feature"
        and (
            part_of(i.target) in ("adapter", "root")
            or (part_of(i.target) == "feature" and feature_of(i.target) != feature_of(i.source))
        )
    ]
    assert not wrong, "a feature imports an adapter, another feature or the root:\n" + "\n".join(wrong)


def test_adapter_imports_no_feature() -> None:
    wrong = [
        _where(i)
        for i in ALL_IMPORTS
        if part_of(i.source) == "adapter" and part_of(i.target) in ("feature", "customer_voice", "root")
    ]
    assert not wrong, "an adapter imports a feature, customer voice or the root:\n" + "\n".join(wrong)


def _circles() -> list[list[str]]:
    """Strongly connected components of the module graph with more than one module (Tarjan's algorithm)."""
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in ALL_IMPORTS:
        if imp.target in MODULES and imp.target != imp.source:
            edges[imp.source].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(MODULES):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_in_a_circle() -> None:
    circles = _circles()
    assert not circles, "modules that import each other in a circle:\n" + "\n".join(
        " ↔ ".join(c) for c in circles
    )


def _feature_trees() -> Iterator[tuple[str, ast.AST]]:
    for name, tree in TREES.items():
        if part_of(name) == "feature":
            yield name, tree


def _is_adapter(node: ast.expr) -> bool:
    """`x.adapter`, a variable named `adapter`, or anything fetched from an `adapters` registry."""
    if isinstance(node, ast.Attribute):
        return node.attr in ("adapter", "adapters")
    if isinstance(node, ast.Name):
        return node.id in ("adapter", "adapters")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _is_adapter(node.func.value)
    if isinstance(node, ast.Subscript):
        return _is_adapter(node.value)
    return False


def test_no_feature_calls_an_adapter() -> None:
    wrong = [
        f"{MODULES[name].relative_to(ROOT)}:{node.lineno} calls .{node.func.attr}() on an adapter"
        for name, tree in _feature_trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ADAPTER_METHODS
        and _is_adapter(node.func.value)
    ]
    wrong += [
        f"{MODULES[name].relative_to(ROOT)}:{node.lineno} reaches into the adapters registry"
        for name, tree in _feature_trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "adapters"
    ]
    assert not wrong, "features talk to adapters:\n" + "\n".join(wrong)


def _platform_constants(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value} & PLATFORM_NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return set().union(*(_platform_constants(e) for e in node.elts)) if node.elts else set()
    return set()


def test_no_feature_compares_with_a_platform_name() -> None:
    wrong = [
        f"{MODULES[name].relative_to(ROOT)}:{node.lineno} compares with {sorted(names)}"
        for name, tree in _feature_trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and (names := set().union(*(_platform_constants(e) for e in [node.left, *node.comparators])))
    ]
    assert not wrong, "features name a platform:\n" + "\n".join(wrong)


def test_every_module_belongs_to_a_part() -> None:
    assert {part_of(m) for m in MODULES} <= {
        "core",
        "knowledge",
        "customer_voice",
        "feature",
        "adapter",
        "root",
    }
