"""The list of visits, filtered and a page at a time."""

from __future__ import annotations


from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from ...queries import accounts, routes, visit_list
from ...queries.visit_list import STATUSES, VisitFilter
from ..web import Session, Store, form_day, render

router = APIRouter()
PAGE_SIZE = 50


@router.get("/visits", response_class=HTMLResponse)
async def visit_list_page(request: Request, store: Store, _session: Session,
                          status: str = "", dealer: str = "", shopper: str = "", checklist: str = "",
                          date_from: str = "", date_to: str = "", after: str = "") -> HTMLResponse:
    problems: list[str] = []
    where = VisitFilter(
        status=status if status in STATUSES else None, dealer_code=dealer or None, shopper_id=shopper or None,
        checklist_id=checklist or None,
        date_from=form_day(date_from, "date_from", problems), date_to=form_day(date_to, "date_to", problems),
    )

    def read():
        with store.db.read() as conn:
            return (visit_list.page(conn, where, after or None, PAGE_SIZE), visit_list.count(conn, where),
                    accounts.list_shoppers(conn), routes.dealerships(conn), visit_list.checklist_ids(conn))

    rows, total, shoppers, dealers, checklists = await run_in_threadpool(read)
    return render(
        request, "visits.html", rows=rows, total=total, shoppers=shoppers, dealers=dealers, checklists=checklists,
        statuses=STATUSES, problems=problems,
        chosen={"status": status, "dealer": dealer, "shopper": shopper, "checklist": checklist,
                "date_from": date_from, "date_to": date_to},
        next_after=rows[-1].key if len(rows) == PAGE_SIZE else None,
    )

