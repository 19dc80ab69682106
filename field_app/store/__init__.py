"""The phone's local store (SQLite through sqlite-utils): see `store.Store`."""

from .errors import (
    OutboxItemNotFoundError,
    RevisionNotFoundError,
    StoreError,
    UnknownSectionError,
    VisitExistsError,
    VisitNotFoundError,
)
from .outbox import OutboxItem
from .store import Store
from .visits import VisitSummary

__all__ = [
    "OutboxItem",
    "OutboxItemNotFoundError",
    "RevisionNotFoundError",
    "Store",
    "StoreError",
    "UnknownSectionError",
    "VisitExistsError",
    "VisitNotFoundError",
    "VisitSummary",
]
