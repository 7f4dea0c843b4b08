"""Helpers for badge tests: visits on site, PDF text, rasterising and QR decoding.

The image checks need Debian's poppler-utils (`pdftoppm`) and zbar-tools
(`zbarimg`); without them the test is skipped naming the missing tool."""

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from badges import services


@pytest.fixture
def a(orgs):
    return orgs.a


@pytest.fixture
def template(a, scoped):
    with scoped(a.org):
        return services.create_template(
            organization=a.org, by=None, name="Étiquette", preset="brother_ql_62x100"
        )


def on_site(org_fixture, number=7, **kw):
    """An arrived visit with a badge number, as the desk leaves it (call in scope)."""
    from visitors.tests.factories import make_visit

    visit = make_visit(org_fixture, status="arrived", **kw)
    visit.badge_number = number
    visit.badge_day = visit.arrived_at.date()
    visit.save(update_fields=["badge_number", "badge_day"])
    return visit


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(pdf)).pages]


def need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian package {package}): check not run")
    return path


def rasterise(pdf: bytes, dpi: int = 300) -> Image.Image:
    pdftoppm = need("pdftoppm", "poppler-utils")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "badge.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [pdftoppm, "-r", str(dpi), "-png", "-singlefile", source, Path(tmp) / "page"], check=True
        )
        with Image.open(Path(tmp) / "page.png") as image:
            return image.convert("RGB")


def decode_qr(image: Image.Image) -> list[str]:
    zbarimg = need("zbarimg", "zbar-tools")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        image.save(path)
        found = subprocess.run(
            [zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path],
            capture_output=True,
            text=True,
            check=False,
        )
    return [line for line in found.stdout.splitlines() if line]


def pytest_terminal_summary(terminalreporter):
    """Name the badge checks that were skipped and why (a missing Debian tool),
    so a run without poppler-utils or zbar-tools says so instead of a bare count."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if r.nodeid.startswith("badges/")]
    if not skipped:
        return
    terminalreporter.section("badge checks not run")
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        terminalreporter.line(f"{report.nodeid}: {reason.removeprefix('Skipped: ')}")
