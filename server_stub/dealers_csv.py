"""Reading a CSV of dealerships: every bad row found before anything is written.

Columns (header row required, any order): code, name, brand, city, address, phone, lat,
lon; only code and name are required. Comma or semicolon separated (spreadsheets in
Russian locales write semicolons), UTF-8 with or without a BOM.
"""

from __future__ import annotations

import csv
import io
import math
import re

from field_app.domain.route import Dealership

from .errors import DealerImportError, RowProblem

COLUMNS = ("code", "name", "brand", "city", "address", "phone", "lat", "lon")
REQUIRED = ("code", "name")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def parse_dealers(data: bytes | str) -> list[Dealership]:
    """Every row as a Dealership, or DealerImportError listing every bad row by line."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DealerImportError([RowProblem(1, f"the file is not UTF-8 text ({exc.reason})")]) from None
    first_line = data.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(data, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise DealerImportError([RowProblem(1, "the file is empty; its first row must name the columns")]) from None
    _check_header(header)

    dealers: list[Dealership] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(RowProblem(start, f"has {len(row)} fields, the header has {len(header)}"))
            continue
        values = {name: cell.strip() for name, cell in zip(header, row)}
        row_problems, dealer = _dealer(values)
        if dealer is not None and dealer.code in seen:
            row_problems.append(f"code {dealer.code!r} is also on line {seen[dealer.code]}")
        if row_problems:
            problems.append(RowProblem(start, "; ".join(row_problems)))
        elif dealer is not None:
            seen[dealer.code] = start
            dealers.append(dealer)
    if problems:
        raise DealerImportError(problems)
    return dealers


def _check_header(header: list[str]) -> None:
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    twice = sorted({h for h in header if header.count(h) > 1})
    messages = []
    if missing:
        messages.append(f"the header row must name the columns {', '.join(REQUIRED)} (missing: {', '.join(missing)})")
    if unknown:
        messages.append(f"unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
    if twice:
        messages.append(f"column(s) named twice: {', '.join(twice)}")
    if messages:
        raise DealerImportError([RowProblem(1, "; ".join(messages))])


def _dealer(values: dict[str, str]) -> tuple[list[str], Dealership | None]:
    problems = []
    code, name = values.get("code", ""), values.get("name", "")
    if not code:
        problems.append("code is empty")
    elif not CODE.match(code):
        problems.append(f"code {code!r} may only have letters, digits, '_', '.', '-' (at most 64)")
    if not name:
        problems.append("name is empty")
    lat = _coordinate(values.get("lat", ""), 90, "lat", problems)
    lon = _coordinate(values.get("lon", ""), 180, "lon", problems)
    if (lat is None) != (lon is None) and not problems:
        problems.append("lat and lon go together: give both or neither")
    if problems:
        return problems, None
    return [], Dealership(
        code=code, name=name, brand=values.get("brand", ""), city=values.get("city", ""),
        address=values.get("address", ""), phone=values.get("phone", ""), lat=lat, lon=lon,
    )


def _coordinate(text: str, limit: float, field: str, problems: list[str]) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        problems.append(f"{field} {text!r} is not a number")
        return None
    if not math.isfinite(value) or abs(value) > limit:
        problems.append(f"{field} {text!r} is not between -{limit:g} and {limit:g}")
        return None
    return value
