"""A visit's summary: what the console lists, sorts, filters and counts of it, worked out
from its latest revision when that arrives, not each time a page is drawn.

Beside the summary columns, each visit keeps its standards met (`visit_standards`: item
key -> met, an item's key being one standard across the versions of its checklist,
`standards.py`) and their count (`visits.standards_met` of `standards_counted`). The tally
(`month_tally`) sums them over all dealerships per checklist, month and status. Every
visit with a dealership is in it under its status: the analytics choose which statuses they
count (approved ones by default), so a review moves the visit's rows from one status to
another (`uncount`, then `count`), read from what the visit keeps, without scoring it again.

A visit's month is the month of its start on its dealership's wall clock
(`visits.local_month`, `local_month`; Moscow's zone for a visit without a dealership, as
the exports write its times): a visit in Vladivostok on 1 March at 08:00 is a March visit,
though it began on the last day of February in UTC. It is worked out when the revision
arrives, and again for a dealership's visits when its time zone changes (`move_months`).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from field_app.domain.checklist import Checklist
from field_app.domain.due import zone_or_default
from field_app.domain.records import VisitRevision
from field_app.domain.revision_check import score_revision, standards_met

from .queries import summaries as q
from .standards import key_of


@dataclass(frozen=True)
class VisitSummary:
    dealer_code: str | None
    checklist_id: str
    checklist_version: int
    started_at: datetime
    finalized_at: datetime
    got: float
    out_of: float
    sections: dict[str, tuple[float, float]]
    standards: dict[str, bool]  # the item's key (`standards.key_of`) -> met, for the items that counted
    month: str  # "YYYY-MM": the month of `started_at` in the dealership's time zone (`local_month`)


def summarize(checklist: Checklist, revision: VisitRevision, dealer_code: str | None,
              timezone: str | None = None) -> VisitSummary:
    """`timezone`: the dealership's (None: Moscow's)."""
    score = score_revision(checklist, revision)
    return VisitSummary(
        dealer_code=dealer_code, checklist_id=revision.checklist.id, checklist_version=revision.checklist.version,
        started_at=revision.started_at, finalized_at=revision.finalized_at,
        got=score.total.got, out_of=score.total.out_of,
        sections={sid: (s.got, s.out_of) for sid, s in score.sections.items()},
        standards=_by_key(checklist, standards_met(score)), month=local_month(revision.started_at, timezone),
    )


def at_dealership(summary: VisitSummary, dealer_code: str | None, timezone: str | None) -> VisitSummary:
    """The summary of a visit found to be at this dealership, in this time zone."""
    return dataclasses.replace(summary, dealer_code=dealer_code, month=local_month(summary.started_at, timezone))


def local_month(at: datetime, timezone: str | None) -> str:
    """"YYYY-MM" of the moment on the wall clock of the time zone (an IANA name; None, or a
    name that is not a zone, counts in Moscow's, as the exports do). A moment whose local
    day no date can hold (past 9999-12-31) keeps its UTC month."""
    try:
        at = at.astimezone(zone_or_default(timezone))
    except OverflowError:
        pass
    return at.date().isoformat()[:7]


def _by_key(checklist: Checklist, met: dict[str, bool]) -> dict[str, bool]:
    """Item id -> met turned into key -> met: the tally counts a standard across versions."""
    items = {x.id: x for x in [*checklist.questions(), *checklist.follow_ups]}
    found: dict[str, bool] = {}
    for item_id, ok in met.items():
        key = key_of(checklist.version, items[item_id])
        found[key] = found.get(key, True) and ok  # one key per version (rules.py): this only guards
    return found


def record(conn: Connection, uuid: str, summary: VisitSummary) -> None:
    """The summary of the visit's new latest revision, kept and counted under the visit's
    status; the one it replaces must have been `uncount`ed first."""
    q.save_summary(conn, uuid, summary)
    count(conn, uuid)


def count(conn: Connection, uuid: str) -> None:
    """Put the visit's latest revision in the tally, under its status and month."""
    q.add_to_tally(conn, q.visit_tally(conn, uuid), 1)


def uncount(conn: Connection, uuid: str) -> None:
    """Take the visit's latest revision out of the tally (before its status or revision changes)."""
    q.add_to_tally(conn, q.visit_tally(conn, uuid), -1)


def move_months(conn: Connection, dealer_code: str) -> int:
    """After the dealership's time zone changed: each of its visits in the month of its start
    in the new zone, moved in the tally; how many visits changed month. Run in the
    transaction that changed the zone (a revision arriving there meanwhile waits for it:
    `queries.summaries.dealer_zone`)."""
    q.lock_dealers_visits(conn, dealer_code)
    moved = [(s.uuid, month) for s in q.starts(conn, dealer_code)
             if (month := local_month(datetime.fromisoformat(s.started_at), s.timezone)) != s.local_month]
    if not moved:
        return 0
    before = _tally(q.counted_visits(conn, dealer_code))
    q.set_local_months(conn, moved)
    change = _tally(q.counted_visits(conn, dealer_code))
    change.subtract(before)
    q.add_to_tally(conn, Counter({row: n for row, n in change.items() if n}))
    return len(moved)


def count_by_local_months(conn: Connection) -> None:
    """Every visit's local month from its start and its dealership's time zone, and the
    tally counted again from what the visits keep, without scoring a revision (migration 14).
    A server whose visits were never summarized (from before migration 12) has each
    summarized from its stored revision instead."""
    if q.unsummarized(conn):
        resummarize_all(conn)
        return
    q.set_local_months(conn, [(s.uuid, local_month(datetime.fromisoformat(s.started_at), s.timezone))
                              for s in q.starts(conn)])
    q.clear_tally(conn, standards=False)
    q.add_to_tally(conn, _tally(q.counted_visits(conn)))


def _tally(visits) -> Counter:
    found: Counter = Counter()
    for checklist_id, month, status, items in visits:
        q.tally_of(checklist_id, month, status, items, into=found)
    return found


def resummarize_all(conn: Connection) -> None:
    """Every visit's summary and the whole tally worked out again from the stored revisions."""
    q.clear_tally(conn)
    checklists: dict[tuple[str, int], Checklist] = {}
    tally: Counter = Counter()
    for uuid, status, payload, dealer, zone in q.latest_payloads(conn):
        revision = VisitRevision.model_validate_json(payload)
        key = (revision.checklist.id, revision.checklist.version)
        if key not in checklists:
            checklists[key] = Checklist.model_validate_json(q.checklist_body(conn, *key))
        summary = summarize(checklists[key], revision, dealer, zone)
        q.save_summary(conn, uuid, summary)
        if dealer is not None:
            q.tally_of(summary.checklist_id, summary.month, status,
                       {k: int(ok) for k, ok in summary.standards.items()}, into=tally)
    q.add_to_tally(conn, tally)
