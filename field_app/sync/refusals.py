"""When an item the server refused is sent again by itself.

A refusal is the server's considered answer: the same bytes sent again soon get the same
answer, and on a weak signal a photo resent by every automatic run drains the battery for
nothing. So automatic runs leave a refused item alone for a while after its last refusal,
twice as long after each refusal in a row (1 h, 2 h, 4 h... at most 24 h); a run the
shopper asks for sends it at once (the coordinator may have fixed the server meanwhile).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from field_app.store import OutboxItem

from .report import parse_failure, subject
from .retry import RetryPolicy
from .state import SyncProblem

# Only the bounds: no jitter, so the app can tell the shopper when.
WAITS = RetryPolicy(base_s=3600, factor=2, cap_s=24 * 3600)


def retry_at(item: OutboxItem) -> datetime | None:
    """When automatic runs send the item again; None when it was not refused."""
    if item.failure_kind != "refused" or item.last_attempt_at is None:
        return None
    return item.last_attempt_at + timedelta(seconds=WAITS.bound(item.refusals))


def waiting(item: OutboxItem, now: datetime) -> bool:
    """Whether an automatic run at `now` leaves the item alone."""
    at = retry_at(item)
    return at is not None and now < at


def problem(item: OutboxItem, now: datetime) -> SyncProblem:
    """A refused item as the app shows it: the server's reason, and when it goes again."""
    failure = parse_failure(item.last_error)
    code, message = (failure[1], failure[2]) if failure else ("sync.error", item.last_error or "")
    return SyncProblem("refused", code, message, item.last_attempt_at or now, subject(item), retry_at(item))
