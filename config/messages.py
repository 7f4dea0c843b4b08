"""Compile the .po catalogues to .mo without needing GNU gettext's msgfmt."""

import sys
from pathlib import Path

import polib

BASE = Path(__file__).resolve().parent.parent


def main() -> int:
    for po_path in sorted(
        [*BASE.glob("locale/*/LC_MESSAGES/*.po"), *BASE.glob("*/locale/*/LC_MESSAGES/*.po")]
    ):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        print(f"compiled {mo_path.relative_to(BASE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
