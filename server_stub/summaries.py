"""A visit's summary: what the console lists, sorts, filters and counts of it, worked out
from its latest revision when that arrives, not each time a page is drawn.

The tally of standards met per dealership and standard (an item's key, `standards.py`:
one standard across versions of its checklist) counts the latest revision of every visit
that has a dealership and is not returned: a returned visit leaves the tally until its
corrected revision arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from field_app.domain.checklist import Checklist
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


def counts(status: str, summary: VisitSummary) -> bool:
    """Whether the visit is in the tally."""
    return summary.dealer_code is not None and status != "returned"


def tally(conn: Connection, summary: VisitSummary, sign: int) -> None:
    assert summary.dealer_code is not None
    q.add_to_tally(conn, summary.dealer_code, summary.checklist_id, summary.standards, sign)


def resummarize_all(conn: Connection) -> None:
    """Every visit's summary and the whole tally worked out again from the stored revisions."""
    q.clear_tally(conn)
    checklists: dict[tuple[str, int], Checklist] = {}
    for uuid, status, payload, dealer in q.latest_payloads(conn):
        revision = VisitRevision.model_validate_json(payload)
        key = (revision.checklist.id, revision.checklist.version)
        if key not in checklists:
            checklists[key] = Checklist.model_validate_json(q.checklist_body(conn, *key))
        summary = summarize(checklists[key], revision, dealer)
        q.save_summary(conn, uuid, summary)
        if counts(status, summary):
            tally(conn, summary, 1)
