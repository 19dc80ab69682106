"""The sync client: pull the route, push the outbox, resumable photo uploads, retry with
backoff. Screens use `SyncService`; only `api.ApiClient` touches the network."""

from .api import ApiClient
from .auto import auto_sync
from .engine import SyncEngine
from .errors import (
    InvalidServerUrlError,
    NetworkError,
    NotPairedError,
    OffsetMismatchError,
    PairingRevokedError,
    PhotoFileError,
    ServerBusyError,
    ServerRefusedError,
    SyncError,
    UnexpectedResponseError,
)
from .report import RefusedItem, SyncProgress, SyncReport
from .retry import RetryPolicy
from .service import SyncProblem, SyncService, SyncStatus, WaitingPhoto

__all__ = [
    "ApiClient",
    "InvalidServerUrlError",
    "NetworkError",
    "NotPairedError",
    "OffsetMismatchError",
    "PairingRevokedError",
    "PhotoFileError",
    "RefusedItem",
    "RetryPolicy",
    "ServerBusyError",
    "ServerRefusedError",
    "SyncEngine",
    "SyncError",
    "SyncProblem",
    "SyncProgress",
    "SyncReport",
    "SyncService",
    "SyncStatus",
    "UnexpectedResponseError",
    "WaitingPhoto",
    "auto_sync",
]
