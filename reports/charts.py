"""Bar charts as inline SVG, rendered on the server (no script, no CDN): they
print, they work in every browser, and a screen reader gets the figures from
the <title> of each bar and the table beside the chart."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD, AXIS = 640, 180, 4, 18


def bar_chart(points: list[tuple[str, float]], *, title: str, unit: str = "") -> SafeString:
    """One bar per (label, value); labels under the bars, thinned when crowded."""
    if not points:
        points = [("", 0)]
    top = max(value for _label, value in points) or 1
    step = (WIDTH - 2 * PAD) / len(points)
    every = max(1, len(points) // 12)
    bars, labels = [], []
    for i, (label, value) in enumerate(points):
        height = (HEIGHT - AXIS - PAD) * value / top
        x = PAD + i * step
        # format_html escapes its arguments into strings: numbers go in formatted.
        geometry = [f"{n:.1f}" for n in (x + step * 0.1, HEIGHT - AXIS - height, step * 0.8, height)]
        bars.append((*geometry, label, value, unit))
        if i % every == 0:
            labels.append((f"{x + step / 2:.1f}", HEIGHT - 4, label))
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}{}</svg>",
        WIDTH,
        HEIGHT,
        title,
        title,
        format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#1f5fbf"><title>{}: {} {}</title></rect>',
            bars,
        ),
        format_html_join("", '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>', labels),
    )
