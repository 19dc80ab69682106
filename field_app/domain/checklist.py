"""The checklist format: pydantic models of the YAML files in `checklists/`.

Structure is checked here (types, unknown fields); rules that span several questions
(unique ids, `show_if` order, band order) are checked in `rules.py` so that a file gets
every problem reported at once, each with its question id and field. A validator here
raises its error under a code of `checklist_problems.py`, so that it can be worded.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
QuestionType = Literal["yes_no", "choice", "timer", "counter", "number", "text", "photo", "datetime", "audio"]
FollowUpType = Literal["yes_no", "choice", "number", "text"]
Benchmark = Literal["top", "average", "bottom"]
Channel = Literal["visit", "call"]
# Where a photo question's pictures may come from: `camera` offers no gallery (live capture).
PhotoSource = Literal["camera", "any"]
AnswerValue = Union[bool, int, float, str]

# Question types whose value is a measurement that a list of bands turns into an answer.
BANDED_TYPES = ("timer", "counter")
DEFAULT_MAX_PHOTOS = 10
# An audio question (a call recorded on speaker): how many recordings it takes, and how
# long one may be when the question does not say (`max_seconds`). The server refuses a
# recording longer than its question's limit (`server_stub/audio.py`).
DEFAULT_MAX_RECORDINGS = 3
DEFAULT_MAX_SECONDS = 900
MAX_RECORDING_SECONDS = 4 * 3600
MAX_VERSION = 2**31 - 1
MAX_DURATION_MINUTES = 24 * 60  # a visit's least duration: a service visit spans a day at most
MAX_HOURS = 24 * 366
MAX_WORKING_DAYS = 250


class Strict(BaseModel):
    # No inf or nan: a weight or a band of .inf would make every score nan.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Option(Strict):
    """One answer of a choice question; an option without a score is not counted."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=64)]
    label: str
    score: float | None = None


class Band(Strict):
    """A range of a timer's seconds or a counter's count: values up to `max` pick it."""

    max: float | None = None
    label: str
    score: float | None = None


class YesNoLabels(Strict):
    """How the seed words a yes/no item ("представился / не представился")."""

    yes: str = "Да"
    no: str = "Нет"

    @model_validator(mode="before")
    @classmethod
    def _yaml_booleans(cls, data: object) -> object:
        # YAML 1.1 reads an unquoted `yes:` / `no:` key as a boolean.
        if isinstance(data, dict):
            return {{True: "yes", False: "no"}.get(k, k) if isinstance(k, bool) else k: v for k, v in data.items()}
        return data


class PhotoRule(Strict):
    """How many photos a question wants as evidence."""

    min: Annotated[int, Field(ge=0)] = 0
    max: Annotated[int, Field(ge=1)] = 10


class RecordingRule(Strict):
    """How many recordings an audio question wants."""

    min: Annotated[int, Field(ge=0)] = 0
    max: Annotated[int, Field(ge=1)] = DEFAULT_MAX_RECORDINGS


class QuestionIs(Strict):
    """Shown when an earlier question's answer equals, is in, or is not in given values."""

    question: Identifier
    equals: AnswerValue | None = None
    in_: list[AnswerValue] | None = Field(default=None, alias="in")
    not_in: list[AnswerValue] | None = None


class AllOf(Strict):
    """Shown when every condition holds."""

    all: list["Condition"]


class AnyOf(Strict):
    """Shown when at least one condition holds."""

    any: list["Condition"]


Condition = Union[QuestionIs, AllOf, AnyOf]


class Question(Strict):
    """One item of the checklist, answered by the shopper during the visit or call."""

    id: Identifier
    text: str
    type: QuestionType
    ref: str | None = None  # the item's number in the source study, e.g. "2.3"
    study_text: str | None = None  # the study's own wording, for coordinators
    standard: str | None = None  # what analytics group versions by; its `ref` when absent
    hint: str | None = None
    options: list[Option] | None = None
    labels: YesNoLabels | None = None
    bands: list[Band] | None = None
    unit: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    show_if: Condition | None = None
    required: bool = True
    weight: Annotated[float, Field(ge=0)] = 1
    photos: PhotoRule | None = None
    # Part of the version's content (and so of its sha256) when it is `camera`; the default
    # is left out of the hash, so the files written before it hash as they always did.
    source: PhotoSource = "any"
    # An audio question's recordings: how many, and how long each may be. Both only on an
    # audio question (`rules.py`); absent, they are left out of the hash like every default.
    recordings: RecordingRule | None = None
    max_seconds: Annotated[int, Field(ge=1, le=MAX_RECORDING_SECONDS)] | None = None
    na_allowed: bool = False
    benchmark: Benchmark | None = None

    @property
    def camera_only(self) -> bool:
        """The shopper must take this question's photos with the camera: no gallery."""
        return self.type == "photo" and self.source == "camera"

    @property
    def standard_id(self) -> str | None:
        """The stable id of the standard this item judges, the same in every version."""
        return self.standard or self.ref

    def photo_range(self) -> tuple[int, int]:
        """(minimum, maximum) photos the question takes. A photo question without a rule
        wants one when required and takes up to ten; other questions take none unless a
        `photos` rule says so."""
        if self.photos is not None:
            return self.photos.min, self.photos.max
        if self.type == "photo":
            return (1 if self.required else 0), DEFAULT_MAX_PHOTOS
        return 0, 0

    def recording_range(self) -> tuple[int, int]:
        """(minimum, maximum) recordings the question takes: an audio question without a
        rule wants one when required and takes up to three; other questions take none."""
        if self.type != "audio":
            return 0, 0
        if self.recordings is not None:
            return self.recordings.min, self.recordings.max
        return (1 if self.required else 0), DEFAULT_MAX_RECORDINGS

    def recording_seconds(self) -> int:
        """How long one of the question's recordings may be, in seconds (0: none taken)."""
        if self.type != "audio":
            return 0
        return DEFAULT_MAX_SECONDS if self.max_seconds is None else self.max_seconds


class Section(Strict):
    """A block of the checklist, shown to the shopper one at a time."""

    id: Identifier
    title: str
    questions: list[Question]


class Offset(Strict):
    """A distance from a follow-up's anchor: hours, or working days."""

    hours: Annotated[float, Field(ge=0, le=MAX_HOURS)] | None = None
    working_days: Annotated[int, Field(ge=1, le=MAX_WORKING_DAYS)] | None = None

    @model_validator(mode="after")
    def _one(self) -> Offset:
        if (self.hours is None) == (self.working_days is None):
            raise PydanticCustomError("offset_one_of", "give exactly one of 'hours' and 'working_days'")
        return self


class WindowRule(Strict):
    """From when to when the dealer may act."""

    from_: Offset = Field(alias="from")
    to: Offset


class AnchorQuestion(Strict):
    """A moment the shopper recorded in a `datetime` question of the visit."""

    question: Identifier


class DueRule(Strict):
    """When the dealer should act, counted from the anchor: see `due.window`."""

    anchor: Literal["start", "finish"] | AnchorQuestion = "start"
    after_hours: Annotated[float, Field(gt=0, le=MAX_HOURS)] | None = None
    within_working_days: Annotated[int, Field(ge=1, le=MAX_WORKING_DAYS)] | None = None
    window: WindowRule | None = None

    @model_validator(mode="after")
    def _one(self) -> DueRule:
        given = [k for k in ("after_hours", "within_working_days", "window") if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "due_rule_one_of", "give exactly one of 'after_hours', 'within_working_days' and 'window'"
            )
        return self

    def describe(self) -> str:
        """The rule in a line, e.g. "within 7 working days of the finish"."""
        anchor = f"question {self.anchor.question}" if isinstance(self.anchor, AnchorQuestion) else self.anchor
        if self.after_hours is not None:
            return f"{self.after_hours:g} hours after the {anchor}"
        if self.within_working_days is not None:
            return f"within {self.within_working_days} working days of the {anchor}"
        assert self.window is not None
        return f"from {_offset_words(self.window.from_)} to {_offset_words(self.window.to)} after the {anchor}"


def _offset_words(offset: Offset) -> str:
    return f"{offset.hours:g} hours" if offset.hours is not None else f"{offset.working_days} working days"


class FollowUp(Strict):
    """A question answered days after the visit (did the dealer call back?)."""

    id: Identifier
    text: str
    type: FollowUpType
    due_after_hours: Annotated[float, Field(gt=0, le=MAX_HOURS)] | None = None  # version 1 files
    due: DueRule | None = None
    brands: dict[Annotated[str, Field(min_length=1, max_length=100)], DueRule] = {}
    hint: str | None = None
    options: list[Option] | None = None
    labels: YesNoLabels | None = None
    show_if: Condition | None = None
    weight: Annotated[float, Field(ge=0)] = 1
    benchmark: Benchmark | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> FollowUp:
        if (self.due_after_hours is None) == (self.due is None):
            raise PydanticCustomError("due_or_hours", "give exactly one of 'due' and 'due_after_hours'")
        return self

    def rule_for(self, brand: str) -> DueRule:
        """The due rule at a dealership of `brand`: its brand's own where it has one."""
        for name, rule in self.brands.items():
            if name.casefold() == brand.strip().casefold():
                return rule
        if self.due is not None:
            return self.due
        assert self.due_after_hours is not None
        return DueRule(after_hours=self.due_after_hours)


class Checklist(Strict):
    """One immutable version of a checklist; `(id, version)` names it everywhere."""

    id: Identifier
    # Within a 32-bit integer: the column PostgreSQL keeps it in.
    version: Annotated[int, Field(ge=1, le=MAX_VERSION)]
    title: str
    channel: Channel
    locale: str = "ru"
    description: str | None = None
    # The least a real visit or call takes, in minutes: one finished sooner is flagged
    # too_fast for the coordinator (issue 17), never refused. Absent, it is left out of
    # the hash like every default, so no published sha256 moves.
    min_duration_minutes: Annotated[int, Field(ge=1, le=MAX_DURATION_MINUTES)] | None = None
    sections: list[Section]
    follow_ups: list[FollowUp] = []

    def questions(self) -> list[Question]:
        """Every question in the order the shopper meets them."""
        return [q for section in self.sections for q in section.questions]

    def question(self, question_id: str) -> Question:
        for q in self.questions():
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def follow_up(self, follow_up_id: str) -> FollowUp:
        for f in self.follow_ups:
            if f.id == follow_up_id:
                return f
        raise KeyError(follow_up_id)

    def section_of(self, question_id: str) -> Section:
        for section in self.sections:
            if any(q.id == question_id for q in section.questions):
                return section
        raise KeyError(question_id)


AllOf.model_rebuild()
AnyOf.model_rebuild()
Question.model_rebuild()
DueRule.model_rebuild()
FollowUp.model_rebuild()
