"""Bar charts drawn on the server as inline SVG: a title, labelled axes, the value on each bar.

No script and no style attribute (the CSP forbids inline styles): colours and sizes are SVG
presentation attributes. Pages put a table of the same numbers beside each chart.
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

GRID_STEPS = 4


@dataclass(frozen=True)
class ChartSize:
    """The drawing area and text sizes of a chart, in SVG user units."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    title: int
    tick: int
    label: int
    axis: int
    value: int | None  # None: no value above each bar (the table beside gives them)


# Desk pages: twelve bars with their values, two charts side by side.
STANDARD = ChartSize(720, 340, 90, 16, 50, 64, title=20, tick=15, label=15, axis=16, value=13)
# The kiosk: drawn at least 640 px wide (kiosk.css), so every text is at least 24 px on screen.
LARGE = ChartSize(640, 380, 150, 16, 64, 96, title=28, tick=24, label=24, axis=24, value=None)


def nice_ceiling(value):
    """A round number at or above `value` for the top of the axis (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def bar_chart(chart_id, title, x_label, y_label, bars, value_text, colour="#b3261e", size=STANDARD):
    """An SVG bar chart. `bars` is [(label, value)]; `value_text(value)` writes a value.
    Bars rise from zero: a negative value draws a bar of no height (its value still shown)."""
    z = size
    plot_w, plot_h = z.width - z.left - z.right, z.height - z.top - z.bottom
    top = nice_ceiling(max((value for _, value in bars), default=0))
    slot = plot_w / max(len(bars), 1)
    bar_w = slot * 0.62
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {z.width} {z.height}" '
        f'role="img" aria-labelledby="{chart_id}-title" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<text x="{z.width / 2:.0f}" y="{z.title + 10}" text-anchor="middle" '
        f'font-size="{z.title}" font-weight="700" fill="#1f2328">{escape(title)}</text>',
    ]
    shown_ticks = set()
    for step in range(GRID_STEPS + 1):
        value = top * step / GRID_STEPS
        tick = value_text(value)
        if tick in shown_ticks:  # an empty chart (or tiny values) would repeat "¥0"
            continue
        shown_ticks.add(tick)
        y = z.top + plot_h - plot_h * step / GRID_STEPS
        parts.append(
            f'<line x1="{z.left}" y1="{y:.1f}" x2="{z.width - z.right}" y2="{y:.1f}" '
            f'stroke="#d6d9de" stroke-width="1"/>'
            f'<text x="{z.left - 8}" y="{y + z.tick / 3:.1f}" text-anchor="end" '
            f'font-size="{z.tick}" fill="#4a515a">{escape(tick)}</text>'
        )
    for index, (label, value) in enumerate(bars):
        # A month whose net value is negative (only a reversal of an earlier month's donation)
        # draws no bar below the axis; its value and the table beside give the figure.
        height = plot_h * max(value, 0) / top
        x = z.left + slot * index + (slot - bar_w) / 2
        y = z.top + plot_h - height
        centre = x + bar_w / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(value_text(value))}</title></rect>'
        )
        if z.value:
            parts.append(
                f'<text x="{centre:.1f}" y="{y - 6:.1f}" text-anchor="middle" '
                f'font-size="{z.value}" fill="#1f2328">{escape(value_text(value))}</text>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{z.top + plot_h + z.label + 5}" text-anchor="middle" '
            f'font-size="{z.label}" fill="#4a515a">{escape(label)}</text>'
        )
    axis_middle = z.top + plot_h / 2
    parts.append(
        f'<line x1="{z.left}" y1="{z.top + plot_h}" x2="{z.width - z.right}" '
        f'y2="{z.top + plot_h}" stroke="#4a515a" stroke-width="1.5"/>'
        f'<line x1="{z.left}" y1="{z.top}" x2="{z.left}" y2="{z.top + plot_h}" stroke="#4a515a" '
        f'stroke-width="1.5"/>'
        f'<text x="{z.left + plot_w / 2:.0f}" y="{z.height - 12}" text-anchor="middle" '
        f'font-size="{z.axis}" fill="#1f2328">{escape(x_label)}</text>'
        f'<text x="{z.axis + 2}" y="{axis_middle:.0f}" text-anchor="middle" '
        f'font-size="{z.axis}" fill="#1f2328" transform="rotate(-90 {z.axis + 2} '
        f'{axis_middle:.0f})">{escape(y_label)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
