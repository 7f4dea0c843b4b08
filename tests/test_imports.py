"""The floors (issue 16, point 2; docs/conventions.md, "Floors"): who may import
whom among our apps, no cycle between them, and no import inside a function
without a comment saying why.

The imports are read from the source (AST), not from a running interpreter:
an import inside a function counts as much as one at the top of the module,
and so does one under `if TYPE_CHECKING:`. Tests and migrations are left out.
"""

import ast
import re
from functools import cache
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent

FOUNDATION = ["config", "tenancy", "audit", "sites"]
DOMAIN = ["visitors", "documents", "badges", "notifications"]
LIFECYCLE = ["reports", "retention", "backups"]
APPS = FOUNDATION + DOMAIN + LIFECYCLE

# The composition root: the project's modules that put the apps together, the
# only ones of `config` that may import an app. Every other module of `config`
# is a library (registries, exports, dates, inputs, pagination, serializers,
# schema, errors, csp, csrf...) that any app may import.
COMPOSITION_ROOT = {
    "config.settings",
    "config.urls",
    "config.celery",
    "config.launcher",
    "config.embedded",
    "config.wsgi",
    "config.asgi",
}

# Who may import whom (besides itself). The composition root is above all.
ALLOWED = {
    "config": set(),
    "tenancy": {"config"},
    "audit": {"config", "tenancy"},
    "sites": {"config", "tenancy", "audit"},
    "visitors": {"config", "tenancy", "audit", "sites"},
    "documents": {"config", "tenancy", "audit", "sites", "visitors"},
    "badges": {"config", "tenancy", "audit", "sites", "visitors"},
    "notifications": {"config", "tenancy", "audit", "sites", "visitors"},
    # The lifecycle apps reach the domain apps' data through the registries in
    # config (each domain app registers its datasets, retention types,
    # restore and subjects): they import no domain app.
    "reports": {"config", "tenancy", "audit", "sites", "retention", "backups"},
    "retention": {"config", "tenancy", "audit", "sites", "reports", "backups"},
    "backups": {"config", "tenancy", "audit", "sites", "reports", "retention"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BASE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = BASE.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


@cache
def sources() -> dict[str, Path]:
    """Module name -> file, for every non-test, non-migration module of our apps."""
    found = {}
    for app in APPS:
        for path in sorted((BASE / app).rglob("*.py")):
            parts = path.relative_to(BASE).parts
            if "tests" in parts or "migrations" in parts or path.name.startswith(("test_", "conftest")):
                continue
            found[module_name(path)] = path
    return found


@cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def imported(module: str, path: Path, node) -> list[str]:
    """The full names of the modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    names = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        names.append(candidate if is_module(candidate) else base)
    return names


@cache
def edges() -> list[tuple[str, str, str, int]]:
    """(importing module, imported module, file, line) for every import of one
    of our apps by another module of ours."""
    found = []
    for module, path in sources().items():
        for node in ast.walk(parsed(path)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in imported(module, path, node):
                    if target.split(".")[0] in APPS:
                        found.append((module, target, str(path.relative_to(BASE)), node.lineno))
    return found


def app_of(module: str) -> str:
    return module.split(".")[0]


def in_root(module: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in COMPOSITION_ROOT)


def root_modules_importing_apps() -> set[str]:
    return {m for m, target, *_ in edges() if in_root(m) and app_of(target) != "config"}


def app_graph() -> dict[str, set[str]]:
    """App -> the apps it imports; the composition root is left out (it is above
    every app by design)."""
    graph = {app: set() for app in APPS}
    for module, target, *_ in edges():
        if in_root(module):
            continue
        if app_of(target) != app_of(module):
            graph[app_of(module)].add(app_of(target))
    return graph


def test_the_composition_root_exists():
    # A renamed root module would silently widen the rule below.
    missing = [m for m in COMPOSITION_ROOT if not is_module(m)]
    assert not missing


def test_config_library_imports_no_app():
    wrong = [
        f"{path}:{line} {module} imports {target}"
        for module, target, path, line in edges()
        if app_of(module) == "config" and not in_root(module) and app_of(target) != "config"
    ]
    assert not wrong, "config's library modules import no app (only the composition root may):\n" + "\n".join(
        wrong
    )


def test_apps_do_not_import_the_composition_root_above_them():
    # A root module that imports apps, imported by an app, closes a loop.
    above = root_modules_importing_apps()
    wrong = [
        f"{path}:{line} {module} imports {target}"
        for module, target, path, line in edges()
        if app_of(module) != "config" and any(target == m or target.startswith(m + ".") for m in above)
    ]
    assert not wrong, "\n".join(wrong)


def test_each_app_imports_only_the_floors_below_it():
    wrong = sorted(
        {
            f"{path}:{line} {app_of(module)} imports {app_of(target)} ({target})"
            for module, target, path, line in edges()
            if not in_root(module)
            and app_of(target) != app_of(module)
            and app_of(target) not in ALLOWED[app_of(module)]
        }
    )
    assert not wrong, f"{len(wrong)} imports across the floors (docs/conventions.md, Floors):\n" + "\n".join(
        wrong
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, seen = [], set()

    def walk(node, trail):
        for nxt in sorted(graph.get(node, ())):
            if nxt in trail:
                cycle = [*trail[trail.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    found.append(cycle)
            elif len(trail) < len(graph):
                walk(nxt, [*trail, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return found


def test_no_cycle_between_apps():
    found = cycles(app_graph())
    assert not found, "cycles between apps: " + "; ".join(" -> ".join(c) for c in found)


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


NOQA = re.compile(r"noqa(:\s*[A-Z]+[0-9]+(,\s*[A-Z]+[0-9]+)*)?|type:\s*ignore\S*|pragma:\s*\S+")


def says_why(line: str) -> bool:
    """A comment that says something (a bare `# noqa: F401` does not)."""
    if "#" not in line:
        return False
    return bool(NOQA.sub("", line.split("#", 1)[1]).strip(" -:"))


def unexplained_function_imports() -> list[str]:
    """Imports inside a function with no comment on their line or just above
    (a comment above a run of imports covers the run)."""
    wrong = []
    for path in sources().values():
        tree = parsed(path)
        lines = path.read_text().splitlines()
        import_lines = {
            n
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for n in range(node.lineno, node.end_lineno + 1)
        }
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in function.body:
                for inner in ast.walk(node):
                    if not isinstance(inner, (ast.Import, ast.ImportFrom)):
                        continue
                    if says_why(lines[inner.lineno - 1]):
                        continue
                    above = inner.lineno - 1  # 1-based number of the line above
                    while above >= 1 and (above in import_lines or not lines[above - 1].strip()):
                        above -= 1
                    if above >= 1 and lines[above - 1].strip().startswith("#") and says_why(lines[above - 1]):
                        continue
                    wrong.append(f"{path.relative_to(BASE)}:{inner.lineno}")
    return sorted(set(wrong), key=lambda s: (s.split(":")[0], int(s.split(":")[1])))


def test_imports_inside_functions_say_why():
    wrong = unexplained_function_imports()
    assert not wrong, (
        f"{len(wrong)} imports inside functions without a comment saying why "
        "(a cycle, an optional dependency, a heavy import, the app registry...):\n" + "\n".join(wrong)
    )
