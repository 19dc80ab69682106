"""The sync protocol's messages, as JSON on the wire: one schema for the phone and the server.

See DESIGN.md, "The sync protocol". A visit revision itself is `records.VisitRevision`;
photos travel as raw bytes in tus uploads (`Upload-Offset`, `Upload-Length` headers).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field

from .records import Moment, Record, Reply, Sha256
from .route import Assignment, Dealership

API_PREFIX = "/api/v1"
CONFIRMED_AFTER = timedelta(days=30)
"""A visit whose latest revision reached the server this long ago counts as confirmed even
if no coordinator approved it: its photos may leave the phone. A pull lists approvals
given this long back; an older one would tell the phone nothing more."""
TUS_VERSION = "1.0.0"
UPLOAD_CONTENT_TYPE = "application/offset+octet-stream"


class PairRequest(Record):
    """`POST /devices/pair`: a one-time code made by a coordinator, and the phone's name.

    `attempt` is a secret the phone makes for this code and sends again on every retry:
    when the answer to a pairing was lost on the way back, the retry is told apart from
    another phone trying a used code, and gets a new token for the same device instead
    of `pairing_code_used` (while the code has not expired).
    """

    code: Annotated[str, Field(min_length=4, max_length=64)]
    device_name: Annotated[str, Field(min_length=1, max_length=100)]
    attempt: Annotated[str | None, Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")] = None


def normalize_pairing_code(code: str) -> str:
    """A code as typed (with or without its dash, any case) in the one form that is hashed."""
    return "".join(ch for ch in code.upper() if ch not in "- \t")


class Shopper(Reply):
    id: str
    name: str


class PairResponse(Reply):
    """The device token (shown once; the server keeps only its hash) and whose it is."""

    token: str
    shopper: Shopper


MAX_UNREADABLE_REPORTED = 50
# "id@version" as `Checklist` bounds them; the length is checked before the pattern.
ChecklistName = Annotated[str, Field(max_length=75, pattern=r"^[a-z][a-z0-9_]{0,63}@[1-9][0-9]{0,9}$")]


class UnreadableChecklists(Record):
    """`PUT /devices/current/unreadable-checklists`: every checklist this phone left out of
    its pulls because it cannot read them (written for a newer app), as "id@version". It
    replaces what the device reported before; `[]` says it reads everything again."""

    checklists: Annotated[list[ChecklistName], Field(max_length=MAX_UNREADABLE_REPORTED)]


class ChecklistStamp(Reply):
    """A checklist version a route needs; its body is at `GET /checklists/{id}/{version}`."""

    id: str
    version: int
    sha256: Sha256


class ReturnedVisit(Reply):
    """A coordinator sent a revision back for correction, with why."""

    visit_uuid: str
    revision: int
    comment: str = ""
    returned_at: Moment


class ApprovedVisit(Reply):
    """A coordinator approved this revision of a visit (added later: a server that does
    not send these leaves a phone keeping photos until `CONFIRMED_AFTER`)."""

    visit_uuid: str
    revision: int
    approved_at: Moment


class FollowUpDue(Reply):
    """A follow-up question of a synced visit that is still unanswered on the server."""

    visit_uuid: str
    follow_up_id: str
    due_at: Moment


class CalendarDecree(Reply):
    """A year of the production calendar the coordinator imported (`workdays.parse_year` reads it)."""

    year: int
    source: str = ""
    transfers: list[dict[str, str]] = []


class PullResponse(Reply):
    """`GET /sync/pull?since=<cursor>`: what changed for this shopper since the cursor.

    Without `since`, the whole current route (from 30 days back). `cursor` is opaque: pass
    it back as `since` next time. Assignments in `removed_assignments` were withdrawn.
    `approved`: the shopper's visits approved in the last `CONFIRMED_AFTER`, whatever the
    cursor (state, as `returned` is). `calendar`: the production calendar's years imported
    on the server, added to those the app ships with.
    """

    cursor: str
    server_time: Moment
    assignments: list[Assignment] = []
    removed_assignments: list[str] = []
    dealerships: list[Dealership] = []
    checklists: list[ChecklistStamp] = []
    returned: list[ReturnedVisit] = []
    follow_ups_due: list[FollowUpDue] = []
    approved: list[ApprovedVisit] = []
    calendar: list[CalendarDecree] = []  # every imported year, at every pull: a few hundred bytes


ServerVisitStatus = Literal["received", "returned", "approved"]


class VisitReceipt(Reply):
    """The answer to `PUT /visits/{uuid}` (and `GET /visits/{uuid}`): what the server holds
    of the visit, and the photo and recording hashes it still lacks (to upload next)."""

    uuid: str
    revision: int
    revisions: list[int]
    status: ServerVisitStatus
    missing_photos: list[Sha256] = []
    missing_recordings: list[Sha256] = []  # issue 17: a phone that records none gets []


class ProblemBody(Reply):
    """Every refusal: a stable code from `problems.py` and a message for people."""

    code: str
    message: str
