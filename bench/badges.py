"""Badge rendering speed: one badge, and a batch of 500 in one PDF.

    .venv/bin/python bench/badges.py [--batch 500] [--preset brother_ql_62x100]

Draws with the real renderer, fonts, logo and QR codes the size of a real
departure code (a signed payload), on one core. No database is needed: the
renderer takes plain values. Target: at least 50 badges per second.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core import signing  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from badges import compose, rendering  # noqa: E402
from badges.layout import default_layout  # noqa: E402
from config import fonts  # noqa: E402

TARGET = 50.0


def logo() -> bytes:
    image = Image.new("RGB", (600, 150), "white")
    ImageDraw.Draw(image).rectangle((10, 10, 590, 140), outline=(31, 95, 191), width=8)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def badge(n: int) -> rendering.BadgeData:
    # Same shape and length as visitors.codes.make_code(visit, "badge").
    code = signing.dumps(
        {"o": 12, "v": 100000 + n, "t": f"{n:016x}", "p": "b", "x": 1796000000 + n},
        salt="vestibule.visit-code",
        compress=True,
    )
    data = compose.sample_data()
    data.context.update({"visitor.last_name": f"Lefèvre-Ångström {n}", "badge.number": str(n)})
    data.qr_code = code
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--preset", default="brother_ql_62x100")
    parser.add_argument("--orientation", default="portrait")
    args = parser.parse_args()

    font = fonts.ensure_fonts()
    design = compose.draft_design(
        preset=args.preset,
        orientation=args.orientation,
        layout=default_layout(args.preset, args.orientation),
        logo=logo(),
    )
    rendering.render([(design, badge(0))])  # warm-up: font parsing, imports

    singles, singles_cpu = [], []
    for n in range(20):
        start, cpu = time.perf_counter(), time.process_time()
        pdf = rendering.render([(design, badge(n))])
        singles.append(time.perf_counter() - start)
        singles_cpu.append(time.process_time() - cpu)

    batch = [(design, badge(n)) for n in range(args.batch)]
    start, cpu = time.perf_counter(), time.process_time()
    pdf = rendering.render(batch)
    elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - cpu
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    # CPU time is what one core spends; wall time also counts waiting for a
    # core when the machine is busy (load average printed for that reason).
    rate = args.batch / elapsed_cpu

    print(f"font: {font}")
    print(f"preset: {args.preset} ({args.orientation}), QR payload {len(badge(0).qr_code)} characters")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(
        f"1 badge:     {statistics.median(singles_cpu) * 1000:6.1f} ms CPU, "
        f"{statistics.median(singles) * 1000:6.1f} ms wall (median of 20 one-badge PDFs)"
    )
    print(
        f"{args.batch} badges: {elapsed_cpu / args.batch * 1000:6.1f} ms CPU per badge "
        f"({rate:.1f} badges/s), {elapsed:.2f} s wall ({args.batch / elapsed:.1f} badges/s); "
        f"one PDF of {pages} pages, {len(pdf) / 1024:.0f} KiB"
    )
    verdict = "OK" if rate >= TARGET else "BELOW TARGET"
    print(f"target >= {TARGET:.0f} badges/s on one core (CPU time): {verdict}")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
