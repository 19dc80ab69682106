"""Routes: the week board of the shoppers (searched and paged on the server), and one
shopper's day, where stops are added (the dealership by its code, or picked among the
matches of words typed), put in order and withdrawn (after a confirmation)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

import base64
import binascii

from starlette.datastructures import UploadFile

from ... import limits, planning, route_import, week_copy
from ...errors import UnknownAssignmentError
from ...route_import import RouteImportError
from ...planning import StopInput, StopInputError
from ..paging import page_number
from ..web import Form, Session, Store, redirect, render

router = APIRouter()
# Days a route may be planned on; further out, paging a week or looking 30 days around
# would run off the calendar.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


@router.get("/routes", response_class=HTMLResponse)
async def week_page(request: Request, store: Store, _session: Session, week: str = "", q: str = "",
                    page: str = "", imported: str = "", shoppers: str = "", copied: str = "",
                    skipped: str = "") -> HTMLResponse:
    chosen = _parse_day(week)
    board = await run_in_threadpool(planning.week_board, store, chosen or store.now().date(), q, page_number(page))
    return render(request, "routes_week.html", board=board, today=store.now().date(), repeat_days=planning.REPEAT_DAYS,
                  bad_week=bool(week) and chosen is None, search_max=limits.SEARCH,
                  imported=imported if imported.isdigit() else "", imported_shoppers=shoppers if shoppers.isdigit() else "",
                  copied=copied if copied.isdigit() else "", copy_skipped=skipped if skipped.isdigit() else "0",
                  previous=board.monday - timedelta(days=7), following=board.monday + timedelta(days=7))


@router.get("/routes/import", response_class=HTMLResponse)
async def import_page(request: Request, _session: Session) -> HTMLResponse:
    return _import_page(request)


@router.post("/routes/import", response_class=HTMLResponse)
async def import_check(request: Request, store: Store, form: Form) -> HTMLResponse:
    """The uploaded file checked, nothing saved: its errors by line, or its warnings and
    a button that saves it (the file travels back in the form)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(request, 422, no_file=True)
    data = await upload.read()
    try:
        checked = await run_in_threadpool(route_import.check_routes, store, data, upload.filename)
    except RouteImportError as exc:
        return _import_page(request, 422, problems=exc.rows, filename=upload.filename)
    return _import_page(request, checked=checked, filename=upload.filename,
                  data=base64.b64encode(data).decode("ascii"))


def _import_page(request: Request, status: int = 200, **context) -> HTMLResponse:
    defaults = {"no_file": False, "problems": [], "checked": None, "filename": "", "data": ""}
    return render(request, "routes_import.html", status, **(defaults | context))


@router.post("/routes/import/save", response_class=HTMLResponse)
async def import_save(request: Request, store: Store, form: Form) -> Response:
    filename = _field(form, "filename")
    try:
        data = base64.b64decode(_field(form, "data"), validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400) from None
    try:
        report = await run_in_threadpool(route_import.import_routes, store, data, filename)
    except RouteImportError as exc:  # the routes changed since the check
        return _import_page(request, 422, problems=exc.rows, filename=filename)
    first = report.first_day or store.now().date()
    return redirect("/routes", week=first.isoformat(), imported=report.stops, shoppers=report.shoppers)


@router.get("/routes/copy", response_class=HTMLResponse)
async def copy_preview(request: Request, store: Store, _session: Session, week: str = "",
                       shopper: str = "") -> HTMLResponse:
    """What copying the week to the next would copy and skip; nothing saved yet."""
    chosen = _parse_day(week) or store.now().date()
    preview = await run_in_threadpool(week_copy.copy_week, store, chosen, shopper or None, dry_run=True)
    return render(request, "routes_copy.html", copy=preview, shopper=shopper)


@router.post("/routes/copy")
async def copy_save(store: Store, form: Form) -> Response:
    chosen = _parse_day(_field(form, "week"))
    if chosen is None:
        raise HTTPException(400)
    done = await run_in_threadpool(week_copy.copy_week, store, chosen, _field(form, "shopper") or None)
    return redirect("/routes", week=done.target_monday.isoformat(), copied=done.copied,
                    skipped=len(done.skipped))


@router.get("/routes/{shopper_id}/{day}", response_class=HTMLResponse)
async def day_page(request: Request, store: Store, _session: Session, shopper_id: str, day: str,
                   added: str = "", removed: str = "", gone: str = "", find: str = "",
                   pick: str = "") -> HTMLResponse:
    typed = StopInput(pick=pick, dealer=pick) if pick else None
    return await _day(request, store, shopper_id, _day_or_404(day), added=added, removed=bool(removed),
                      gone=bool(gone), find=find, typed=typed)


@router.post("/routes/{shopper_id}/{day}")
async def add_stop(request: Request, store: Store, form: Form, shopper_id: str, day: str) -> Response:
    on = _day_or_404(day)
    typed = StopInput(**{name: _field(form, name)
                         for name in ("dealer", "checklist", "version", "window", "note", "pick")})
    try:
        confirm = _field(form, "confirm") == "1"
        planned = await run_in_threadpool(planning.add_stop, store, shopper_id, on, typed, confirm,
                                          confirm or _field(form, "warned") == "1",
                                          confirm or _field(form, "past_seen") == "1")
    except StopInputError as refused:
        return await _day(request, store, shopper_id, on, typed=typed, problems=refused.problems,
                          choices=refused.dealer_choices)
    return redirect(f"/routes/{shopper_id}/{on}", added=planned.assignment_id)


@router.post("/routes/{shopper_id}/{day}/move/{stop_id}")
async def move_stop(store: Store, form: Form, shopper_id: str, day: str, stop_id: str) -> Response:
    on = _day_or_404(day)
    step = {"up": -1, "down": 1}.get(_field(form, "direction"))
    if step is None:
        raise HTTPException(400)
    try:
        await run_in_threadpool(planning.move_stop, store, shopper_id, on, stop_id, step)
    except UnknownAssignmentError:
        return redirect(f"/routes/{shopper_id}/{on}", gone=1)
    return redirect(f"/routes/{shopper_id}/{on}")


@router.post("/routes/{shopper_id}/{day}/sort")
async def sort_stops(store: Store, form: Form, shopper_id: str, day: str) -> Response:
    on = _day_or_404(day)
    await run_in_threadpool(planning.sort_by_time, store, shopper_id, on)
    return redirect(f"/routes/{shopper_id}/{on}")


@router.get("/routes/{shopper_id}/{day}/remove/{stop_id}", response_class=HTMLResponse)
async def confirm_removal(request: Request, store: Store, _session: Session, shopper_id: str, day: str,
                          stop_id: str) -> Response:
    on = _day_or_404(day)
    try:
        stop, shopper = await run_in_threadpool(planning.stop_of, store, shopper_id, on, stop_id)
    except UnknownAssignmentError:
        return redirect(f"/routes/{shopper_id}/{on}", gone=1)
    return render(request, "routes_remove.html", stop=stop, shopper=shopper)


@router.post("/routes/{shopper_id}/{day}/remove/{stop_id}")
async def remove_stop(store: Store, form: Form, shopper_id: str, day: str, stop_id: str) -> Response:
    on = _day_or_404(day)
    try:
        await run_in_threadpool(planning.remove_stop, store, shopper_id, on, stop_id)
    except UnknownAssignmentError:  # already withdrawn: the confirmation was sent twice
        return redirect(f"/routes/{shopper_id}/{on}", gone=1)
    return redirect(f"/routes/{shopper_id}/{on}", removed=1)


async def _day(request: Request, store, shopper_id: str, on: date, *, typed: StopInput | None = None,
               problems: list | None = None, choices: list | None = None, added: str = "", removed: bool = False,
               gone: bool = False, find: str = "") -> HTMLResponse:
    plan = await run_in_threadpool(planning.day_plan, store, shopper_id, on)
    if plan is None:
        raise HTTPException(404)
    picks, matching = await run_in_threadpool(planning.dealer_picks, store, plan.shopper, on, find)
    chosen = planning.chosen_dealer(typed) if typed else ""
    picked = await run_in_threadpool(planning.picked, store, plan.shopper, on, chosen) if chosen else None
    return render(
        request, "routes_day.html", 422 if problems else 200, plan=plan, typed=typed or StopInput(),
        find=find, picks=picks, matching=matching, picked=picked,
        overlap=any(p.key == "window_overlap" or p.field == "confirm" for p in problems or []),
        problems=problems or [], choices=choices or [], max_note=planning.MAX_NOTE, search_max=limits.SEARCH, added=added if any(s.id == added for s in plan.stops) else "", removed=removed,
        gone=gone, previous=on - timedelta(days=1), following=on + timedelta(days=1),
        repeat_days=planning.REPEAT_DAYS,
        out_of_time_order=planning.time_order(plan.stops) != [s.id for s in plan.stops],
        versions_list="; ".join(f"{cid} {', '.join(map(str, v))}" for cid, v in plan.checklists.items()),
    )


def _field(form, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _parse_day(text: str) -> date | None:
    try:
        on = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return on if on and FIRST_DAY <= on <= LAST_DAY else None


def _day_or_404(text: str) -> date:
    on = _parse_day(text)
    if on is None:
        raise HTTPException(404)
    return on
