"""The pull half of a run: the route and what it needs, from the server into the store.

Everything is fetched and checked before anything is saved, so a checklist that fails its
sha256 leaves the store as it was. The cursor is saved last: a run cut in the middle of
saving pulls the same changes again next time, and each save is harmless to repeat.

A checklist this version of the app cannot read (written for a newer one: a new question
type or field) is left out, not the pull: the rest of the route still arrives, and Today
says to update the app for the stops that need it. The cursor then stays where it was, so
every pull offers that checklist again and the updated app takes it.

The server is told which checklists those are (once per change, `[]` once the app reads
them all), so the coordinator sees whose app needs updating. Telling it is not worth a
failed run: a server too old for it, or a network that fails then, leaves it for the next
pull.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from field_app.domain.canonical import checklist_sha256
from field_app.domain.checklist import Checklist
from field_app.domain.errors import InvalidCalendarError
from field_app.domain.records import VisitStatus
from field_app.domain.sync_messages import (
    MAX_UNREADABLE_REPORTED,
    CalendarDecree,
    ChecklistStamp,
    PullResponse,
    ReturnedVisit,
)
from field_app.domain.workdays import CalendarYear, parse_year
from field_app.store import Store

from . import state
from .api import ApiClient
from .errors import (
    NetworkError,
    PairingRevokedError,
    ServerRefusedError,
    UnexpectedResponseError,
    UnreadableChecklistError,
)
from .retry import Backoff

log = logging.getLogger(__name__)


@dataclass
class PullResult:
    """What a pull changed on the phone."""

    assignments: int = 0
    dropped: list[str] = field(default_factory=list)
    checklists: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)
    calendar: list[int] = field(default_factory=list)  # production calendar years new or changed
    unreadable: list[str] = field(default_factory=list)  # "id@version" of checklists left out


def pull(store: Store, api: ApiClient, backoff: Backoff, now: datetime) -> PullResult:
    response = backoff.call(lambda: api.pull(state.cursor(store)))
    result = PullResult(assignments=len(response.assignments))
    fetched = []
    for stamp in response.checklists:
        try:
            fetched.append(_fetch(store, api, backoff, stamp))
        except UnreadableChecklistError as exc:
            log.warning("checklist %s@%s left out: %s", stamp.id, stamp.version, exc.message)
            result.unreadable.append(f"{stamp.id}@{stamp.version}")
    years = _calendar_years(response.calendar)
    for checklist in fetched:
        if checklist is not None:
            store.save_checklist(checklist)
            result.checklists.append(f"{checklist.id}@{checklist.version}")
    try:
        store.save_route(response.dealerships, response.assignments)
    except sqlite3.IntegrityError as exc:  # one transaction: nothing of the route was kept
        raise UnexpectedResponseError(
            "unexpected_response", f"the route names a dealership neither sent nor on this phone ({exc})", None,
        ) from exc
    result.dropped = store.drop_assignments(response.removed_assignments)
    # Every imported year comes with every pull; only a new or changed one is written.
    result.calendar = store.save_calendar(years)
    result.returned = _mark_returned(store, response)
    # A server older than approvals sends none: the phone then keeps photos by age alone.
    result.approved = store.mark_approved([(a.visit_uuid, a.revision) for a in response.approved])
    state.save_cursor(store, None if result.unreadable else response.cursor, now)
    _report_unreadable(store, api, result.unreadable)
    return result


def _report_unreadable(store: Store, api: ApiClient, unreadable: list[str]) -> None:
    checklists = sorted(set(unreadable))[:MAX_UNREADABLE_REPORTED]
    if checklists == state.unreadable_reported(store):
        return
    try:
        api.report_unreadable(checklists)
    except PairingRevokedError:
        raise  # the run unpairs the phone, as for any request
    except (NetworkError, ServerRefusedError) as exc:
        # 404/405: a server older than the report. Anything else: the next pull tries again.
        log.warning("checklists this app cannot open not reported (%s): %s", exc.code, exc.message)
        return
    state.save_unreadable_reported(store, checklists)


def _fetch(store: Store, api: ApiClient, backoff: Backoff, stamp: ChecklistStamp) -> Checklist | None:
    """The checklist a stamp names, or None when the store already holds exactly it."""
    name = f"{stamp.id}@{stamp.version}"
    stored = store.stored_checklist_sha256(stamp.id, stamp.version)
    if stored == stamp.sha256:
        return None
    if stored is not None:
        raise UnexpectedResponseError(
            "checklist_mismatch",
            f"the server's {name} (sha256 {stamp.sha256[:12]}) differs from the one on this phone "
            f"(sha256 {stored[:12]}); a published version never changes",
            None,
        )
    checklist = backoff.call(lambda: api.checklist(stamp.id, stamp.version))
    got = checklist_sha256(checklist)
    if (checklist.id, checklist.version) != (stamp.id, stamp.version) or got != stamp.sha256:
        raise UnexpectedResponseError(
            "checklist_mismatch",
            f"the checklist served as {name} is {checklist.id}@{checklist.version} with sha256 "
            f"{got[:12]}, not the sha256 {stamp.sha256[:12]} the route names",
            None,
        )
    return checklist


def _calendar_years(decrees: list[CalendarDecree]) -> list[CalendarYear]:
    """The years the phone can read. One it cannot (a newer server's format) is left out,
    not the pull: without its decree the year still follows the Labour Code's holidays,
    and the route must still arrive."""
    years = []
    for decree in decrees:
        try:
            years.append(parse_year(decree.model_dump()))
        except InvalidCalendarError as exc:
            log.warning("calendar year %s left out: %s", decree.year, exc)
    return years


def _mark_returned(store: Store, response: PullResponse) -> list[str]:
    visits = {summary.uuid: summary for summary in store.visits()}
    marked = []
    for returned in response.returned:
        summary = visits.get(returned.visit_uuid)
        # A return of an older revision than the phone's (already corrected) is stale.
        if summary is None or summary.revision != returned.revision:
            continue
        if summary.status in (VisitStatus.FINALIZED, VisitStatus.SYNCED):
            _mark(store, returned)
            marked.append(returned.visit_uuid)
    return marked


def _mark(store: Store, returned: ReturnedVisit) -> None:
    store.mark_returned(returned.visit_uuid, comment=returned.comment, at=returned.returned_at)
