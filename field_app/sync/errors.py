"""Named errors of the sync client. Two branches matter to callers, as in httpx: the
network failed (keep the item queued, try again later) or the server said no (stop
retrying that item, show why).

    SyncError                       sync.error
    ├── NetworkError                network (or the transport's: connect_error, timeout...)
    │   └── ServerBusyError         server_busy: 5xx, 408, 423, 429 (may say when to come back)
    ├── ServerRefusedError          the server's problem code (problems.py)
    │   ├── PairingRevokedError     token_missing / token_invalid / token_revoked (401)
    │   ├── OffsetMismatchError     offset_mismatch (409), with the server's offset
    │   └── UnexpectedResponseError unexpected_response / checklist_mismatch: an answer
    │       │                       that does not fit the contract or fails a check
    │       └── UnreadableChecklistError checklist_unreadable: a checklist newer than the app
    ├── PhotoFileError              photo_missing / photo_damaged: the phone's own file
    ├── NotPairedError              sync.not_paired
    ├── InvalidServerUrlError       sync.invalid_server_url
    └── TokenStorageError           sync.token_storage: the phone's secure storage failed

A `code` is stable, like the domain's: the app translates it into the shopper's language.
"""

from __future__ import annotations


class SyncError(Exception):
    "Base of every sync error"

    code = "sync.error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NetworkError(SyncError):
    "The network failed or the server could not answer now; the item stays queued"

    code = "network"


class ServerBusyError(NetworkError):
    "The server answered 5xx, 408, 423 or 429: try again later"

    code = "server_busy"

    def __init__(self, message: str, *, status: int, retry_after: float | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.status = status
        self.retry_after = retry_after


class ServerRefusedError(SyncError):
    "The server said no (or its answer cannot be used): retrying will not help, show it"

    def __init__(self, code: str, message: str, status: int | None) -> None:
        super().__init__(message, code=code)
        self.status = status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class PairingRevokedError(ServerRefusedError):
    "The server does not accept this device's token any more: pair the device again"


class OffsetMismatchError(ServerRefusedError):
    "A photo upload did not continue where the server's copy ends; resume from `offset`"

    def __init__(self, code: str, message: str, status: int | None, offset: int | None) -> None:
        super().__init__(code, message, status)
        self.offset = offset


class UnexpectedResponseError(ServerRefusedError):
    "The server's answer does not fit the sync contract or fails a check on the phone"


class UnreadableChecklistError(UnexpectedResponseError):
    "A checklist the server sent is in a format this version of the app cannot read"


class PhotoFileError(SyncError):
    "A queued photo's file on the phone is missing or no longer has its sha256"


class NotPairedError(SyncError):
    "This phone is not paired with a server"

    code = "sync.not_paired"


class InvalidServerUrlError(SyncError):
    "The server address is not an http(s) URL"

    code = "sync.invalid_server_url"


class TokenStorageError(SyncError):
    "The phone's secure storage did not keep (or forget) the device token"

    code = "sync.token_storage"
