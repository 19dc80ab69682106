"""The catalogue of problem codes the sync server answers with, and the client reads.

A code is stable: clients branch on it, and it never changes meaning. Add a code at the
end of its group; never rename or reuse one. Each comes with its HTTP status and a plain
English message (the app shows its own translation, keyed by the code).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProblemCode:
    code: str
    status: int
    message: str


def _code(code: str, status: int, message: str) -> ProblemCode:
    return ProblemCode(code, status, message)


# Requests
INVALID_REQUEST = _code("invalid_request", 422, "The request does not have the expected fields.")
BODY_TOO_LARGE = _code("body_too_large", 413, "The request body is larger than the server accepts.")
NOT_FOUND = _code("not_found", 404, "There is no such thing, or it is not yours.")
METHOD_NOT_ALLOWED = _code("method_not_allowed", 405, "This address does not take that method.")
INTERNAL_ERROR = _code("internal_error", 500, "The server failed; the request can be retried later.")

# Devices and tokens
TOKEN_MISSING = _code("token_missing", 401, "The request carries no device token.")
TOKEN_INVALID = _code("token_invalid", 401, "The device token is not known to this server.")
TOKEN_REVOKED = _code("token_revoked", 401, "This device has been unpaired; pair it again.")
PAIRING_CODE_UNKNOWN = _code("pairing_code_unknown", 404, "There is no such pairing code.")
PAIRING_CODE_USED = _code("pairing_code_used", 409, "This pairing code has already been used.")
PAIRING_CODE_EXPIRED = _code("pairing_code_expired", 410, "This pairing code has expired; ask for a new one.")
TOO_MANY_ATTEMPTS = _code("too_many_attempts", 429,
                          "Too many failed attempts from this address; try again when Retry-After says.")

# Checklists and visits
CHECKLIST_NOT_FOUND = _code("checklist_not_found", 404, "The server has no such checklist version.")
CHECKLIST_MISMATCH = _code("checklist_mismatch", 409,
                           "The visit's checklist differs from the version published under that number.")
ASSIGNMENT_NOT_FOUND = _code("assignment_not_found", 422, "The visit names an assignment that is not yours.")
REVISION_CONFLICT = _code("revision_conflict", 409,
                          "The server already has this revision of the visit with other content.")
REVISION_INVALID = _code("revision_invalid", 422, "The visit does not fit its checklist.")

# Photo uploads (tus 1.0 core)
TUS_VERSION_UNSUPPORTED = _code("tus_version_unsupported", 412, "Only Tus-Resumable 1.0.0 is spoken here.")
UPLOAD_CONTENT_TYPE = _code("upload_content_type", 415,
                            "An upload's body must be sent as application/offset+octet-stream.")
OFFSET_MISMATCH = _code("offset_mismatch", 409, "The upload does not continue where the server's copy ends.")
UPLOAD_LENGTH_MISMATCH = _code("upload_length_mismatch", 409,
                               "The upload's length differs from the photo's size in its visit.")
UPLOAD_TOO_LONG = _code("upload_too_long", 413, "The upload sends more bytes than its declared length.")
HASH_MISMATCH = _code("hash_mismatch", 422, "The uploaded bytes do not have the photo's sha256.")
IMAGE_NOT_JPEG = _code("image_not_jpeg", 415, "The photo is not a JPEG image.")
IMAGE_CORRUPT = _code("image_corrupt", 422, "The photo is damaged or truncated and cannot be decoded.")
IMAGE_TOO_LARGE = _code("image_too_large", 422, "The photo has more pixels than the server accepts.")
UPLOAD_LOCKED = _code("upload_locked", 423, "Another upload of this photo is under way; try again in a moment.")
# Recordings of an audio question (issue 17, point 3), checked when their upload ends.
AUDIO_FORMAT_UNKNOWN = _code("audio_format_unknown", 415,
                             "The recording is not WAV, MPEG-4 (M4A, 3GP), FLAC, Ogg or WebM audio.")
AUDIO_CORRUPT = _code("audio_corrupt", 422, "The recording's header is damaged or cut short.")
AUDIO_TOO_LONG = _code("audio_too_long", 422, "The recording is longer than its question allows.")
AUDIO_TOO_LARGE = _code("audio_too_large", 413, "The recording has more bytes than the server accepts.")

ALL: dict[str, ProblemCode] = {
    p.code: p for p in list(globals().values()) if isinstance(p, ProblemCode)
}
