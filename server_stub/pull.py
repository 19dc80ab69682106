"""`sync/pull`: what a shopper's phone needs to know.

Assignments travel as changes: with a cursor, those changed (or withdrawn) since it;
without one, the whole current route from `route_days_back` days ago. The cursor is the
change sequence read *before* the assignments, in the same transaction: whatever has a
number up to it is committed and visible, so nothing falls between two pulls.

Returned visits and open follow-ups are state, not changes: every pull lists all of them,
so a phone that lost a pull's answer still learns them on the next one. So are approvals,
those of the last `CONFIRMED_AFTER` (older ones no longer matter to a phone), and the
production calendar's imported years (all of them: a few hundred bytes).
"""

from __future__ import annotations

from datetime import timedelta

from field_app.domain.sync_messages import (
    CONFIRMED_AFTER,
    ApprovedVisit,
    CalendarDecree,
    ChecklistStamp,
    FollowUpDue,
    PullResponse,
    ReturnedVisit,
)

from .errors import InvalidRequestError
from .queries import calendar, routes, visits
from .records import Device
from .store import ServerStore


def parse_cursor(since: str | None) -> int | None:
    if since is None or since == "":
        return None
    if not (since.isascii() and since.isdigit()) or len(since) > 18:
        raise InvalidRequestError("`since` must be a cursor given by an earlier pull.")
    return int(since)


def pull(store: ServerStore, device: Device, since: str | None) -> PullResponse:
    cursor = parse_cursor(since)
    now = store.now()
    with store.db.read() as conn:
        current = routes.current_change(conn)
        # A cursor from the future (a restored backup) cannot be trusted: start over.
        if cursor is None or cursor > current:
            changes = routes.route_from(conn, device.shopper_id, now.date() - timedelta(days=store.settings.route_days_back))
        else:
            changes = routes.route_changes_since(conn, device.shopper_id, cursor)
        dealers = routes.dealerships(conn, (a.dealer_code for a in changes.current))
        returned = visits.returned_visits(conn, device.shopper_id)
        follow_ups = visits.follow_ups_of(conn, device.shopper_id)
        approved = visits.approved_visits(conn, device.shopper_id, now - CONFIRMED_AFTER)
        years = calendar.years(conn)
    needed = sorted({(a.checklist_id, a.checklist_version) for a in changes.current})
    stamps = [ChecklistStamp(id=cid, version=v, sha256=store.catalog.get(cid, v).sha256) for cid, v in needed]
    return PullResponse(
        cursor=str(current),
        server_time=now,
        assignments=changes.current,
        removed_assignments=changes.removed,
        dealerships=dealers,
        checklists=stamps,
        returned=[ReturnedVisit(visit_uuid=r.uuid, revision=r.revision, comment=r.comment, returned_at=r.returned_at)
                  for r in returned],
        follow_ups_due=[FollowUpDue(visit_uuid=u, follow_up_id=f, due_at=at) for u, f, at in follow_ups],
        approved=[ApprovedVisit(visit_uuid=a.uuid, revision=a.revision, approved_at=a.approved_at) for a in approved],
        calendar=[CalendarDecree(**year.to_json()) for year in years],
    )
