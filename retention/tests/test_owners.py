"""The retention app talks to the apps that own the data only through
`config.registries`: each owner registers its data types (`APP/retention.py`)
and how a person's rows are found (`APP/subjects.py`). No module of the app,
tests aside, imports a domain app, at module level or inside a function."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent
DOMAIN_APPS = {"visitors", "documents", "badges", "notifications", "reports", "backups"}


def _modules():
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP)
        if relative.parts[0] == "tests":
            continue
        yield path, relative


def _imported(tree, relative: Path):
    """(line, absolute module name) of every import in the tree, relative ones resolved."""
    package = ["retention", *relative.parts[:-1]]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if not node.level:
                yield node.lineno, node.module
                continue
            base = package[: len(package) - (node.level - 1)]
            if node.module:
                yield node.lineno, ".".join([*base, node.module])
            else:  # `from . import x`: x may be a module
                for alias in node.names:
                    yield node.lineno, ".".join([*base, alias.name])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_retention_imports_no_domain_app():
    found = []
    for path, relative in _modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, module in _imported(tree, relative):
            if module.split(".")[0] in DOMAIN_APPS:
                found.append(f"retention/{relative}:{line} imports {module}")
    assert not found, "\n".join(found)


def test_the_walk_sees_imports_in_functions_and_resolves_relative_ones():
    tree = ast.parse(
        "from . import reports\n"
        "def f():\n"
        "    from visitors.models import Visitor\n"
        "    import documents.storage\n"
        "    importlib.import_module('badges.fonts')\n"
    )
    modules = {module for _line, module in _imported(tree, Path("views.py"))}
    assert modules == {"retention.reports", "visitors.models", "documents.storage", "badges.fonts"}
