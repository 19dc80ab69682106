"""The coordinator's review work, as the console does it: the lists of visits (the review
queue of what waits for a verdict, or every visit), a visit's neighbours in the list it
was opened from, the next visit waiting after a verdict, approving several visits at
once, and what a corrected revision changed since the one that was returned.

A verdict is always `visits.review_visit`, for one visit or for many: the same rules,
the same tally. Approving several names each visit's revision as the list showed it;
a visit whose newest revision has changed since, or that someone has reviewed since,
is left as it is and reported, never judged unread. Whether it still waits is checked in
the verdict's own write transaction, not read before it: a coordinator who approves or
returns the visit in between is seen, and the visit gets one verdict.

A revision with flags (`evidence`) is approved only with a comment saying why it is
trusted anyway (`needs_comment`, the one place of that rule), kept with the verdict as a
return's comment is. Approving several at once gives no comment: it leaves a flagged
visit waiting and names it, to be approved on its own page, its evidence read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from field_app.domain.records import VisitRevision

from . import visits
from .database import storable
from .errors import AlreadyReviewedError, FlaggedApprovalError, RevisionConflictError, UnknownVisitError
from .queries import evidence as evidence_q, visit_list as q
from .queries.visit_list import LONGEST_WAITING_FIRST, NEWEST_FIRST, WAITING, Order, VisitFilter, VisitListRow
from .records import Review
from .revision_diff import RevisionDiff, diff_revisions
from .store import ServerStore

VIEWS = ("review", "all")
MAX_SELECTED = 100  # visits approved in one go: a page shows 50


@dataclass(frozen=True)
class VisitList:
    """A list of visits: the review queue ("review": waiting visits, the one waiting
    longest first; `where.status` is not used) or every visit ("all": newest first)."""

    view: str
    where: VisitFilter

    @property
    def filter(self) -> VisitFilter:
        return dataclasses.replace(self.where, status=WAITING) if self.view == "review" else self.where

    @property
    def order(self) -> Order:
        return LONGEST_WAITING_FIRST if self.view == "review" else NEWEST_FIRST

    @property
    def waiting(self) -> VisitFilter | None:
        """The list's visits that wait for a verdict; None when none of them can (a list
        of returned visits)."""
        if self.view == "all" and self.where.status not in (None, WAITING):
            return None
        return dataclasses.replace(self.where, status=WAITING)


@dataclass(frozen=True)
class ListPage:
    rows: list[VisitListRow]
    total: int
    next_after: str | None  # the key the next page starts after; None on the last page


def list_page(store: ServerStore, visit_list: VisitList, after: str | None, limit: int,
              total: int | None = None) -> ListPage:
    """A page of the list; `total`, its count when the caller knows it already."""
    with store.db.read() as conn:
        rows = q.page(conn, visit_list.filter, after, limit, visit_list.order)
        total = q.count(conn, visit_list.filter) if total is None else total
    return ListPage(rows, total, rows[-1].key(visit_list.order) if len(rows) == limit else None)


def waiting_count(store: ServerStore, where: VisitFilter) -> int:
    """How many visits of the filter wait for a verdict (`where.status` is not used)."""
    with store.db.read() as conn:
        return q.count(conn, dataclasses.replace(where, status=WAITING))


def checklist_ids(store: ServerStore) -> list[str]:
    """The checklists a list can be filtered by."""
    with store.db.read() as conn:
        return q.checklist_ids(conn)


def visits_listed(store: ServerStore, uuids: list[str]) -> list[VisitListRow]:
    """These visits as a list shows them (unknown ones left out)."""
    with store.db.read() as conn:
        return q.rows_of(conn, [u for u in uuids if storable(u)][:MAX_SELECTED])


@dataclass(frozen=True)
class Place:
    """Where a visit stands in a list: its neighbours, and its number when it belongs."""

    previous: str | None
    next: str | None
    position: int | None  # 1 for the first; None when the visit is not (or no longer) in the list
    total: int


def place(store: ServerStore, visit_list: VisitList, uuid: str) -> Place | None:
    """None for a visit the server does not hold."""
    where, order = visit_list.filter, visit_list.order
    with store.db.read() as conn:
        key = q.key_of(conn, uuid, order) if storable(uuid) else None
        if key is None:
            return None
        member = q.belongs(conn, where, uuid)
        return Place(
            previous=q.neighbour(conn, where, order, key, before=True), next=q.neighbour(conn, where, order, key),
            position=q.position(conn, where, order, key) if member else None, total=q.count(conn, where),
        )


def next_waiting(store: ServerStore, visit_list: VisitList, uuid: str) -> str | None:
    """The first visit after this one in the list that waits for a verdict."""
    with store.db.read() as conn:
        waiting = visit_list.waiting
        key = q.key_of(conn, uuid, visit_list.order) if storable(uuid) and waiting is not None else None
        return None if key is None else q.neighbour(conn, waiting, visit_list.order, key)


FLAGGED_NEEDS_COMMENT = "flagged_needs_comment"  # the problem the console words


def needs_comment(action: str, flagged: bool, comment: str) -> bool:
    """The rule: a revision with flags is approved only with a comment (a return always
    has one, `visits.review_problem`)."""
    return action == "approve" and flagged and not comment.strip()


def review(store: ServerStore, uuid: str, action: str, comment: str, by: str,
           *, revision: int | None = None, only_waiting: bool = False) -> Review:
    """A verdict on one visit (`visits.review_visit`) under `needs_comment`, whose flags are
    read in the verdict's transaction: raises FlaggedApprovalError."""
    def check(conn, number: int) -> None:
        if needs_comment(action, bool(evidence_q.flagged(conn, [(uuid, number)])), comment):
            raise FlaggedApprovalError(f"Revision {number} of visit {uuid} has flags: approving it needs a comment.")

    return visits.review_visit(store, uuid, action, comment, by, revision=revision, only_waiting=only_waiting,
                               check=check)


def flagged_of(store: ServerStore, chosen: list[tuple[str, int]]) -> set[str]:
    """The chosen visits whose chosen revision has flags."""
    with store.db.read() as conn:
        return {uuid for uuid, _ in evidence_q.flagged(conn, chosen)}


@dataclass(frozen=True)
class BulkApproval:
    """What approving several visits did: each uuid in one list."""

    approved: list[str]
    changed: list[str]  # a newer revision arrived after the list was drawn
    reviewed: list[str]  # approved or returned by someone since (or not a visit at all)
    flagged: list[str] = dataclasses.field(default_factory=list)  # has flags: left for its own page


def approve_selected(store: ServerStore, chosen: list[tuple[str, int]], by: str) -> BulkApproval:
    """Approve each (uuid, revision) as approving one visit does, if that revision is still
    the visit's newest, still waits and has no flags (no comment is given); report the others."""
    approved: list[str] = []
    changed: list[str] = []
    reviewed: list[str] = []
    flagged: list[str] = []
    for uuid, revision in dict.fromkeys(chosen):
        try:
            review(store, uuid, "approve", "", by, revision=revision, only_waiting=True)
        except RevisionConflictError:
            changed.append(uuid)
        except (AlreadyReviewedError, UnknownVisitError):
            reviewed.append(uuid)
        except FlaggedApprovalError:
            flagged.append(uuid)
        else:
            approved.append(uuid)
    return BulkApproval(approved, changed, reviewed, flagged)


@dataclass(frozen=True)
class Correction:
    """A revision sent after its predecessor was returned: the return, the revision it
    returned, and what the correction changed."""

    returned: Review
    old: VisitRevision
    new: VisitRevision
    diff: RevisionDiff


def correction(store: ServerStore, detail: visits.VisitDetail) -> Correction | None:
    """For the revision the page shows: when the last verdict before it returned an earlier
    revision, that return and the changes since; otherwise None."""
    shown = detail.revision.revision
    before = [r for r in detail.reviews if r.revision < shown]
    if not before or before[-1].action != "return":
        return None
    returned = before[-1]
    try:
        old = visits.revision_of(store, detail.header.uuid, returned.revision)
    except UnknownVisitError:
        return None
    order = [qid.id for qid in detail.checklist.questions()] + [f.id for f in detail.checklist.follow_ups]
    return Correction(returned, old, detail.revision, diff_revisions(old, detail.revision, order))
