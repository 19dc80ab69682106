"""Named errors of the sync server. Each names the stable problem it becomes at the HTTP
edge (`problem`, from `field_app.domain.problems`); the CLI prints its message instead.

    ServerError                         internal_error
    ├── InvalidRequestError             invalid_request
    ├── BodyTooLargeError               body_too_large
    ├── NotFoundError                   not_found
    │   ├── UnknownShopperError
    │   ├── UnknownDeviceError
    │   ├── UnknownDealerError
    │   ├── UnknownAssignmentError
    │   └── UnknownVisitError
    ├── AuthError                       (401, with WWW-Authenticate: Bearer)
    │   ├── TokenMissingError           token_missing
    │   ├── TokenInvalidError           token_invalid
    │   └── TokenRevokedError           token_revoked
    ├── PairingCodeUnknownError         pairing_code_unknown
    ├── PairingCodeUsedError            pairing_code_used
    ├── PairingCodeExpiredError         pairing_code_expired
    ├── TooManyAttemptsError            too_many_attempts (429, with Retry-After)
    ├── ChecklistNotFoundError          checklist_not_found
    ├── ChecklistMismatchError          checklist_mismatch
    ├── ChecklistConflictError          checklist_mismatch (publishing: same version, other content)
    ├── AssignmentNotFoundError         assignment_not_found
    ├── RevisionConflictError           revision_conflict
    ├── RevisionInvalidError            revision_invalid
    ├── UploadError
    │   ├── TusVersionError             tus_version_unsupported
    │   ├── UploadContentTypeError      upload_content_type
    │   ├── OffsetMismatchError         offset_mismatch (carries the server's offset)
    │   ├── UploadLengthMismatchError   upload_length_mismatch
    │   ├── UploadTooLongError          upload_too_long
    │   ├── UploadLockedError           upload_locked
    │   ├── PhotoRefusedError           (the finished file is not a good photo)
    │   │   ├── HashMismatchError       hash_mismatch
    │   │   ├── ImageNotJpegError       image_not_jpeg
    │   │   ├── ImageCorruptError       image_corrupt
    │   │   └── ImageTooLargeError      image_too_large
    │   └── RecordingRefusedError       (the finished file is not a good recording)
    │       ├── AudioFormatError        audio_format_unknown
    │       ├── AudioCorruptError       audio_corrupt
    │       ├── AudioTooLongError       audio_too_long
    │       └── AudioTooLargeError      audio_too_large
    └── AdminError                      (console and CLI only)
        ├── CoordinatorExistsError
        ├── PasswordError
        ├── InvalidInputError
        ├── DealerImportError           (carries every bad row)
        ├── AlreadyReviewedError        (a verdict asked only while the visit waits)
        └── FlaggedApprovalError        (a flagged revision approved without a comment)

Errors of the domain (`field_app.domain.errors`, e.g. a malformed checklist file) pass
through unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from field_app.domain import problems
from field_app.domain.problems import ProblemCode


class ServerError(Exception):
    """Base of every server error."""

    problem: ProblemCode = problems.INTERNAL_ERROR

    def __init__(self, message: str | None = None):
        super().__init__(message or self.problem.message)

    @property
    def message(self) -> str:
        return str(self)

    def headers(self) -> dict[str, str]:
        """Response headers that belong to this refusal."""
        return {}


class InvalidRequestError(ServerError):
    """The request does not have the expected fields or values."""

    problem = problems.INVALID_REQUEST


class BodyTooLargeError(ServerError):
    """The request body is larger than the server accepts."""

    problem = problems.BODY_TOO_LARGE


class NotFoundError(ServerError):
    """No such thing, or it belongs to another shopper."""

    problem = problems.NOT_FOUND


class UnknownShopperError(NotFoundError):
    """No shopper has that id."""


class UnknownDeviceError(NotFoundError):
    """No device has that id."""


class UnknownDealerError(NotFoundError):
    """No dealership has that code."""


class UnknownAssignmentError(NotFoundError):
    """No assignment has that id."""


class UnknownVisitError(NotFoundError):
    """No visit with that uuid belongs to the caller."""


class AuthError(ServerError):
    """The request's device token does not let it in."""

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class TokenMissingError(AuthError):
    """The request carries no bearer token."""

    problem = problems.TOKEN_MISSING


class TokenInvalidError(AuthError):
    """The bearer token is not known to this server."""

    problem = problems.TOKEN_INVALID


class TokenRevokedError(AuthError):
    """The bearer token's device has been unpaired."""

    problem = problems.TOKEN_REVOKED


class PairingCodeUnknownError(ServerError):
    """No pairing code matches."""

    problem = problems.PAIRING_CODE_UNKNOWN


class PairingCodeUsedError(ServerError):
    """The pairing code has already paired a device."""

    problem = problems.PAIRING_CODE_USED


class PairingCodeExpiredError(ServerError):
    """The pairing code is past its lifetime."""

    problem = problems.PAIRING_CODE_EXPIRED


class TooManyAttemptsError(ServerError):
    """Too many wrong passwords or pairing codes lately (`throttle.py`): wait, then try."""

    problem = problems.TOO_MANY_ATTEMPTS

    def __init__(self, retry_after: timedelta, message: str | None = None):
        self.retry_after = retry_after
        super().__init__(message)

    @property
    def seconds(self) -> int:
        """The wait in whole seconds, at least one."""
        return max(1, math.ceil(self.retry_after.total_seconds()))

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, at least one (as a page says it)."""
        return max(1, math.ceil(self.seconds / 60))

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.seconds)}


class ChecklistNotFoundError(ServerError):
    """The checklist version is not published on this server."""

    problem = problems.CHECKLIST_NOT_FOUND


class ChecklistMismatchError(ServerError):
    """A visit names a checklist version with another sha256 than the published one."""

    problem = problems.CHECKLIST_MISMATCH


class ChecklistConflictError(ServerError):
    """A checklist version is already published with other content."""

    problem = problems.CHECKLIST_MISMATCH


class AssignmentNotFoundError(ServerError):
    """A visit names an assignment that is not the caller's."""

    problem = problems.ASSIGNMENT_NOT_FOUND


class RevisionConflictError(ServerError):
    """The server holds this revision of the visit with other content."""

    problem = problems.REVISION_CONFLICT


class RevisionInvalidError(ServerError):
    """The revision does not fit its checklist."""

    problem = problems.REVISION_INVALID

    def __init__(self, problems_found: list[str]):
        self.problems = problems_found
        super().__init__("The visit does not fit its checklist: " + "; ".join(problems_found))


class UploadError(ServerError):
    """A photo upload was refused."""


class TusVersionError(UploadError):
    """The request does not speak Tus-Resumable 1.0.0."""

    problem = problems.TUS_VERSION_UNSUPPORTED


class UploadContentTypeError(UploadError):
    """An upload body must be application/offset+octet-stream."""

    problem = problems.UPLOAD_CONTENT_TYPE


class OffsetMismatchError(UploadError):
    """The upload does not continue where the server's copy ends."""

    problem = problems.OFFSET_MISMATCH

    def __init__(self, offset: int, sent: int):
        self.offset = offset
        super().__init__(f"The server holds {offset} byte(s) of this photo, not {sent}; continue from {offset}.")

    def headers(self) -> dict[str, str]:
        return {"Upload-Offset": str(self.offset)}


class UploadLengthMismatchError(UploadError):
    """The upload's length differs from the photo's size in its visit."""

    problem = problems.UPLOAD_LENGTH_MISMATCH


class UploadTooLongError(UploadError):
    """The upload sends more bytes than its length."""

    problem = problems.UPLOAD_TOO_LONG


class UploadLockedError(UploadError):
    """Another request is uploading the same photo."""

    problem = problems.UPLOAD_LOCKED


class PhotoRefusedError(UploadError):
    """The finished upload is not a good photo; its bytes were thrown away."""


class HashMismatchError(PhotoRefusedError):
    """The uploaded bytes do not have the photo's sha256."""

    problem = problems.HASH_MISMATCH


class ImageNotJpegError(PhotoRefusedError):
    """The uploaded file is not a JPEG."""

    problem = problems.IMAGE_NOT_JPEG


class ImageCorruptError(PhotoRefusedError):
    """The uploaded JPEG cannot be decoded."""

    problem = problems.IMAGE_CORRUPT


class ImageTooLargeError(PhotoRefusedError):
    """The uploaded image has more pixels (or bytes) than the server accepts."""

    problem = problems.IMAGE_TOO_LARGE


class RecordingRefusedError(UploadError):
    """The finished upload is not a good recording; its bytes were thrown away."""


class AudioFormatError(RecordingRefusedError):
    """The uploaded recording is of no container the phone's recorder writes."""

    problem = problems.AUDIO_FORMAT_UNKNOWN


class AudioCorruptError(RecordingRefusedError):
    """The uploaded recording's header is damaged or cut short."""

    problem = problems.AUDIO_CORRUPT


class AudioTooLongError(RecordingRefusedError):
    """The uploaded recording plays longer than its question's max_seconds."""

    problem = problems.AUDIO_TOO_LONG


class AudioTooLargeError(RecordingRefusedError):
    """The uploaded recording has more bytes than the server accepts."""

    problem = problems.AUDIO_TOO_LARGE


class AdminError(ServerError):
    """A coordinator's command cannot be carried out."""


class CoordinatorExistsError(AdminError):
    """A coordinator with that username exists."""


class PasswordError(AdminError):
    """The password is not acceptable."""


class InvalidInputError(AdminError):
    """A value given to a coordinator's command is not acceptable (a name, a day, a window)."""


@dataclass(frozen=True)
class RowProblem:
    """One bad row of an imported file."""

    line: int
    message: str

    def text(self) -> str:
        return f"line {self.line}: {self.message}"


class AlreadyReviewedError(AdminError):
    """The visit's newest revision no longer waits for a verdict: someone approved or returned it."""


class FlaggedApprovalError(AdminError):
    """The revision has flags: it is approved only with a comment saying why it is trusted."""


class DealerImportError(AdminError):
    """The dealership file has bad rows; nothing was imported."""

    def __init__(self, rows: list[RowProblem]):
        self.rows = rows
        super().__init__("\n".join(p.text() for p in rows))
