"""The phone's local store (SQLite through sqlite-utils): see `store.Store`."""

from .errors import (
    OutboxItemNotFoundError,
    RevisionNotFoundError,
    StoreError,
    UnknownAssignmentError,
    UnknownSectionError,
    VisitExistsError,
    VisitNotFoundError,
)
from .follow_ups import DueFollowUpRow
from .outbox import OutboxItem
from .returns import ReturnNote
from .route import PAIRED_SHOPPER_SETTING, Stop
from .store import Store
from .uploads import QueuedPhoto
from .visits import VisitSummary

__all__ = [
    "DueFollowUpRow",
    "OutboxItem",
    "OutboxItemNotFoundError",
    "PAIRED_SHOPPER_SETTING",
    "QueuedPhoto",
    "ReturnNote",
    "RevisionNotFoundError",
    "Stop",
    "Store",
    "StoreError",
    "UnknownAssignmentError",
    "UnknownSectionError",
    "VisitExistsError",
    "VisitNotFoundError",
    "VisitSummary",
]
