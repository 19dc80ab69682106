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
    TokenStorageError,
    UnexpectedResponseError,
)
from .report import RefusedItem, SyncProgress, SyncReport
from .retry import RetryPolicy
from .service import SyncProblem, SyncService, SyncStatus, WaitingPhoto
from .vault import SettingsVault, TokenVault

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
    "SettingsVault",
    "SyncEngine",
    "SyncError",
    "SyncProblem",
    "SyncProgress",
    "SyncReport",
    "SyncService",
    "SyncStatus",
    "TokenStorageError",
    "TokenVault",
    "UnexpectedResponseError",
    "WaitingPhoto",
    "auto_sync",
]
