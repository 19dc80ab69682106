"""Reading dealerships from a CSV or a form: every bad row found before anything is written.

Columns (header row required, any order): code, name, brand, city, address, phone, lat,
lon, timezone; only code and name are required. `timezone` is the dealership's IANA time
zone (its follow-ups count working days there), Europe/Moscow when empty or absent.
Comma or semicolon separated (spreadsheets in Russian locales write semicolons), UTF-8
with or without a BOM.

What is wrong is said as `Flaw`s: a key and its values, which the CLI words in English
(`RowProblem.message`) and the console in the coordinator's language.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import available_timezones

from field_app.domain.due import DEFAULT_TIMEZONE
from field_app.domain.route import Dealership

from . import limits
from .errors import DealerImportError, RowProblem

COLUMNS = ("code", "name", "brand", "city", "address", "phone", "lat", "lon", "timezone")
REQUIRED = ("code", "name")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
NOT_PLACES = {"localtime", "Factory"}

ENGLISH = {
    "not_utf8": "the file is not UTF-8 text ({reason})",
    "empty_file": "the file is empty; its first row must name the columns",
    "missing_columns": "the header row must name the columns {required} (missing: {missing})",
    "unknown_columns": "unknown column(s) {unknown}; the columns are {columns}",
    "columns_twice": "column(s) named twice: {twice}",
    "field_count": "has {count} fields, the header has {expected}",
    "code_empty": "code is empty",
    "code_bad": "code '{value}' may only have letters, digits, '_', '.', '-' (at most 64)",
    "code_twice": "code '{value}' is also on line {line}",
    "name_empty": "name is empty",
    "not_a_number": "{column} '{value}' is not a number",
    "out_of_range": "{column} '{value}' is not between -{limit} and {limit}",
    "lat_lon_pair": "lat and lon go together: give both or neither",
    "timezone_bad": "timezone '{value}' is not an IANA time zone such as Europe/Moscow or Asia/Vladivostok",
    "too_long": "{column} has {length} characters, at most {max} are taken",
}


@dataclass(frozen=True)
class Flaw:
    """One thing wrong with a file, a row or a form field (`column`, when one is at fault)."""

    key: str
    column: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def english(self) -> str:
        return ENGLISH[self.key].format(column=self.column, **self.values)


@dataclass(frozen=True)
class RowFlaws(RowProblem):
    """A bad line of the file, with its flaws for a reader in another language."""

    flaws: tuple[Flaw, ...] = ()


def row_problem(line: int, flaws: list[Flaw]) -> RowFlaws:
    return RowFlaws(line, "; ".join(f.english() for f in flaws), tuple(flaws))


def parse_dealers(data: bytes | str) -> list[Dealership]:
    """Every row as a Dealership, or DealerImportError listing every bad row by line."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DealerImportError([row_problem(1, [Flaw("not_utf8", values={"reason": exc.reason})])]) from None
    first_line = data.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(data, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise DealerImportError([row_problem(1, [Flaw("empty_file")])]) from None
    header_flaws = _header_flaws(header)
    if header_flaws:
        raise DealerImportError([row_problem(1, header_flaws)])

    dealers: list[Dealership] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            counts = {"count": str(len(row)), "expected": str(len(header))}
            problems.append(row_problem(start, [Flaw("field_count", values=counts)]))
            continue
        flaws, dealer = read_dealer({name: cell for name, cell in zip(header, row)})
        if dealer is not None and dealer.code in seen:
            flaws.append(Flaw("code_twice", "code", {"value": dealer.code, "line": str(seen[dealer.code])}))
        if flaws:
            problems.append(row_problem(start, flaws))
        elif dealer is not None:
            seen[dealer.code] = start
            dealers.append(dealer)
    if problems:
        raise DealerImportError(problems)
    return dealers


def _header_flaws(header: list[str]) -> list[Flaw]:
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    twice = sorted({h for h in header if header.count(h) > 1})
    flaws = []
    if missing:
        flaws.append(Flaw("missing_columns", values={"required": ", ".join(REQUIRED), "missing": ", ".join(missing)}))
    if unknown:
        flaws.append(Flaw("unknown_columns", values={"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)}))
    if twice:
        flaws.append(Flaw("columns_twice", values={"twice": ", ".join(twice)}))
    return flaws


def read_dealer(values: dict[str, str]) -> tuple[list[Flaw], Dealership | None]:
    """A dealership from a row or a form's fields (by column name), or what is wrong with it."""
    values = {name: text.strip() for name, text in values.items()}
    flaws = [Flaw("too_long", name, {"length": str(len(text)), "max": str(limits.DEALER[name])})
             for name, text in values.items() if name in limits.DEALER and len(text) > limits.DEALER[name]]
    if flaws:  # not read further: a 5,000-character cell is not worth quoting back
        return flaws, None
    code, name = values.get("code", ""), values.get("name", "")
    if not code:
        flaws.append(Flaw("code_empty", "code"))
    elif not CODE.match(code):
        flaws.append(Flaw("code_bad", "code", {"value": code}))
    if not name:
        flaws.append(Flaw("name_empty", "name"))
    lat = _coordinate(values.get("lat", ""), 90, "lat", flaws)
    lon = _coordinate(values.get("lon", ""), 180, "lon", flaws)
    if (lat is None) != (lon is None) and not flaws:
        flaws.append(Flaw("lat_lon_pair", "lon" if lon is None else "lat"))
    zone = values.get("timezone", "")
    known_zone = time_zone(zone) if zone else DEFAULT_TIMEZONE
    if known_zone is None:
        flaws.append(Flaw("timezone_bad", "timezone", {"value": zone}))
    if flaws:
        return flaws, None
    return [], Dealership(
        code=code, name=name, brand=values.get("brand", ""), city=values.get("city", ""),
        address=values.get("address", ""), phone=values.get("phone", ""), lat=lat, lon=lon,
        timezone=known_zone,
    )


def time_zone(name: str) -> str | None:
    """The IANA time zone `name` names, spelt as the time zone database spells it
    ("asia/vladivostok" is Asia/Vladivostok), or None when there is no such zone."""
    return _zones().get(name.strip().casefold())


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    # zoneinfo's own list (the system's database and the tzdata package): a name that
    # merely opens a file there, such as "Europe" (a folder), is not a zone. "localtime"
    # is this machine's zone and "Factory" no place's.
    return {zone.casefold(): zone for zone in available_timezones() if zone not in NOT_PLACES}


def _coordinate(text: str, limit: int, column: str, flaws: list[Flaw]) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        flaws.append(Flaw("not_a_number", column, {"value": text}))
        return None
    if not math.isfinite(value) or abs(value) > limit:
        flaws.append(Flaw("out_of_range", column, {"value": text, "limit": str(limit)}))
        return None
    return value
