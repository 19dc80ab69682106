"""Charts of shares as inline SVG, drawn by the server: no scripts, no fonts or files
fetched, so a chart shows on a laptop with no internet, under a Content-Security-Policy
of 'self'. Colours come from classes in console.css, never from style attributes.

Horizontal bars (`bar_chart`): a row per bar, its label wrapped whole over as many lines
as it needs; an outlined track from 0 to 100% behind each bar, so 0% (a short stub) and
"nothing counted" (a dashed, empty track) are seen; the bar's colour is its share's band
(`band`: low, mid, high), the share written beside it, then the visits behind it, then a
separate mark (an item's market rank). A bar over too few visits is pale and dashed, and
says so in words under its label. Columns per month (`month_chart`) follow the same rules.

Every text placed inside is escaped here, which is what lets a template mark the chart
safe. A chart is one image to a screen reader (role="img" with its title); each bar's own
<title> is the tooltip of a pointer, and the page shows the same numbers in a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

LABEL_END = 292  # labels are right-aligned here
LABEL_EMS = 20.5  # a label line's width in ems: 287 px at the chart's 14 px
BAR_X = 300
BAR_WIDTH = 260
VALUE_X = BAR_X + BAR_WIDTH + 10
COUNT_X = VALUE_X + 46
MARK_X = COUNT_X + 68
MARK_WIDTH = 84
LINE = 16  # a label line's height
TOP = 22  # the scale's labels
TICKS = (0, 25, 50, 75, 100)
STUB = 3  # the width of a 0% bar


@dataclass(frozen=True)
class Bar:
    label: str
    percent: float | None  # None: nothing counted, an empty track
    value: str  # written after the bar, e.g. "67%"
    count: str  # the visits behind it, e.g. "n = 12"
    detail: str  # the bar's tooltip, e.g. "2.3 Приветствие консультанта: 67% (2 of 3)"
    band: str = "none"  # the share's band: "low", "mid", "high" (a CSS class share-<band>)
    few: bool = False  # fewer visits than the pages' minimum sample
    note: str = ""  # a line under the label, e.g. the words of the warning
    mark: str = ""  # a separate mark after the count, e.g. "▲ TOP"
    mark_tone: str = ""  # the mark's CSS class, e.g. "rank-top"
    link: str | None = None


def bar_chart(title: str, bars: list[Bar]) -> Markup:
    marks = any(bar.mark for bar in bars)
    width = MARK_X + MARK_WIDTH + 4 if marks else MARK_X
    rows, y = [], TOP
    for bar in bars:
        row, height = _row(bar, y)
        rows.append(row)
        y += height
    height = y + 6
    parts = [
        f'<svg class="bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in TICKS:
        x = BAR_X + BAR_WIDTH * tick / 100
        parts.append(f'<line class="tick" x1="{x:g}" y1="{TOP - 4}" x2="{x:g}" y2="{height - 2}"/>'
                     f'<text class="scale" x="{x:g}" y="{TOP - 8}" text-anchor="middle">{tick}%</text>')
    parts.extend(rows)
    parts.append("</svg>")
    return Markup("".join(parts))


# Glyph widths in ems, rounded up from DejaVu Sans (the widest of the fonts system-ui may
# be: Linux's; Segoe UI and Roboto are narrower), so that a line measured here fits.
_NARROW = set(" .,:;'!|iIjlf()-/tr[]")
_WIDE = set("жшщюфыЖШЩЮЫФМмmwMW%—№@")


def text_width(text: str) -> float:
    """The text's width in ems, estimated a little wide."""
    return sum(0.4 if c in _NARROW else 1.0 if c in _WIDE else 0.78 if c.isupper() else 0.66 for c in text)


def wrap(text: str, width: float = LABEL_EMS) -> list[str]:
    """The label's lines, broken between words (a word wider than a line is cut in pieces)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while text_width(word) > width:  # a word wider than a line: as much as fits, then the rest
            cut = max(1, next(i for i in range(len(word), 0, -1) if text_width(word[:i]) <= width))
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        joined = f"{line} {word}" if line else word
        if text_width(joined) <= width:
            line = joined
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line or not lines else lines


def _row(bar: Bar, y: int) -> tuple[str, int]:
    lines = wrap(bar.label)
    notes = wrap(bar.note) if bar.note else []
    height = max(26, 12 + LINE * (len(lines) + len(notes)))
    first = y + 17
    label = "".join(
        f'<tspan x="{LABEL_END}" y="{first + LINE * i}">{escape(line)}</tspan>' for i, line in enumerate(lines))
    note = "".join(
        f'<tspan x="{LABEL_END}" y="{first + LINE * (len(lines) + i)}">{escape(line)}</tspan>'
        for i, line in enumerate(notes))
    classes = " ".join(c for c in ("bar", f"share-{bar.band}", "few" if bar.few else "") if c)
    track = "track" if bar.percent is not None else "track empty"
    parts = [
        f'<g class="{classes}"><title>{escape(bar.detail)}</title>',
        f'<text class="label" text-anchor="end">{label}</text>',
        f'<text class="note" text-anchor="end">{note}</text>' if note else "",
        f'<rect class="{track}" x="{BAR_X}" y="{y + 4}" width="{BAR_WIDTH}" height="17"/>',
    ]
    if bar.percent is not None:
        filled = max(BAR_WIDTH * max(0.0, min(bar.percent, 100.0)) / 100, STUB)
        parts.append(f'<rect class="fill" x="{BAR_X}" y="{y + 4}" width="{filled:.1f}" height="17"/>')
    parts.append(f'<text class="value" x="{VALUE_X}" y="{first}">{escape(bar.value)}</text>')
    parts.append(f'<text class="count" x="{COUNT_X}" y="{first}">{escape(bar.count)}</text>')
    if bar.mark:
        parts.append(
            f'<g class="mark {escape(bar.mark_tone)}"><rect x="{MARK_X}" y="{y + 4}" width="{MARK_WIDTH}" '
            f'height="17" rx="3"/><text x="{MARK_X + MARK_WIDTH / 2:g}" y="{first - 1}" '
            f'text-anchor="middle">{escape(bar.mark)}</text></g>')
    parts.append("</g>")
    row = "".join(parts)
    if bar.link:
        row = f'<a href="{escape(bar.link)}">{row}</a>'
    return row, height


# --- columns per month ---------------------------------------------------------------

PLOT_X = 44  # the scale's labels to its left
PLOT_TOP = 24  # room for a 100% column's value
PLOT_HEIGHT = 120
COLUMN_WIDTH = 34


@dataclass(frozen=True)
class Column:
    label: str  # under the column, e.g. "ноя"
    sublabel: str  # a second line, e.g. the year under January and the first month ("" for none)
    percent: float | None  # None: no visit that month
    value: str  # above the column, e.g. "67%" ("—" for none)
    count: str  # under the label, e.g. "n = 3"
    detail: str  # the tooltip
    band: str = "none"
    few: bool = False


def month_chart(title: str, columns: list[Column], step: int = 56) -> Markup:
    width = PLOT_X + step * len(columns) + 6
    base = PLOT_TOP + PLOT_HEIGHT
    height = base + 58
    parts = [
        f'<svg class="months" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in TICKS:
        y = base - PLOT_HEIGHT * tick / 100
        parts.append(f'<line class="tick" x1="{PLOT_X}" y1="{y:g}" x2="{width - 4}" y2="{y:g}"/>'
                     f'<text class="scale" x="{PLOT_X - 6}" y="{y + 4:g}" text-anchor="end">{tick}%</text>')
    for i, column in enumerate(columns):
        centre = PLOT_X + step * i + step / 2
        left = centre - COLUMN_WIDTH / 2
        classes = " ".join(c for c in ("column", f"share-{column.band}", "few" if column.few else "") if c)
        parts.append(f'<g class="{classes}"><title>{escape(column.detail)}</title>')
        if column.percent is None:
            parts.append(f'<line class="empty" x1="{left:g}" y1="{base:g}" x2="{left + COLUMN_WIDTH:g}" '
                         f'y2="{base:g}"/>')
            top = base
        else:
            tall = max(PLOT_HEIGHT * max(0.0, min(column.percent, 100.0)) / 100, 2)
            top = base - tall
            parts.append(f'<rect class="fill" x="{left:g}" y="{top:.1f}" width="{COLUMN_WIDTH}" height="{tall:.1f}"/>')
        parts.append(f'<text class="value" x="{centre:g}" y="{top - 5:.1f}" text-anchor="middle">'
                     f'{escape(column.value)}</text>')
        parts.append(f'<text class="label" x="{centre:g}" y="{base + 16}" text-anchor="middle">'
                     f'{escape(column.label)}</text>')
        parts.append(f'<text class="count" x="{centre:g}" y="{base + 32}" text-anchor="middle">'
                     f'{escape(column.count)}</text>')
        if column.sublabel:
            parts.append(f'<text class="scale" x="{centre:g}" y="{base + 48}" text-anchor="middle">'
                         f'{escape(column.sublabel)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
