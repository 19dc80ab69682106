"""A visit's summary: what the console lists, sorts, filters and counts of it, worked out
from its latest revision when that arrives, not each time a page is drawn.

Beside the summary columns, each visit keeps its standards met (`visit_standards`: item
key -> met, an item's key being one standard across the versions of its checklist,
`standards.py`) and their count (`visits.standards_met` of `standards_counted`). The tally
(`month_tally`) sums them over all dealerships per checklist, month of the visit's start
(UTC, as the console's date filters) and status. Every visit with a dealership is in it
under its status: the analytics choose which statuses they count (approved ones by
default), so a review moves the visit's rows from one status to another (`uncount`, then
`count`), read from what the visit keeps, without scoring it again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from field_app.domain.checklist import Checklist
from field_app.domain.records import VisitRevision
from field_app.domain.revision_check import score_revision, standards_met

from .database import moment
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


def summarize(checklist: Checklist, revision: VisitRevision, dealer_code: str | None) -> VisitSummary:
    score = score_revision(checklist, revision)
    return VisitSummary(
        dealer_code=dealer_code, checklist_id=revision.checklist.id, checklist_version=revision.checklist.version,
        started_at=revision.started_at, finalized_at=revision.finalized_at,
        got=score.total.got, out_of=score.total.out_of,
        sections={sid: (s.got, s.out_of) for sid, s in score.sections.items()},
        standards=_by_key(checklist, standards_met(score)),
    )


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


def resummarize_all(conn: Connection) -> None:
    """Every visit's summary and the whole tally worked out again from the stored revisions."""
    q.clear_tally(conn)
    checklists: dict[tuple[str, int], Checklist] = {}
    tally: Counter = Counter()
    for uuid, status, payload, dealer in q.latest_payloads(conn):
        revision = VisitRevision.model_validate_json(payload)
        key = (revision.checklist.id, revision.checklist.version)
        if key not in checklists:
            checklists[key] = Checklist.model_validate_json(q.checklist_body(conn, *key))
        summary = summarize(checklists[key], revision, dealer)
        q.save_summary(conn, uuid, summary)
        if dealer is not None:
            tally.update(q.tally_of(summary.checklist_id, moment(summary.started_at), status,
                                {k: int(ok) for k, ok in summary.standards.items()}))
    q.add_to_tally(conn, tally)
