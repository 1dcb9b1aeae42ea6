"""Bar charts drawn on the server as inline SVG: a title, labelled axes, the value on each bar.

No script and no style attribute (the CSP forbids inline styles): colours and sizes are SVG
presentation attributes. Pages put a table of the same numbers beside each chart.
"""

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 340
LEFT, RIGHT, TOP, BOTTOM = 90, 16, 50, 64
GRID_STEPS = 4


def nice_ceiling(value):
    """A round number at or above `value` for the top of the axis (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def bar_chart(chart_id, title, x_label, y_label, bars, value_text, colour="#b3261e"):
    """An SVG bar chart. `bars` is [(label, value)]; `value_text(value)` writes a value."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_ceiling(max((value for _, value in bars), default=0))
    slot = plot_w / max(len(bars), 1)
    bar_w = slot * 0.62
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<text x="{WIDTH / 2:.0f}" y="30" text-anchor="middle" font-size="20" '
        f'font-weight="700" fill="#1f2328">{escape(title)}</text>',
    ]
    for step in range(GRID_STEPS + 1):
        value = top * step / GRID_STEPS
        y = TOP + plot_h - plot_h * step / GRID_STEPS
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#d6d9de" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end" font-size="15" '
            f'fill="#4a515a">{escape(value_text(value))}</text>'
        )
    for index, (label, value) in enumerate(bars):
        height = plot_h * value / top
        x = LEFT + slot * index + (slot - bar_w) / 2
        y = TOP + plot_h - height
        centre = x + bar_w / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(value_text(value))}</title></rect>'
            f'<text x="{centre:.1f}" y="{y - 6:.1f}" text-anchor="middle" font-size="13" '
            f'fill="#1f2328">{escape(value_text(value))}</text>'
            f'<text x="{centre:.1f}" y="{TOP + plot_h + 20}" text-anchor="middle" '
            f'font-size="15" fill="#4a515a">{escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="#4a515a" stroke-width="1.5"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#4a515a" '
        f'stroke-width="1.5"/>'
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 12}" text-anchor="middle" '
        f'font-size="16" fill="#1f2328">{escape(x_label)}</text>'
        f'<text x="18" y="{TOP + plot_h / 2:.0f}" text-anchor="middle" font-size="16" '
        f'fill="#1f2328" transform="rotate(-90 18 {TOP + plot_h / 2:.0f})">'
        f"{escape(y_label)}</text>",
    )
    parts.append("</svg>")
    return Markup("".join(parts))
