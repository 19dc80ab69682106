"""Dealerships: the list (searched and paged on the server: 60,000 of them make one
page of 50), adding one, editing one (its code is its key and stays), deactivating one
after a confirmation that counts the stops it withdraws, or reactivating it, and
importing a CSV in the admin command's columns, all rows or none. The form also says how
far the dealership reaches for its visits' flags (its radius; empty: the default)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from field_app.domain.due import DEFAULT_TIMEZONE

from ... import admin, limits
from ...evidence import DEFAULT_RADIUS_M
from ...dealers_csv import COLUMNS, Flaw, read_dealer
from ...errors import DealerImportError, RowProblem
from ...queries.routes import DealerRow
from ...records import DealerImport
from ..paging import count, page_number
from ..web import Form, Session, Store, redirect, render

router = APIRouter()
RADIUS = "radius_m"  # the form's field beside the dealership's columns

# Russia's time zones, west to east, which the form suggests (any IANA zone is taken).
RUSSIAN_ZONES = (
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Kirov", "Europe/Volgograd", "Europe/Astrakhan", "Europe/Saratov",
    "Europe/Ulyanovsk", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk", "Asia/Novosibirsk", "Asia/Barnaul",
    "Asia/Tomsk", "Asia/Novokuznetsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Chita", "Asia/Yakutsk",
    "Asia/Khandyga", "Asia/Vladivostok", "Asia/Ust-Nera", "Asia/Magadan", "Asia/Sakhalin", "Asia/Srednekolymsk",
    "Asia/Kamchatka", "Asia/Anadyr",
)


@router.get("/dealers", response_class=HTMLResponse)
def dealer_list(request: Request, store: Store, _session: Session, added: str = "", saved: str = "",
                unchanged: str = "", q: str = "", page: str = "", inactive: str = "") -> HTMLResponse:
    said = (("added", added), ("saved", saved), ("nothing_changed", unchanged))
    return _list(request, store, notice=next(((key, code) for key, code in said if code), None), query=q,
                 page=page_number(page), inactive=bool(inactive))


@router.post("/dealers/import", response_class=HTMLResponse)
async def import_csv(request: Request, store: Store, form: Form) -> HTMLResponse:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await run_in_threadpool(_list, request, store, 422, no_file=True)
    data = await upload.read()
    try:
        report = await run_in_threadpool(admin.import_dealers_csv, store, data)
    except DealerImportError as exc:
        return await run_in_threadpool(_list, request, store, 422, problems=exc.rows, filename=upload.filename)
    return await run_in_threadpool(_list, request, store, report=report, filename=upload.filename)


@router.get("/dealers/new", response_class=HTMLResponse)
def new_dealer(request: Request, _session: Session) -> HTMLResponse:
    return _form(request, None, {column: "" for column in COLUMNS} | {"timezone": DEFAULT_TIMEZONE, RADIUS: ""})


@router.post("/dealers/new", response_class=HTMLResponse)
def add_dealer(request: Request, store: Store, form: Form) -> Response:
    values = _typed(form, (*COLUMNS, RADIUS))
    flaws, dealer = read_dealer(values)
    radius_m = _read_radius(values[RADIUS], flaws)
    if dealer is None or flaws:
        return _form(request, None, values, flaws)
    if not admin.add_dealer(store, dealer):
        return _form(request, None, values, [Flaw("code_taken", "code", {"value": dealer.code})])
    admin.set_dealer_radius(store, dealer.code, radius_m)
    return redirect("/dealers", added=dealer.code)


@router.get("/dealers/{code}/edit", response_class=HTMLResponse)
def edit_page(request: Request, store: Store, _session: Session, code: str, deactivated: str = "",
              stops: str = "", reactivated: str = "") -> HTMLResponse:
    row = admin.dealer_row(store, code)
    values = {column: "" if value is None else str(value) for column, value in row.dealer.model_dump().items()}
    values[RADIUS] = "" if row.radius_m is None else f"{row.radius_m:g}"
    notice = ("deactivated_notice", {"stops": count(stops)}) if deactivated else (
        ("reactivated_notice", {}) if reactivated else None)
    return _form(request, code, values, row=row, notice=notice)


@router.get("/dealers/{code}/deactivate", response_class=HTMLResponse)
def deactivate_confirmation(request: Request, store: Store, _session: Session, code: str) -> HTMLResponse:
    row = admin.dealer_row(store, code)
    return render(request, "dealers_deactivate.html", row=row, counts=admin.deactivate_dealer(store, code, dry_run=True))


@router.post("/dealers/{code}/deactivate")
def deactivate(store: Store, _form: Form, code: str) -> Response:
    done = admin.deactivate_dealer(store, code)
    return redirect(f"/dealers/{code}/edit", deactivated=1, stops=done.stops_withdrawn)


@router.post("/dealers/{code}/reactivate")
def reactivate(store: Store, _form: Form, code: str) -> Response:
    admin.reactivate_dealer(store, code)
    return redirect(f"/dealers/{code}/edit", reactivated=1)


@router.post("/dealers/{code}/edit", response_class=HTMLResponse)
def edit_dealer(request: Request, store: Store, form: Form, code: str) -> Response:
    row = admin.dealer_row(store, code)  # an unknown code is a 404 before any form is checked
    values = _typed(form, [c for c in (*COLUMNS, RADIUS) if c != "code"]) | {"code": code}
    flaws, dealer = read_dealer(values)
    radius_m = _read_radius(values[RADIUS], flaws)
    if dealer is None or flaws:
        return _form(request, code, values, flaws, row=row)
    report = admin.edit_dealer(store, dealer)
    moved = admin.set_dealer_radius(store, code, radius_m)
    return redirect("/dealers", **{"saved" if report.updated or moved else "unchanged": code})


def _read_radius(typed: str, flaws: list[Flaw]) -> float | None:
    """The radius typed, in metres (a decimal comma taken); None when empty (the default).
    What is wrong with it is added to `flaws`."""
    typed = typed.strip()
    if not typed:
        return None
    try:
        metres = float(typed.replace(",", "."))
    except ValueError:
        metres = float("nan")
    low, high = limits.RADIUS_M
    if not low <= metres <= high:  # NaN and infinity too
        key = "radius_range" if metres == metres else "not_a_number"
        flaws.append(Flaw(key, RADIUS, {"value": typed[:20], "min": str(low), "max": str(high)}))
        return None
    return metres


def _typed(form: FormData, columns: Iterable[str]) -> dict[str, str]:
    return {column: str(form.get(column) or "") for column in columns}


def _form(request: Request, code: str | None, values: dict[str, str], flaws: Sequence[Flaw] = (), *,
          row: DealerRow | None = None, notice: tuple[str, dict] | None = None) -> HTMLResponse:
    """The add form (`code` None) or the edit form of `code` (`row` as stored); with
    flaws, what was typed comes back with what is wrong said beside its field. A field
    too long to quote back comes back empty."""
    by_column: dict[str, list[Flaw]] = {}
    for flaw in flaws:
        by_column.setdefault(flaw.column, []).append(flaw)
    shown = {c: ("" if any(f.key == "too_long" for f in by_column.get(c, ())) else v) for c, v in values.items()}
    return render(request, "dealers_form.html", 422 if flaws else 200, code=code, values=shown,
                  flaws=by_column, columns=COLUMNS, zones=zone_offsets(RUSSIAN_ZONES), row=row, notice=notice,
                  limits=limits.DEALER, radius_limits=limits.RADIUS_M, default_radius=f"{DEFAULT_RADIUS_M:g}")


def zone_offsets(zones: Iterable[str], at: datetime | None = None) -> list[tuple[str, str, str]]:
    """Each zone with its offsets from UTC and from Moscow ("+10", "+7"), to suggest it by."""
    at = at or datetime.now(timezone.utc)
    moscow = _offset(at, DEFAULT_TIMEZONE)
    return [(zone, _hours(_offset(at, zone)), _hours(_offset(at, zone) - moscow)) for zone in zones]


def _offset(at: datetime, zone: str) -> timedelta:
    return at.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)


def _hours(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _list(request: Request, store: Store, status_code: int = 200, *, notice: tuple[str, str] | None = None,
          report: DealerImport | None = None, problems: Sequence[RowProblem] = (), filename: str = "",
          no_file: bool = False, query: str = "", page: int = 1, inactive: bool = False) -> HTMLResponse:
    listing = admin.dealer_page(store, query, page, include_inactive=inactive)
    return render(request, "dealers.html", status_code, listing=listing, query=query.strip()[:limits.SEARCH],
                  inactive=inactive, search_max=limits.SEARCH, notice=notice, report=report, problems=problems,
                  filename=filename, no_file=no_file)
