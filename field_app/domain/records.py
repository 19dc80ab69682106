"""Plain records of a visit, as they travel on the wire and sit in the stores.

A finalized revision is a `VisitRevision`; its canonical JSON is frozen so that a retry
resends the same bytes (see `canonical.py`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .checklist import AnswerValue


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a moment must carry its time zone")
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # e.g. 0001-01-01T00:00+05:00 is before year 1 in UTC
        raise ValueError("the moment is out of range") from None


# Every stored moment is UTC: wall-clock arithmetic across a time-zone change stays right.
Moment = Annotated[datetime, AfterValidator(_aware_utc)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Record(BaseModel):
    """What a phone sends, and what is stored: a field nobody knows is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Reply(BaseModel):
    """What the server answers a phone: fields this phone does not know are ignored, at
    every level, because a server is upgraded before the phones in the field are."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class VisitStatus(str, Enum):
    """Where a visit is in its life: planned -> in_progress -> finalized -> synced."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    FINALIZED = "finalized"
    SYNCED = "synced"
    RETURNED = "returned"


class ChecklistRef(Record):
    """The exact checklist version a visit was filled against."""

    id: str
    version: int
    sha256: Sha256


class Answer(Record):
    """The shopper's answer to one question; `na` means "not applicable here"."""

    value: AnswerValue | None = None
    na: bool = False
    comment: str = ""
    answered_at: Moment


class TimerEvent(Record):
    """A wall-clock event of a stopwatch; elapsed time is derived from these only."""

    event: Literal["start", "stop", "reset"]
    at: Moment


class PhotoRef(Record):
    """A processed photo attached to a question, named by the sha256 of its bytes."""

    sha256: Sha256
    bytes: Annotated[int, Field(gt=0)]
    question_id: str
    taken_at: Moment


class RecordingRef(Record):
    """An audio recording attached to an audio question (a call recorded on speaker),
    named by the sha256 of its bytes. Its length is not taken from the phone: the server
    reads it from the file's container (`server_stub/audio.py`)."""

    sha256: Sha256
    bytes: Annotated[int, Field(gt=0)]
    question_id: str
    recorded_at: Moment


class FollowUpAnswer(Record):
    """An answer given days after the visit (did the dealer call back?)."""

    value: AnswerValue | None = None
    comment: str = ""
    answered_at: Moment


LocationEvent = Literal["start", "finish", "photo"]


class LocationFix(Record):
    """Where the phone was when a visit started, was finalized, or took a photo (issue 17).
    `at` is read from the phone's clock, as `started_at` is, so the two compare; a photo
    fix names its photo, and only a photo fix does."""

    event: LocationEvent
    at: Moment
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    accuracy_m: Annotated[float, Field(ge=0)]
    photo_sha256: Sha256 | None = None

    @model_validator(mode="after")
    def _photo_fix_names_its_photo(self) -> LocationFix:
        if (self.event == "photo") != (self.photo_sha256 is not None):
            raise ValueError("a photo fix names its photo (photo_sha256), and only a photo fix does")
        return self


class VisitRevision(Record):
    """One immutable revision of a visit, as sent to the server.

    `locations`, `location_unavailable` and `recordings` came later (issue 17): left out
    of the canonical JSON when empty (`OMITTED_WHEN_EMPTY`), so a revision from an older
    phone keeps the bytes, and the sha256, it was stored with."""

    OMITTED_WHEN_EMPTY: ClassVar[frozenset[str]] = frozenset({"locations", "location_unavailable", "recordings"})

    revision: Annotated[int, Field(ge=1)]
    assignment_id: str | None = None
    checklist: ChecklistRef
    started_at: Moment
    finalized_at: Moment
    answers: dict[str, Answer] = {}
    timers: dict[str, list[TimerEvent]] = {}
    photos: list[PhotoRef] = []
    follow_ups: dict[str, FollowUpAnswer] = {}
    locations: list[LocationFix] = []
    location_unavailable: list[LocationEvent] = []
    recordings: list[RecordingRef] = []
