"""Flags: what a coordinator should look at before trusting a visit (issue 17, point 4).

`flags_of` is pure: everything it needs comes in one `VisitEvidence` (the revision, its
dealership, the facts read from its photos, the other visits' photos that match, the
shopper's visits before and after, the moment the server received it), so it can be
computed again whenever a fact arrives. A flag never refuses anything: location services
fail indoors and clocks drift; the coordinator decides.

Each flag is a stable code (the console words it, in the coordinator's language) and its
numbers as plain JSON: metres, minutes, hours, km/h, photo hashes and visit uuids. A code
may come several times, once per fix, photo or other visit it is about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from field_app.domain.checklist import Checklist
from field_app.domain.due import DEFAULT_TIMEZONE
from field_app.domain.geo import distance_m, speed_kmh
from field_app.domain.records import LocationFix, VisitRevision
from field_app.domain.timers import stopwatch_state

from .photo_facts import NEAR_DUPLICATE_BITS, PhotoFacts

# The thresholds, all in one place.
DEFAULT_RADIUS_M = 300.0
"""How far from its pin a dealership's own car park and showroom reach, unless it says."""
PHOTO_TIME_SLACK = timedelta(minutes=30)
"""A photo taken this long before the start or after finalizing still belongs to the visit
(the facade shot from the car park, a business card photographed on the way out)."""
LATE_UPLOAD_AFTER = timedelta(hours=48)
CLOCK_AHEAD_SLACK = timedelta(minutes=5)
"""A phone clock this far ahead of the server's is drift, not a visit from the future."""
IMPOSSIBLE_SPEED_KMH = 150.0
READING_CHARACTERS_PER_SECOND = 30.0
"""Faster than anyone reads: adults read 175-300 words a minute silently, 17-28
characters a second (Brysbaert 2019, a meta-analysis of 190 studies)."""
# NEAR_DUPLICATE_BITS, how close two photos' looks must be, belongs to photo_facts.

FAR_FROM_DEALERSHIP = "far_from_dealership"
NO_LOCATION = "no_location"
PHOTO_REUSED = "photo_reused"
PHOTO_TIME_OUTSIDE_VISIT = "photo_time_outside_visit"
PHOTO_FAR_FROM_DEALERSHIP = "photo_far_from_dealership"
TOO_FAST = "too_fast"
TIMER_EXCEEDS_VISIT = "timer_exceeds_visit"
LATE_UPLOAD = "late_upload"
CLOCK_AHEAD = "clock_ahead"
IMPOSSIBLE_TRAVEL = "impossible_travel"
CODES = (FAR_FROM_DEALERSHIP, NO_LOCATION, PHOTO_REUSED, PHOTO_TIME_OUTSIDE_VISIT, PHOTO_FAR_FROM_DEALERSHIP,
         TOO_FAST, TIMER_EXCEEDS_VISIT, LATE_UPLOAD, CLOCK_AHEAD, IMPOSSIBLE_TRAVEL)


@dataclass(frozen=True)
class Flag:
    """Something to look at: a stable code and the numbers that make it."""

    code: str
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Dealership:
    """Where the visit should have been; an unpinned dealership has no position."""

    lat: float | None = None
    lon: float | None = None
    radius_m: float = DEFAULT_RADIUS_M
    timezone: str = DEFAULT_TIMEZONE


@dataclass(frozen=True)
class PhotoMatch:
    """A photo of this revision that a photo of another visit matches: the same file
    (`bits` 0, `same_file`) or a look within NEAR_DUPLICATE_BITS."""

    photo_sha256: str
    other_visit: str
    bits: int
    same_file: bool = False


@dataclass(frozen=True)
class NeighbourVisit:
    """The shopper's visit just before this one (`at` when it was finalized, the place
    of its finish) or just after (`at` when it started, the place of its start): a fix,
    or its dealership's position with no accuracy."""

    uuid: str
    at: datetime
    lat: float
    lon: float
    accuracy_m: float = 0.0


@dataclass(frozen=True)
class VisitEvidence:
    """Everything a revision's flags are computed from."""

    visit_uuid: str
    revision: VisitRevision
    checklist: Checklist
    received_at: datetime
    dealership: Dealership | None = None
    minimum_duration: timedelta | None = None
    photos: Mapping[str, PhotoFacts] = field(default_factory=dict)
    """By sha256; a photo not uploaded (or not read) yet is absent."""
    matches: Sequence[PhotoMatch] = ()
    previous_visit: NeighbourVisit | None = None
    next_visit: NeighbourVisit | None = None
    reading_characters_per_second: float = READING_CHARACTERS_PER_SECOND


def flags_of(evidence: VisitEvidence) -> list[Flag]:
    """Every flag the revision raises, in the order of CODES; none for an honest visit."""
    return [*_far_fixes(evidence), *_no_location(evidence), *_reused_photos(evidence),
            *_photo_times(evidence), *_far_photos(evidence), *_too_fast(evidence),
            *_long_timers(evidence), *_late_upload(evidence), *_clock_ahead(evidence),
            *_impossible_travel(evidence)]


def _pin(evidence: VisitEvidence) -> Dealership | None:
    d = evidence.dealership
    return d if d is not None and d.lat is not None and d.lon is not None else None


def _far_fixes(evidence: VisitEvidence) -> list[Flag]:
    pin = _pin(evidence)
    if pin is None:
        return []
    flags = []
    for fix in evidence.revision.locations:
        if fix.event == "photo":  # photos are judged by their own EXIF position
            continue
        metres = distance_m(fix.lat, fix.lon, pin.lat, pin.lon)
        # The shopper may be anywhere in the fix's circle of accuracy: far only if all of it is.
        if metres > pin.radius_m + fix.accuracy_m:
            flags.append(Flag(FAR_FROM_DEALERSHIP, {"event": fix.event, "metres": round(metres),
                                                    "radius_m": pin.radius_m, "accuracy_m": fix.accuracy_m}))
    return flags


def _no_location(evidence: VisitEvidence) -> list[Flag]:
    revision = evidence.revision
    if revision.locations:
        return []
    return [Flag(NO_LOCATION, {"unavailable": sorted(set(revision.location_unavailable))})]


def _reused_photos(evidence: VisitEvidence) -> list[Flag]:
    mine = {photo.sha256 for photo in evidence.revision.photos}
    closest: dict[tuple[str, str], PhotoMatch] = {}
    for match in evidence.matches:
        if (match.photo_sha256 in mine and match.other_visit != evidence.visit_uuid
                and match.bits <= NEAR_DUPLICATE_BITS):
            # One flag per photo and other visit: the same file, else the closest look.
            key = (match.photo_sha256, match.other_visit)
            if key not in closest or _closeness(match) < _closeness(closest[key]):
                closest[key] = match
    return [Flag(PHOTO_REUSED, {"photo_sha256": m.photo_sha256, "other_visit": m.other_visit,
                                "bits": m.bits, "same_file": m.same_file})
            for _, m in sorted(closest.items())]


def _closeness(match: PhotoMatch) -> tuple[bool, int]:
    return not match.same_file, match.bits


def _photo_facts(evidence: VisitEvidence) -> list[tuple[str, PhotoFacts]]:
    shas = dict.fromkeys(photo.sha256 for photo in evidence.revision.photos)  # in order, once
    return [(sha, evidence.photos[sha]) for sha in shas if sha in evidence.photos]


def _photo_times(evidence: VisitEvidence) -> list[Flag]:
    revision = evidence.revision
    zone = ZoneInfo((evidence.dealership or Dealership()).timezone)
    flags = []
    for sha, facts in _photo_facts(evidence):
        taken = _in_utc(facts.taken_at, zone)
        if taken is None:
            continue
        # Differences, not started_at - PHOTO_TIME_SLACK, which has no room at year 1.
        if revision.started_at - taken > PHOTO_TIME_SLACK:
            outside = taken - revision.started_at
        elif taken - revision.finalized_at > PHOTO_TIME_SLACK:
            outside = taken - revision.finalized_at
        else:
            continue
        flags.append(Flag(PHOTO_TIME_OUTSIDE_VISIT, {"photo_sha256": sha, "taken_at": _moment(taken),
                                                     "minutes": _minutes(outside)}))
    return flags


def _in_utc(taken_at: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A camera's own offset wins; a naive EXIF time is the dealership's wall clock. A
    camera clock at 0001-01-01 or 9999-12-31 may fall off the calendar in UTC: no time."""
    if taken_at is None:
        return None
    try:
        return (taken_at if taken_at.tzinfo else taken_at.replace(tzinfo=zone)).astimezone(UTC)
    except OverflowError:
        return None


def _far_photos(evidence: VisitEvidence) -> list[Flag]:
    pin = _pin(evidence)
    if pin is None:
        return []
    flags = []
    for sha, facts in _photo_facts(evidence):
        if facts.position is None:
            continue
        metres = distance_m(*facts.position, pin.lat, pin.lon)
        if metres > pin.radius_m:  # EXIF gives no accuracy to allow for
            flags.append(Flag(PHOTO_FAR_FROM_DEALERSHIP, {"photo_sha256": sha, "metres": round(metres),
                                                          "radius_m": pin.radius_m}))
    return flags


def _too_fast(evidence: VisitEvidence) -> list[Flag]:
    revision, flags = evidence.revision, []
    took = revision.finalized_at - revision.started_at
    if evidence.minimum_duration is not None and took < evidence.minimum_duration:
        flags.append(Flag(TOO_FAST, {"minutes": _minutes(took),
                                     "minimum_minutes": _minutes(evidence.minimum_duration)}))
    # Every answer after the first needs its question read: the span from the first answer
    # to the last can be no shorter than reading them all. An answer changed later only
    # widens the span, so a careful shopper is never caught by it.
    texts = {q.id: q.text for q in evidence.checklist.questions()}
    answers = sorted(revision.answers.items(), key=lambda item: item[1].answered_at)
    if len(answers) >= 2:
        characters = sum(len(texts.get(qid, "")) for qid, _ in answers[1:])
        reading = timedelta(seconds=characters / evidence.reading_characters_per_second)
        span = answers[-1][1].answered_at - answers[0][1].answered_at
        if span < reading:
            flags.append(Flag(TOO_FAST, {"answers": len(answers), "seconds": round(span.total_seconds(), 1),
                                         "reading_seconds": round(reading.total_seconds(), 1)}))
    return flags


def _long_timers(evidence: VisitEvidence) -> list[Flag]:
    revision = evidence.revision
    visit = revision.finalized_at - revision.started_at
    flags = []
    for qid, events in revision.timers.items():
        # A stopwatch left running counts until finalizing, as the phone shows it then.
        elapsed = timedelta(seconds=stopwatch_state(events, revision.finalized_at).elapsed_seconds)
        if elapsed > visit:
            flags.append(Flag(TIMER_EXCEEDS_VISIT, {"question_id": qid, "timer_minutes": _minutes(elapsed),
                                                    "visit_minutes": _minutes(visit)}))
    return flags


def _late_upload(evidence: VisitEvidence) -> list[Flag]:
    late = evidence.received_at - evidence.revision.finalized_at
    return [Flag(LATE_UPLOAD, {"hours": round(late / timedelta(hours=1), 1)})] if late > LATE_UPLOAD_AFTER else []


def _clock_ahead(evidence: VisitEvidence) -> list[Flag]:
    revision = evidence.revision
    stamped = [revision.finalized_at, *(a.answered_at for a in revision.answers.values()),
               *(a.answered_at for a in revision.follow_ups.values())]
    ahead = max(stamped) - evidence.received_at
    return [Flag(CLOCK_AHEAD, {"minutes": _minutes(ahead)})] if ahead > CLOCK_AHEAD_SLACK else []


def _impossible_travel(evidence: VisitEvidence) -> list[Flag]:
    revision, pin = evidence.revision, _pin(evidence)
    start = _place(revision.locations, "start", pin)
    finish = _place(revision.locations, "finish", pin)
    legs = []
    if evidence.previous_visit is not None and start is not None:
        legs.append((evidence.previous_visit, start, revision.started_at - evidence.previous_visit.at))
    if evidence.next_visit is not None and finish is not None:
        legs.append((evidence.next_visit, finish, evidence.next_visit.at - revision.finalized_at))
    flags = []
    for other, (lat, lon, accuracy_m), elapsed in legs:
        # Both ends may be off by their accuracy: only the distance they cannot explain counts.
        metres = max(0.0, distance_m(lat, lon, other.lat, other.lon) - accuracy_m - other.accuracy_m)
        speed = speed_kmh(metres, elapsed)
        if speed > IMPOSSIBLE_SPEED_KMH:
            flags.append(Flag(IMPOSSIBLE_TRAVEL, {
                "other_visit": other.uuid, "metres": round(metres), "minutes": _minutes(elapsed),
                "km_h": round(speed) if speed != float("inf") else None}))  # no time at all: no finite speed
    return flags


def _place(fixes: list[LocationFix], event: str, pin: Dealership | None) -> tuple[float, float, float] | None:
    """Where the visit started (its first start fix) or ended (its last finish fix), else
    its dealership: (lat, lon, accuracy in metres)."""
    chosen = [fix for fix in fixes if fix.event == event]
    if chosen:
        fix = chosen[0] if event == "start" else chosen[-1]
        return fix.lat, fix.lon, fix.accuracy_m
    return (pin.lat, pin.lon, 0.0) if pin is not None else None


def _minutes(span: timedelta) -> float:
    return round(span / timedelta(minutes=1), 1)


def _moment(moment: datetime) -> str:  # a UTC moment as the wire writes it
    return moment.isoformat().replace("+00:00", "Z")
