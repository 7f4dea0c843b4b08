"""Bar charts as inline SVG, rendered on the server (no script, no CDN): they
print, they work in every browser, and a screen reader gets the figures from
the <title> of each bar. Each chart has its axes: a vertical scale with round
steps and grid lines, the baseline, the labels under the bars, and each bar's
value written above it."""

import datetime
import math

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 16, 22  # room for the scale, the values and the labels


def _nice_step(top: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving at most 5 steps up to `top`."""
    raw = max(top, 1) / 5
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return max(1, factor * power)
    return 10 * power


def _label(label: str) -> str:
    """An ISO day reads as a short local date ("2 déc.", "Dec 2")."""
    try:
        day = datetime.date.fromisoformat(label)
    except (TypeError, ValueError):
        return label
    return date_format(day, "j b")


def _num(value: float) -> str:
    return number_format(value, decimal_pos=0 if float(value).is_integer() else 1)


def bar_chart(points: list[tuple[str, float]], *, title: str, unit: str = "") -> SafeString:
    """One bar per (label, value); labels under the bars, thinned when crowded."""
    if not points:
        points = [("", 0)]
    step_value = _nice_step(max(value for _label, value in points))
    top = step_value * max(1, math.ceil(max(value for _label, value in points) / step_value))
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    base = TOP + plot_h
    step = plot_w / len(points)
    every = max(1, math.ceil(len(points) / 16))
    # Values above the bars when there is room for them; otherwise on non-empty bars only.
    show_all_values = step >= 18

    grid = []
    tick = 0.0
    while tick <= top + 1e-9:
        y = base - plot_h * tick / top
        grid.append((f"{y:.1f}", f"{LEFT - 4}", f"{y + 3:.1f}", _num(tick)))
        tick += step_value

    bars, labels, values = [], [], []
    for i, (label, value) in enumerate(points):
        height = plot_h * value / top
        x = LEFT + i * step
        shown = _label(label)
        geometry = [f"{n:.1f}" for n in (x + step * 0.12, base - height, step * 0.76, height)]
        bars.append((*geometry, shown, _num(value), unit))
        if value and (show_all_values or i % every == 0):
            values.append((f"{x + step / 2:.1f}", f"{base - height - 3:.1f}", _num(value)))
        if i % every == 0:
            labels.append((f"{x + step / 2:.1f}", HEIGHT - 6, shown))
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}"
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#5b6475"/>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#5b6475"/>'
        "{}{}{}</svg>",
        WIDTH,
        HEIGHT,
        title,
        title,
        format_html_join(
            "",
            '<line x1="' + str(LEFT) + '" y1="{}" x2="' + str(WIDTH - RIGHT) + '" y2="{}" stroke="#dfe3ea"/>'
            '<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>',
            [(y, y, x, ty, text) for y, x, ty, text in grid],
        ),
        LEFT,
        TOP,
        LEFT,
        base,
        LEFT,
        base,
        WIDTH - RIGHT,
        base,
        format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#1f5fbf"><title>{} — {} {}</title></rect>',
            bars,
        ),
        format_html_join(
            "", '<text class="value" x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>', values
        ),
        format_html_join("", '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>', labels),
    )
