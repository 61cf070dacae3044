"""The top-level packages import each other one way only: no cycle, ever.

Every import of every product module counts, those inside functions too (a function-level import
is still a dependency, only a hidden one). A cycle is reported with the files that close it.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_PRODUCT = {"tests", "bench", "docs", "locale", "static", "templates", "bin", "var", ".venv", ".git", ".ci"}


def product_packages() -> set[str]:
    return {
        path.name
        for path in ROOT.iterdir()
        if path.is_dir() and (path / "__init__.py").exists() and path.name not in NOT_PRODUCT
    }


def imported_modules(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def package_edges() -> dict[tuple[str, str], list[str]]:
    """(importer, imported) -> the files of the importer that import it."""
    packages = product_packages()
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for module in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
                target = module.split(".", 1)[0]
                if target in packages and target != package:
                    edges[(package, target)].append(str(path.relative_to(ROOT)))
    return edges


def find_cycle(edges) -> list[str] | None:
    graph = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    visiting, done = [], set()

    def visit(node):
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph[node]):
            if cycle := visit(target):
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        if cycle := visit(node):
            return cycle
    return None


def test_the_finder_sees_a_cycle_and_its_absence():
    assert find_cycle({("a", "b"): [], ("b", "c"): [], ("c", "a"): []}) == ["a", "b", "c", "a"]
    assert find_cycle({("a", "b"): [], ("b", "c"): [], ("a", "c"): []}) is None


def test_function_level_imports_count():
    tree = ast.parse("def f():\n    from orders.models import Order\n    import tracking.services\n")
    assert imported_modules(tree) == ["orders.models", "tracking.services"]


def test_top_level_packages_have_no_import_cycle():
    edges = package_edges()
    cycle = find_cycle(edges)
    if cycle:
        closing = "\n".join(
            f"  {source} -> {target}: {', '.join(sorted(set(edges[(source, target)])))}"
            for source, target in zip(cycle, cycle[1:], strict=False)
        )
        raise AssertionError(f"Import cycle {' -> '.join(cycle)}, closed by:\n{closing}")
