"""The reports app imports no domain app: each app that owns data registers its
datasets and dashboard figures in its own `exports.py` (config.registries), so a
new data type is one file in its own app, never an edit of reports.

Only the floors (tenancy, audit, sites) and `config` may be imported; the test
reads every non-test module's source, so an import inside a function counts."""

import ast
import pathlib

import pytest

REPORTS = pathlib.Path(__file__).resolve().parents[1]
FORBIDDEN = ("visitors", "documents", "badges", "notifications", "retention", "backups")


def modules():
    return sorted(
        path
        for path in REPORTS.rglob("*.py")
        if "tests" not in path.relative_to(REPORTS).parts
        and "migrations" not in path.relative_to(REPORTS).parts
    )


def imported(tree) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_the_walk_sees_the_modules():
    names = {path.name for path in modules()}
    assert {"apps.py", "filters.py", "dashboard.py", "views.py", "diagnostics.py"} <= names


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(REPORTS)))
def test_reports_imports_no_domain_app(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    wrong = [
        f"{path.relative_to(REPORTS.parent)}:{line}: {name}"
        for line, name in imported(tree)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert not wrong, "reports must reach domain apps through config.registries:\n" + "\n".join(wrong)


def test_the_check_catches_an_import_inside_a_function():
    source = "def f():\n    from visitors.models import Visit\n    import badges.models\n"
    assert [name for _, name in imported(ast.parse(source))] == ["visitors.models", "badges.models"]
