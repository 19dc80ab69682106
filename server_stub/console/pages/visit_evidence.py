"""The evidence panel of a visit's page (issue 17, point 5): each flag of the revision
shown as a sentence with its numbers in the page's language, the other visit it names
linked; where the phone was, drawn around the dealership's pin (`fix_map`); and when the
camera says each photo was taken, on the visit's timeline in the dealership's time zone.

The numbers come from the stored flags (`evidence.flags_of`), never computed again here:
the panel says what the server decided, and when it has not decided yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from field_app.domain.i18n import MissingTranslationError, Translator

from ...queries.visit_list import VisitListRow
from ...visit_proof import Proof
from ...visits import VisitDetail
from ..fix_map import Point, fix_map

MOMENT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class FlagLine:
    code: str
    name: str  # the flag's short name where the console has one, else ""
    words: str  # the sentence with its numbers
    other: VisitListRow | None  # the other visit it names, when the server holds it


@dataclass(frozen=True)
class Moment:
    """A line of the visit's timeline."""

    at: str  # in the dealership's time zone
    words: str
    outside: str  # "" inside the visit, else how far before or after it, in words


@dataclass(frozen=True)
class Panel:
    computed: bool  # False: the flags were never computed for this revision
    flags: list[FlagLine]
    drawing: Markup | None  # the fixes around the pin, or None and `no_drawing` says why
    no_drawing: str
    timeline: list[Moment]
    zone: str
    untimed_photos: int  # photos with no capture time known (not uploaded, or none in the file)


def panel(t: Translator, detail: VisitDetail, proof: Proof) -> Panel:
    words = _Words(t, detail, proof)
    drawing, no_drawing = _drawing(t, detail, proof, words)
    timeline, untimed = _timeline(t, detail, proof)
    return Panel(
        computed=proof.computed_at is not None,
        flags=[FlagLine(f.code, _short_name(t, f.code), words.flag(f.code, f.numbers),
                        proof.others.get(f.numbers.get("other_visit", ""))) for f in proof.flags],
        drawing=drawing, no_drawing=no_drawing, timeline=timeline, zone=proof.timezone, untimed_photos=untimed,
    )


def _short_name(t: Translator, code: str) -> str:
    # The list's flag marks name each code (flag.<code>); a console without them shows the sentence alone.
    try:
        return t(f"flag.{code}")
    except MissingTranslationError:
        return ""


class _Words:
    """The flags' numbers in the page's language."""

    def __init__(self, t: Translator, detail: VisitDetail, proof: Proof):
        self.t, self.detail, self.proof = t, detail, proof
        self.questions = {q.id: q.text for q in detail.checklist.questions()}
        self.photo_question = {p.sha256: p.question_id for p in detail.revision.photos}

    def number(self, value: float, digits: int = 0) -> str:
        text = f"{value:,.{digits}f}"
        if self.t.language == "ru":  # 1 234,5
            text = text.replace(",", "\u00a0").replace(".", ",")
        return text

    def distance(self, metres: float) -> str:
        if abs(metres) < 1000:
            return self.t("evidence.metres", value=self.number(metres))
        return self.t("evidence.km", value=self.number(metres / 1000, 1))

    def minutes(self, value: float) -> str:
        return self.number(abs(value), 0 if float(abs(value)).is_integer() else 1)

    def photo(self, sha: str) -> str:
        qid = self.photo_question.get(sha)
        return self.questions.get(qid, qid) if qid else sha[:12]

    def flag(self, code: str, n: dict) -> str:
        t = self.t
        if code == "far_from_dealership":
            return t("flag_detail.far_from_dealership", event=t(f"evidence.event_{n['event']}"),
                     distance=self.distance(n["metres"]), radius=self.distance(n["radius_m"]),
                     accuracy=self.distance(n["accuracy_m"]))
        if code == "no_location":
            events = ", ".join(t(f"evidence.event_{e}") for e in n.get("unavailable") or ())
            return t("flag_detail.no_location_unavailable", events=events) if events else t("flag_detail.no_location")
        if code == "photo_reused":
            if n.get("same_file"):
                return t("flag_detail.photo_reused", question=self.photo(n["photo_sha256"]))
            return t("flag_detail.photo_reused_alike", question=self.photo(n["photo_sha256"]), bits=n["bits"])
        if code == "photo_time_outside_visit":
            key = "photo_time_outside_visit" if n["minutes"] < 0 else "photo_time_outside_visit_after"
            taken = datetime.fromisoformat(n["taken_at"].replace("Z", "+00:00"))
            return t(f"flag_detail.{key}", question=self.photo(n["photo_sha256"]),
                     taken=taken.astimezone(ZoneInfo(self.proof.timezone)).strftime(MOMENT),
                     minutes=self.minutes(n["minutes"]))
        if code == "photo_far_from_dealership":
            return t("flag_detail.photo_far_from_dealership", question=self.photo(n["photo_sha256"]),
                     distance=self.distance(n["metres"]), radius=self.distance(n["radius_m"]))
        if code == "too_fast":
            if "answers" in n:
                return t("flag_detail.too_fast_reading", answers=n["answers"], seconds=self.number(n["seconds"], 1),
                         reading=self.number(n["reading_seconds"], 1))
            return t("flag_detail.too_fast", minutes=self.minutes(n["minutes"]),
                     minimum=self.minutes(n["minimum_minutes"]))
        if code == "timer_exceeds_visit":
            return t("flag_detail.timer_exceeds_visit", question=self.questions.get(n["question_id"], n["question_id"]),
                     timer=self.minutes(n["timer_minutes"]), visit=self.minutes(n["visit_minutes"]))
        if code == "late_upload":
            return t("flag_detail.late_upload", hours=self.number(n["hours"], 1))
        if code == "clock_ahead":
            return t("flag_detail.clock_ahead", minutes=self.minutes(n["minutes"]))
        if code == "impossible_travel":
            other = self.proof.others.get(n["other_visit"])
            later = other is not None and other.started_at > self.detail.revision.started_at
            speed = (t("evidence.speed", value=self.number(n["km_h"])) if n.get("km_h") is not None
                     else t("evidence.no_time"))
            return t("flag_detail.impossible_travel_next" if later else "flag_detail.impossible_travel",
                     distance=self.distance(n["metres"]), minutes=self.minutes(n["minutes"]), speed=speed)
        return t("evidence.unknown_flag", code=code)


def _drawing(t: Translator, detail: VisitDetail, proof: Proof, words: _Words) -> tuple[Markup | None, str]:
    fixes = detail.revision.locations
    if not detail.header.dealer_code:
        return None, t("evidence.no_map_unplanned")
    if proof.pin is None:
        return None, t("evidence.no_map_no_pin")
    if not fixes:
        return None, t("evidence.no_map_no_fixes")
    photo_numbers: dict[str, int] = {}
    points = []
    for fix in fixes:
        if fix.event == "photo":
            number = photo_numbers.setdefault(fix.photo_sha256 or "", len(photo_numbers) + 1)
            label = t("evidence.fix_photo", number=number)
        else:
            label = t(f"evidence.fix_{fix.event}")
        points.append(Point(label, fix.event, fix.lat, fix.lon, fix.accuracy_m))
    name = detail.header.dealer_name or detail.header.dealer_code
    return fix_map(t("evidence.map_title", dealer=name, radius=words.distance(proof.radius_m)), proof.pin,
                   proof.radius_m, points, words.distance, name), ""


def _timeline(t: Translator, detail: VisitDetail, proof: Proof) -> tuple[list[Moment], int]:
    zone = ZoneInfo(proof.timezone)
    revision = detail.revision
    started, finalized = revision.started_at, revision.finalized_at
    questions = {q.id: q.text for q in detail.checklist.questions()}
    lines: list[tuple[datetime, int, Moment]] = [
        (started, 0, Moment(started.astimezone(zone).strftime(MOMENT), t("evidence.at_started"), "")),
        (finalized, 2, Moment(finalized.astimezone(zone).strftime(MOMENT), t("evidence.at_finalized"), "")),
    ]
    untimed = 0
    for photo in revision.photos:
        taken = proof.taken.get(photo.sha256)
        if taken is None:
            untimed += 1
            continue
        if taken < started:
            outside = t("evidence.before_start", minutes=_whole_minutes(started - taken))
        elif taken > finalized:
            outside = t("evidence.after_finish", minutes=_whole_minutes(taken - finalized))
        else:
            outside = ""
        question = questions.get(photo.question_id, photo.question_id)
        lines.append((taken, 1, Moment(taken.astimezone(zone).strftime(MOMENT),
                                       t("evidence.at_photo", question=question), outside)))
    lines.sort(key=lambda line: (line[0], line[1]))
    return [moment for _, _, moment in lines], untimed


def _whole_minutes(span) -> int:
    return max(1, round(span.total_seconds() / 60))
