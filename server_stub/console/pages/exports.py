"""Exports: the visits of a checklist as CSV or XLSX, filtered by dates, status and
dealership. A download is a GET (it changes nothing), still only for a session."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ... import exports, limits
from ...analytics import DEFAULT_CHECKLIST
from ...queries import visit_list
from ...queries.visit_list import STATUSES, VisitFilter
from ..dealer_field import read_dealer_field
from ..web import NO_STORE, Session, Store, form_day, render, translator

router = APIRouter()
VISIT_COLUMNS = ("uuid", "shopper", "dealer_code", "dealer_name", "dealer_city", "dealer_brand", "checklist",
                 "started", "finalized", "timezone", "status", "revision")
STANDARD_COLUMNS = ("column", "standard", "version", "question", "text", "study_text")


@router.get("/exports", response_class=HTMLResponse)
def export_form(request: Request, store: Store, _session: Session, checklist: str = DEFAULT_CHECKLIST,
                format: str = "xlsx", status: str = "", dealer: str = "", date_from: str = "",
                date_to: str = "") -> HTMLResponse:
    """The form, filled from the address (a dealership picked from words found comes back here)."""
    return _form(request, store, {"checklist": checklist, "format": format, "status": status, "dealer": dealer,
                                  "date_from": date_from, "date_to": date_to}, [])


@router.get("/exports/file", response_class=Response)
async def export_file(request: Request, store: Store, _session: Session, checklist: str = "", format: str = "",
                      status: str = "", dealer: str = "", date_from: str = "", date_to: str = "") -> Response:
    chosen = {"checklist": checklist, "format": format, "status": status, "dealer": dealer,
              "date_from": date_from, "date_to": date_to}
    problems = []
    known = await run_in_threadpool(_checklist_ids, store)
    if checklist not in known:
        problems.append("checklist")
    if format not in exports.FORMATS:
        problems.append("format")
    if status and status not in STATUSES:
        problems.append("status")
    where = VisitFilter(status=status or None, dealer_code=dealer or None, checklist_id=checklist,
                        date_from=form_day(date_from, "date_from", problems),
                        date_to=form_day(date_to, "date_to", problems))
    if where.date_from and where.date_to and where.date_to < where.date_from:
        problems.append("date_order")
    if dealer and (await run_in_threadpool(read_dealer_field, store, dealer)).unresolved:
        problems.append("dealer")
    if problems:
        return await run_in_threadpool(_form, request, store, chosen, problems, 400)

    t = translator(request)
    headings = exports.Headings(
        visit=tuple(t(f"exports.column_{c}") for c in VISIT_COLUMNS),
        statuses={s: t(f"exports.status_{s}") for s in STATUSES}, na=t("exports.na"),
        follow_ups=t("exports.follow_ups"), score=t("exports.score"), total=t("exports.total"),
        flags=t("exports.column_flags"),
        points=t("exports.points"), seconds=t("exports.seconds"), comment=t("exports.comment"),
        older=t("exports.older"), standards_sheet=t("exports.standards_sheet"),
        standards=tuple(t(f"exports.standards_{c}") for c in STANDARD_COLUMNS),
    )
    # Only the columns are made here; the rows are read while the response is sent.
    visits = await run_in_threadpool(exports.table, store, where, headings)
    name = exports.filename(checklist, store.now().date(), format)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE}
    if format == "csv":
        return StreamingResponse(exports.csv_chunks(visits, t.language), media_type="text/csv; charset=utf-8",
                                 headers=headers)
    if not await run_in_threadpool(exports.fits_one_sheet, store, where, visits):
        return await run_in_threadpool(_form, request, store, chosen, ["too_many"], 400)
    standards = await run_in_threadpool(exports.standards_table, store, checklist, headings)
    return StreamingResponse(exports.xlsx_chunks(visits, checklist, standards, headings.standards_sheet),
                             media_type=exports.XLSX_TYPE, headers=headers)


def _checklist_ids(store) -> list[str]:
    with store.db.read() as conn:
        return visit_list.checklist_ids(conn)


def _form(request: Request, store, chosen: dict, problems: list[str], status_code: int = 200) -> HTMLResponse:
    with store.db.read() as conn:
        checklists = visit_list.checklist_ids(conn)
    return render(request, "exports.html", status_code, checklists=checklists, statuses=STATUSES,
                  formats=exports.FORMATS, chosen=chosen, problems=problems, search_max=limits.SEARCH,
                  dealer_field=read_dealer_field(store, chosen["dealer"]),
                  pick_query={k: v for k, v in chosen.items() if v and k != "dealer"})

