"""The server-drawn bar charts of the public notice: axis, bars, sizes, escaping."""

import re

import pytest

from views.market.charts import LARGE, STANDARD, bar_chart, nice_ceiling
from views.market.reports import yuan_short


def chart(bars, size=STANDARD):
    return str(bar_chart("c", "标题", "月份", "元", bars, yuan_short, size=size))


def ticks(svg):
    return re.findall(r'text-anchor="end" font-size="\d+" fill="#4a515a">([^<]+)<', svg)


def test_the_axis_rises_to_a_round_number():
    assert [nice_ceiling(v) for v in (0, 1, 7, 120, 2_400, 7_100)] == [1, 1, 10, 200, 2500, 10000]
    svg = chart([("1月", 710_000), ("2月", 120_000)])
    assert ticks(svg) == ["¥0", "¥2,500", "¥5,000", "¥7,500", "¥10,000"]
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights[0] / heights[1] == pytest.approx(710_000 / 120_000, rel=0.01)


def test_an_empty_chart_shows_zero_once():
    assert ticks(chart([("1月", 0), ("2月", 0)])) == ["¥0"]
    assert ticks(chart([])) == ["¥0"]


def test_desk_charts_write_each_value_and_kiosk_charts_leave_it_to_the_table():
    bars = [("1月", 668_000)]
    assert chart(bars).count(">¥6,680<") == 1  # above the bar (the bar's tooltip has "1月: …")
    large = chart(bars, LARGE)
    assert ">¥6,680<" not in large and "1月: ¥6,680" in large
    sizes = {int(s) for s in re.findall(r'font-size="(\d+)"', large)}
    assert min(sizes) >= 24


def test_labels_are_escaped():
    svg = str(bar_chart("c", "<b>", "x", "y", [("<script>", 1)], str))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg


def test_a_negative_month_draws_no_bar_below_the_axis():
    """A month with only the reversal of an earlier donation nets below zero: its bar has no
    height (nothing under the axis), its value is still written, the others scale as before."""
    svg = chart([("1月", 226_000), ("2月", -226_000), ("3月", 0)])
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="(-?[\d.]+)"', svg)]
    assert len(heights) == 3 and heights[0] > 0 and heights[1:] == [0.0, 0.0]
    axis = STANDARD.height - STANDARD.bottom
    ys = [float(y) for y in re.findall(r'<rect [^>]*y="(-?[\d.]+)"', svg)]
    assert all(y + h <= axis + 0.05 for y, h in zip(ys, heights, strict=True))
    assert ">-¥2,260<" in svg and "2月: -¥2,260" in svg
    assert ticks(svg)[0] == "¥0" and not any(t.startswith("-") for t in ticks(svg))
