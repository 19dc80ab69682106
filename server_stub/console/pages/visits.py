"""The lists of visits, filtered and a page at a time: the review queue ("К проверке", the
visits waiting for a verdict, the one waiting longest first; shown first whenever any
waits) and every visit, newest first. From the queue, several visits are approved at
once: chosen by their checkboxes, confirmed on a page of their own."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ... import admin, limits, reviewing
from ...evidence import CODES
from ...queries.visit_list import STATUSES, WAITING
from ..dealer_field import read_dealer_field
from ..listing import ListChoice
from ..web import Form, Session, Store, redirect, render

router = APIRouter()
PAGE_SIZE = 50


@router.get("/visits", response_class=HTMLResponse)
async def visit_list_page(request: Request, store: Store, _session: Session,
                          after: str = "", select: str = "") -> HTMLResponse:
    params = request.query_params
    chosen = ListChoice.read(params)
    problems: list[str] = []
    where = chosen.where(problems)

    def read():
        waiting = reviewing.waiting_count(store, where)
        view = chosen.view or ("review" if waiting and not chosen.status else "all")
        listing = chosen.with_view(view)
        shown = reviewing.list_page(store, listing.visit_list(), after or None, PAGE_SIZE,
                                    total=waiting if view == "review" else None)
        named = reviewing.visits_listed(store, [u for f in ("changed", "skipped", "flagged")
                                                for u in params.get(f, "").split(",") if u])
        return (listing, waiting, shown, {row.uuid: row for row in named}, admin.list_shoppers(store),
                read_dealer_field(store, chosen.dealer), reviewing.checklist_ids(store))

    listing, waiting, shown, named, shoppers, dealer_field, checklists = await run_in_threadpool(read)
    return render(
        request, "visits.html", rows=shown.rows, total=shown.total, waiting=waiting, view=listing.view,
        shoppers=shoppers, dealer_field=dealer_field, search_max=limits.SEARCH,
        pick_query={k: v for k, v in listing.query().items() if k != "dealer"},
        checklists=checklists, statuses=STATUSES, flag_codes=CODES, problems=problems,
        chosen=listing, list_query=listing.query(), filters=listing.filters(), after=after, select_all=select == "all",
        next_after=shown.next_after, report=_report(params, named),
    )


@router.post("/visits/approve")
def approve_selected(request: Request, store: Store, session: Session, form: Form) -> Response:
    """Two steps: the chosen visits and their count to confirm, then the verdicts."""
    listing = ListChoice.read(form).with_view("review")
    chosen = _chosen(form.getlist("visit"))
    if form.get("confirm") != "yes" or not chosen:
        revisions = dict(chosen)
        rows = reviewing.visits_listed(store, list(revisions))
        # Those changed since the list was drawn are shown apart, and not sent on; so are
        # the flagged ones, approved one by one with a comment (reviewing.needs_comment).
        current = [r for r in rows if r.status == WAITING and r.revision == revisions[r.uuid]]
        flagged = reviewing.flagged_of(store, [(r.uuid, r.revision) for r in current])
        return render(request, "visits_approve.html", 200 if rows else 400,
                      ready=[r for r in current if r.uuid not in flagged],
                      flagged=[r for r in current if r.uuid in flagged],
                      left=[r for r in rows if r not in current], chosen=revisions, list_query=listing.query())
    done = reviewing.approve_selected(store, chosen, session.username)
    return redirect("/visits", **listing.query(), approved=str(len(done.approved)),
                    changed=",".join(done.changed), skipped=",".join(done.reviewed), flagged=",".join(done.flagged))


def _chosen(values: list) -> list[tuple[str, int]]:
    """The checkboxes' "uuid:revision" values; anything else is not a choice."""
    pairs = []
    for value in values:
        uuid, _, number = value.rpartition(":") if isinstance(value, str) else ("", "", "")
        if uuid and number.isascii() and number.isdigit() and len(number) <= 18:
            pairs.append((uuid, int(number)))
    return list(dict.fromkeys(pairs))[:reviewing.MAX_SELECTED]


def _report(params, named: dict) -> dict | None:
    """What approving several did, as the redirect after it said: how many were approved,
    and which were left and why."""
    approved = params.get("approved", "")
    if not (approved.isascii() and approved.isdigit() and len(approved) <= 6):
        return None
    return {"approved": int(approved),
            "changed": [named[u] for u in params.get("changed", "").split(",") if u in named],
            "skipped": [named[u] for u in params.get("skipped", "").split(",") if u in named],
            "flagged": [named[u] for u in params.get("flagged", "").split(",") if u in named]}
