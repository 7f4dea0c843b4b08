"""The backups app imports no domain app: what a restore brings back of a data
type, how its erasures are replayed and how it is checked are the owning app's
(`APP/restore.py`, registered into `config.registries`)."""

import ast
from pathlib import Path

import pytest

BACKUPS = Path(__file__).resolve().parents[1]
DOMAIN = {"visitors", "documents", "badges", "notifications", "reports", "retention"}


def _modules():
    for path in sorted(BACKUPS.rglob("*.py")):
        if "tests" in path.relative_to(BACKUPS).parts:
            continue
        yield path


def _imported(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
            "get_model",
        ):
            # import_module("visitors.x"), apps.get_model("visitors", ...): a domain
            # app reached by name is still a dependency.
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.add(arg.value.split(".")[0])
    return names


def test_the_walk_finds_imports_of_every_kind():
    tree = ast.parse(
        "import visitors.models\nfrom reports import services\n"
        "def f():\n    from documents.models import Attachment\n"
        "    apps.get_model('badges.BadgeTemplate')\n    import_module('retention.purge')\n"
        "from . import archive\n"
    )
    assert _imported(tree) >= {"visitors", "reports", "documents", "badges", "retention"}


@pytest.mark.parametrize("path", list(_modules()), ids=lambda p: str(p.relative_to(BACKUPS)))
def test_backups_imports_no_domain_app(path):
    found = _imported(ast.parse(path.read_text(), filename=str(path))) & DOMAIN
    assert not found, (
        f"backups/{path.relative_to(BACKUPS)} imports {sorted(found)}: register what you need "
        "from the owning app's restore.py into config.registries instead"
    )
