"""Where the phone was, around the dealership's pin, as inline SVG drawn by the server
(issue 17, point 5): the dealership's radius as a circle, each location fix a dot with
its circle of accuracy and its event written beside it. No map tiles, fonts or scripts
(as `svg.py`): it shows offline, under a Content-Security-Policy of 'self', and colours
come from classes in console.css.

A local equirectangular projection around the pin (metres east = R * dlon * cos(lat),
north = R * dlat) is exact enough for the few kilometres drawn. The view reaches past the
radius and out to the fixes, but no more than VIEW_RADII radii: a fix farther than that
sits on the edge, in its direction, with its true distance written beside it.

Every text placed inside is escaped here, which is what lets a template mark it safe.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

from field_app.domain.geo import EARTH_RADIUS_M, distance_m

from .svg import text_width

SIZE = 320  # the drawing is SIZE x SIZE px, the pin in the middle
HALF = 140  # from the pin to the edge of the plot, leaving room for labels
FONT_PX = 12
MIN_VIEW_RADII = 1.4  # the radius circle never fills the whole plot
VIEW_RADII = 4.0  # a fix farther than this many radii sits on the edge
DOT = 4


@dataclass(frozen=True)
class Point:
    """A location fix to draw."""

    label: str  # its event in words, e.g. "старт", "фото 2"
    kind: str  # start | finish | photo: the dot's CSS class fix-<kind>
    lat: float
    lon: float
    accuracy_m: float


@dataclass(frozen=True)
class Placed:
    """A point as drawn: its place in px, its distance from the pin, and whether it was
    moved to the edge."""

    point: Point
    x: float
    y: float
    metres: float
    clamped: bool


def place(pin: tuple[float, float], radius_m: float, points: list[Point]) -> tuple[float, list[Placed]]:
    """The scale (px per metre) and each point's place around the pin at the centre."""
    offsets = [_offset(pin, p) for p in points]
    farthest = max((math.hypot(east, north) + p.accuracy_m for (east, north), p in zip(offsets, points)),
                   default=0.0)
    # The square's half-width in metres: the radius with room around it, out to the fixes.
    view = max(radius_m * MIN_VIEW_RADII, min(farthest * 1.1, radius_m * VIEW_RADII))
    scale = HALF / view
    placed = []
    for (east, north), p in zip(offsets, points):
        metres = distance_m(p.lat, p.lon, *pin)
        reach = max(abs(east), abs(north)) * scale
        shrink = HALF / reach if reach > HALF else 1.0  # onto the square's edge, its direction kept
        placed.append(Placed(p, SIZE / 2 + east * scale * shrink, SIZE / 2 - north * scale * shrink, metres,
                             reach > HALF))
    return scale, placed


def fix_map(title: str, pin: tuple[float, float], radius_m: float, points: list[Point],
            distance_words: Callable[[float], str], pin_label: str) -> Markup:
    """`distance_words(metres)` writes a distance in the page's language ("2,3 км")."""
    scale, placed = place(pin, radius_m, points)
    centre = SIZE / 2
    r = radius_m * scale
    parts = [
        f'<svg class="fixes" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" '
        f'height="{SIZE}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect class="plot" x="{centre - HALF:g}" y="{centre - HALF:g}" width="{2 * HALF}" height="{2 * HALF}"/>',
        f'<circle class="radius" cx="{centre:g}" cy="{centre:g}" r="{r:.2f}"/>',
        f'<text class="radius-label" x="{centre:g}" y="{centre - r - 4:.1f}" text-anchor="middle">'
        f"{escape(distance_words(radius_m))}</text>",
        f'<g class="pin"><title>{escape(pin_label)}</title>'
        f'<path d="M{centre:g} {centre - 7:g} L{centre + 5:g} {centre:g} L{centre:g} {centre + 7:g} '
        f'L{centre - 5:g} {centre:g} Z"/></g>',
    ]
    taken: list[tuple[float, float, float, float]] = []  # the labels' boxes so far
    for spot in placed:
        parts.append(_fix(spot, scale, distance_words, taken))
    parts.append("</svg>")
    return Markup("".join(parts))


def _fix(spot: Placed, scale: float, distance_words: Callable[[float], str],
         taken: list[tuple[float, float, float, float]]) -> str:
    p = spot.point
    far = distance_words(spot.metres)
    label = f"{p.label} · {far}" if spot.clamped else p.label
    tip = f"{p.label}: {far}, ±{distance_words(p.accuracy_m)}"
    # Beside the dot, on the side with room for it.
    width = text_width(label) * FONT_PX
    right = spot.x + DOT + 3 + width <= SIZE
    text_x = spot.x + DOT + 3 if right else spot.x - DOT - 3
    text_y = min(max(spot.y + 4, FONT_PX), SIZE - 3)
    left = text_x if right else text_x - width
    # Fixes a few metres apart would write over each other: a label that meets one already
    # written goes a line lower (or higher at the bottom), a few times at most.
    for _ in range(4):
        if not any(left < x2 and x1 < left + width and text_y - FONT_PX < y2 and y1 < text_y
                   for x1, y1, x2, y2 in taken):
            break
        text_y += FONT_PX + 1 if text_y + FONT_PX + 1 <= SIZE - 3 else -(FONT_PX + 1)
    taken.append((left, text_y - FONT_PX, left + width, text_y))
    parts = [f'<g class="fix fix-{escape(p.kind)}{" clamped" if spot.clamped else ""}"><title>{escape(tip)}</title>']
    if not spot.clamped:
        parts.append(f'<circle class="accuracy" cx="{spot.x:.2f}" cy="{spot.y:.2f}" r="{p.accuracy_m * scale:.2f}"/>')
    parts.append(f'<circle class="dot" cx="{spot.x:.2f}" cy="{spot.y:.2f}" r="{DOT}"/>')
    parts.append(f'<text x="{text_x:.1f}" y="{text_y:.1f}" text-anchor="{"start" if right else "end"}">'
                 f"{escape(label)}</text></g>")
    return "".join(parts)


def _offset(pin: tuple[float, float], p: Point) -> tuple[float, float]:
    """Metres east and north of the pin."""
    lat0, lon0 = pin
    dlon = (p.lon - lon0 + 180) % 360 - 180  # the short way round the antimeridian
    east = EARTH_RADIUS_M * math.radians(dlon) * math.cos(math.radians(lat0))
    north = EARTH_RADIUS_M * math.radians(p.lat - lat0)
    return east, north
