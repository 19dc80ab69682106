"""Horizontal bar charts of percentages as inline SVG, drawn by the server: no scripts, no
fonts or files fetched, so a chart shows on a laptop with no internet.

Every text placed inside is escaped here, which is what lets a template mark the chart
safe. A chart is one image to a screen reader (role="img" with its title); each bar's own
<title> is the tooltip of a pointer, and the page shows the same numbers in a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 770
LABEL_WIDTH = 300  # room for about 36 Cyrillic characters at the chart's 12 px
BAR_WIDTH = 400
ROW = 24
TOP = 22  # the scale's labels
LABEL_CHARS = 36
TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class Bar:
    label: str
    percent: float | None  # None: nothing counted, no bar
    value: str  # written after the bar, e.g. "67%"
    detail: str  # the bar's tooltip, e.g. "2.3 Приветствие консультанта: 67% (2 of 3)"
    tone: str = ""  # a CSS class of the bar, e.g. the item's market rank
    link: str | None = None


def bar_chart(title: str, bars: list[Bar]) -> Markup:
    height = TOP + ROW * len(bars) + 6
    parts = [
        f'<svg class="bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in TICKS:
        x = LABEL_WIDTH + BAR_WIDTH * tick / 100
        parts.append(f'<line class="tick" x1="{x:g}" y1="{TOP - 4}" x2="{x:g}" y2="{height - 2}"/>'
                     f'<text class="scale" x="{x:g}" y="{TOP - 8}" text-anchor="middle">{tick}%</text>')
    for i, bar in enumerate(bars):
        parts.append(_row(bar, TOP + ROW * i))
    parts.append("</svg>")
    return Markup("".join(parts))


def _row(bar: Bar, y: int) -> str:
    label = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[:LABEL_CHARS - 1] + "…"
    filled = 0.0 if bar.percent is None else BAR_WIDTH * max(0.0, min(bar.percent, 100.0)) / 100
    mid = y + ROW / 2 + 4
    row = (
        f'<g class="bar {escape(bar.tone)}"><title>{escape(bar.detail)}</title>'
        f'<text class="label" x="{LABEL_WIDTH - 8}" y="{mid:g}" text-anchor="end">{escape(label)}</text>'
        f'<rect class="fill" x="{LABEL_WIDTH}" y="{y + 4}" width="{filled:.1f}" height="{ROW - 8}"/>'
        f'<text class="value" x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{mid:g}">{escape(bar.value)}</text></g>'
    )
    if bar.link:
        return f'<a href="{escape(bar.link)}">{row}</a>'
    return row
