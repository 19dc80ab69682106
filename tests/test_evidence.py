"""Flags of a revision, computed purely (server_stub/evidence.py): each code raised when it
should be and not when it should not, and none for an honest visit."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime, timedelta, timezone

from hypothesis import given, strategies as st

from field_app.domain.geo import EARTH_RADIUS_M
from field_app.domain.records import VisitRevision
from server_stub.evidence import (
    CODES,
    Dealership,
    Flag,
    NeighbourVisit,
    PhotoMatch,
    VisitEvidence,
    flags_of,
)
from server_stub.photo_facts import PhotoFacts

from samples import checklist
from server_support import photo_ref, revision

MINI = checklist()
PIN = (55.7539, 37.6208)  # the dealership, Moscow
DEALERSHIP = Dealership(lat=PIN[0], lon=PIN[1], radius_m=300, timezone="Europe/Moscow")
UTC = timezone.utc
STARTED = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
FINALIZED = datetime(2026, 11, 22, 10, 48, tzinfo=UTC)  # revision 1 of server_support.revision
PHOTO = photo_ref(b"front")["sha256"]
OTHER_UUID = "0b9f3c52-7a1e-4c55-9d1e-3f1f2c9a0001"


def north(metres: float, of: tuple[float, float] = PIN) -> tuple[float, float]:
    """The point `metres` due north: along a meridian the distance is exactly R * dlat."""
    return of[0] + math.degrees(metres / EARTH_RADIUS_M), of[1]


def fix(event: str, at: str, metres: float = 40, accuracy_m: float = 20, **extra) -> dict:
    lat, lon = north(metres)
    return {"event": event, "at": at, "lat": lat, "lon": lon, "accuracy_m": accuracy_m, **extra}


def honest_body(**changes) -> dict:
    """A visit as it should be: answers spread over the visit, fixes at the dealership."""
    body = revision(photos=[b"front"])
    for qid, minute in {"consultant_wait": 3, "greeted": 4, "test_drive_now": 15, "mirrors": 17,
                        "rings": 21, "parking": 30}.items():
        body["answers"][qid]["answered_at"] = f"2026-11-22T10:{minute:02d}:00Z"
    body["locations"] = [fix("start", "2026-11-22T10:00:04Z"),
                         fix("photo", "2026-11-22T10:20:02Z", photo_sha256=PHOTO),
                         fix("finish", "2026-11-22T10:48:03Z", metres=90)]
    body.update(changes)
    return body


def evidence(body: dict | None = None, **changes) -> VisitEvidence:
    honest = VisitEvidence(
        visit_uuid="0b9f3c52-7a1e-4c55-9d1e-3f1f2c9a0000",
        revision=VisitRevision.model_validate(body or honest_body()),
        checklist=MINI,
        received_at=FINALIZED + timedelta(minutes=12),
        dealership=DEALERSHIP,
        minimum_duration=timedelta(minutes=30),
        # 13:20 on the dealership's wall clock is 10:20 UTC, mid-visit.
        photos={PHOTO: PhotoFacts(taken_at=datetime(2026, 11, 22, 13, 20), position=north(60), look=0x5A5A)},
        matches=[],
        previous_visit=NeighbourVisit("prev", datetime(2026, 11, 22, 8, 30, tzinfo=UTC), *north(12_000)),
        next_visit=NeighbourVisit("next", datetime(2026, 11, 22, 12, 0, tzinfo=UTC), *north(-25_000)),
    )
    return dataclasses.replace(honest, **changes)


def codes(flags: list[Flag]) -> list[str]:
    return [f.code for f in flags]


def test_an_honest_visit_raises_no_flag():
    assert flags_of(evidence()) == []


def test_flag_numbers_are_plain_json_and_codes_stable():
    flags = flags_of(evidence(honest_body(locations=[]), received_at=FINALIZED + timedelta(days=3),
                              matches=[PhotoMatch(PHOTO, OTHER_UUID, 0, same_file=True)]))
    assert codes(flags) == ["no_location", "photo_reused", "late_upload"]
    assert json.loads(json.dumps([dataclasses.asdict(f) for f in flags])) == [dataclasses.asdict(f) for f in flags]
    assert set(codes(flags)) <= set(CODES) and len(CODES) == 10


# far_from_dealership

def test_a_start_fix_beyond_radius_and_accuracy_is_far():
    body = honest_body(locations=[fix("start", "2026-11-22T10:00:04Z", metres=400, accuracy_m=50)])
    assert flags_of(evidence(body)) == [Flag("far_from_dealership", {
        "event": "start", "metres": 400, "radius_m": 300, "accuracy_m": 50})]


def test_a_fix_whose_accuracy_reaches_the_radius_is_not_far():
    body = honest_body(locations=[fix("finish", "2026-11-22T10:48:04Z", metres=340, accuracy_m=50)])
    assert flags_of(evidence(body)) == []


def test_photo_fixes_and_unpinned_dealerships_raise_no_far_fix():
    body = honest_body(locations=[fix("photo", "2026-11-22T10:20:00Z", metres=5000, photo_sha256=PHOTO)])
    assert flags_of(evidence(body)) == []
    far = honest_body(locations=[fix("start", "2026-11-22T10:00:04Z", metres=5000)])
    assert "far_from_dealership" not in codes(flags_of(evidence(far, dealership=Dealership())))


def test_the_dealerships_own_radius_counts():
    body = honest_body(locations=[fix("start", "2026-11-22T10:00:04Z", metres=700)])
    assert "far_from_dealership" in codes(flags_of(evidence(body)))
    wide = dataclasses.replace(DEALERSHIP, radius_m=800)
    assert flags_of(evidence(body, dealership=wide)) == []


def far(metres: float, accuracy_m: float) -> bool:
    body = honest_body(locations=[fix("start", "2026-11-22T10:00:04Z", metres=metres, accuracy_m=accuracy_m)])
    return "far_from_dealership" in codes(flags_of(evidence(body)))


distances = st.floats(0, 50_000)
accuracies = st.floats(0, 5_000)


@given(distances, distances, accuracies)
def test_moving_a_fix_farther_never_removes_far_from_dealership(a, b, accuracy):
    near, farther = sorted((a, b))
    assert not far(near, accuracy) or far(farther, accuracy)


@given(distances, accuracies, accuracies)
def test_a_bigger_accuracy_never_adds_far_from_dealership(metres, a, b):
    small, big = sorted((a, b))
    assert not far(metres, big) or far(metres, small)


# no_location

def test_no_fix_at_all_is_no_location_with_the_events_the_phone_gave_up_on():
    body = honest_body(locations=[], location_unavailable=["finish", "start", "finish"])
    assert flags_of(evidence(body)) == [Flag("no_location", {"unavailable": ["finish", "start"]})]


def test_an_older_phone_sends_no_fix_and_gets_no_location():
    body = honest_body()
    del body["locations"]
    assert codes(flags_of(evidence(body))) == ["no_location"]


def test_one_fix_of_any_event_is_a_location():
    body = honest_body(locations=[fix("photo", "2026-11-22T10:20:00Z", photo_sha256=PHOTO)],
                       location_unavailable=["start", "finish"])
    assert flags_of(evidence(body)) == []


# photo_reused

def test_a_photo_matching_another_visits_photo_is_reused_naming_the_other_visit():
    matches = [PhotoMatch(PHOTO, OTHER_UUID, 4), PhotoMatch(PHOTO, OTHER_UUID, 0, same_file=True),
               PhotoMatch(PHOTO, "another", 6)]
    assert flags_of(evidence(matches=matches)) == [
        Flag("photo_reused", {"photo_sha256": PHOTO, "other_visit": OTHER_UUID, "bits": 0, "same_file": True}),
        Flag("photo_reused", {"photo_sha256": PHOTO, "other_visit": "another", "bits": 6, "same_file": False}),
    ]


def test_a_far_look_its_own_visit_or_another_photo_is_no_reuse():
    matches = [PhotoMatch(PHOTO, OTHER_UUID, 7),
               PhotoMatch(PHOTO, "0b9f3c52-7a1e-4c55-9d1e-3f1f2c9a0000", 0, same_file=True),
               PhotoMatch("f" * 64, OTHER_UUID, 0, same_file=True)]
    assert flags_of(evidence(matches=matches)) == []


# photo_time_outside_visit

def facts(taken_at: datetime | None = None, position: tuple[float, float] | None = None) -> dict:
    return {PHOTO: PhotoFacts(taken_at=taken_at, position=position, look=None)}


def test_a_photo_taken_an_hour_before_the_start_is_outside_the_visit():
    # 12:00 in Moscow is 09:00 UTC, an hour before the 10:00 start.
    flags = flags_of(evidence(photos=facts(datetime(2026, 11, 22, 12, 0))))
    assert flags == [Flag("photo_time_outside_visit", {
        "photo_sha256": PHOTO, "taken_at": "2026-11-22T09:00:00Z", "minutes": -60.0})]


def test_a_photo_within_30_minutes_of_the_visit_belongs_to_it():
    assert flags_of(evidence(photos=facts(datetime(2026, 11, 22, 12, 31)))) == []   # 29 min before
    assert flags_of(evidence(photos=facts(datetime(2026, 11, 22, 14, 17)))) == []   # 29 min after
    after = flags_of(evidence(photos=facts(datetime(2026, 11, 23, 14, 18))))        # the next day
    assert after[0].numbers["minutes"] == 1470.0


def test_a_naive_exif_time_is_read_in_the_dealerships_zone():
    # 13:20 is mid-visit in Moscow, but in Vladivostok (UTC+10) it is 03:20 UTC.
    far_east = dataclasses.replace(DEALERSHIP, timezone="Asia/Vladivostok")
    assert codes(flags_of(evidence(dealership=far_east))) == ["photo_time_outside_visit"]


def test_the_cameras_offset_wins_over_the_dealerships_zone():
    plus_three = timezone(timedelta(hours=3))
    assert flags_of(evidence(photos=facts(datetime(2026, 11, 22, 13, 20, tzinfo=plus_three)))) == []
    utc_camera = flags_of(evidence(photos=facts(datetime(2026, 11, 22, 13, 20, tzinfo=UTC))))
    assert utc_camera[0].numbers == {"photo_sha256": PHOTO, "taken_at": "2026-11-22T13:20:00Z", "minutes": 152.0}


def test_a_photo_without_exif_time_or_not_yet_read_raises_nothing():
    assert flags_of(evidence(photos=facts(None))) == []
    assert flags_of(evidence(photos={})) == []


# photo_far_from_dealership

def test_a_photo_whose_gps_is_beyond_the_radius_is_far():
    flags = flags_of(evidence(photos=facts(datetime(2026, 11, 22, 13, 20), north(1_000))))
    assert flags == [Flag("photo_far_from_dealership", {"photo_sha256": PHOTO, "metres": 1000, "radius_m": 300})]


def test_a_photo_within_the_radius_or_without_gps_is_not_far():
    assert flags_of(evidence(photos=facts(datetime(2026, 11, 22, 13, 20), north(290)))) == []
    assert flags_of(evidence(photos=facts(datetime(2026, 11, 22, 13, 20), None))) == []


# too_fast

def test_a_visit_shorter_than_the_checklists_minimum_is_too_fast():
    flags = flags_of(evidence(minimum_duration=timedelta(hours=1)))
    assert flags == [Flag("too_fast", {"minutes": 48.0, "minimum_minutes": 60.0})]
    assert flags_of(evidence(minimum_duration=timedelta(minutes=48))) == []
    assert flags_of(evidence(minimum_duration=None)) == []


def test_answers_faster_than_their_questions_can_be_read_are_too_fast():
    body = honest_body()
    for i, answer in enumerate(body["answers"].values()):
        answer["answered_at"] = (STARTED + timedelta(minutes=40, seconds=0.2 * i)).isoformat()  # six in 1 s
    # The mini checklist's five later questions have 44 characters: 1.5 s at 30 a second.
    texts = {q.id: q.text for q in MINI.questions()}
    characters = sum(len(texts[qid]) for qid in list(body["answers"])[1:])
    assert characters == 44
    assert flags_of(evidence(body)) == [Flag("too_fast", {"answers": 6, "seconds": 1.0, "reading_seconds": 1.5})]
    # A reader fast enough for that span raises nothing.
    assert flags_of(evidence(body, reading_characters_per_second=44)) == []


def test_one_answer_alone_is_never_too_fast_to_read():
    body = honest_body()
    body["answers"] = {"greeted": body["answers"]["greeted"]}
    assert flags_of(evidence(body)) == []


# timer_exceeds_visit

def test_a_stopwatch_longer_than_the_visit_exceeds_it():
    body = honest_body(timers={"consultant_wait": [{"event": "start", "at": "2026-11-22T09:00:00Z"},
                                                   {"event": "stop", "at": "2026-11-22T10:30:00Z"}]})
    assert flags_of(evidence(body)) == [Flag("timer_exceeds_visit", {
        "question_id": "consultant_wait", "timer_minutes": 90.0, "visit_minutes": 48.0})]


def test_a_stopwatch_left_running_counts_until_finalizing_and_fits():
    body = honest_body(timers={"consultant_wait": [{"event": "start", "at": "2026-11-22T10:01:00Z"}]})
    assert flags_of(evidence(body)) == []


# late_upload

def test_received_more_than_48_hours_after_finalizing_is_late():
    assert flags_of(evidence(received_at=FINALIZED + timedelta(hours=49))) == [Flag("late_upload", {"hours": 49.0})]
    assert flags_of(evidence(received_at=FINALIZED + timedelta(hours=48))) == []


# clock_ahead

def test_finalized_after_the_server_received_it_is_a_clock_ahead():
    assert flags_of(evidence(received_at=FINALIZED - timedelta(minutes=7))) == [
        Flag("clock_ahead", {"minutes": 7.0})]
    assert flags_of(evidence(received_at=FINALIZED - timedelta(minutes=5))) == []


def test_an_answer_stamped_after_receipt_is_a_clock_ahead():
    body = honest_body(follow_ups={"callback": {"value": True, "answered_at": "2026-11-22T11:30:00Z"}})
    assert flags_of(evidence(body)) == [Flag("clock_ahead", {"minutes": 30.0})]


# impossible_travel

def test_two_visits_too_far_apart_for_the_time_between_them_are_impossible_travel():
    # 60 km from the previous finish to this start in 20 minutes: 180 km/h.
    previous = NeighbourVisit("prev", STARTED - timedelta(minutes=20), *north(60_000 + 20))
    flags = flags_of(evidence(previous_visit=previous))
    assert flags == [Flag("impossible_travel", {"other_visit": "prev", "metres": 59960, "minutes": 20.0,
                                                "km_h": 180})]


def test_travel_at_a_possible_speed_raises_nothing():
    previous = NeighbourVisit("prev", STARTED - timedelta(minutes=30), *north(60_000))  # 120 km/h
    assert flags_of(evidence(previous_visit=previous)) == []


def test_the_next_visit_counts_from_the_finish_and_accuracy_is_allowed_for():
    nxt = NeighbourVisit("next", FINALIZED + timedelta(minutes=2), *north(8_000))  # ~240 km/h
    assert codes(flags_of(evidence(next_visit=nxt))) == ["impossible_travel"]
    vague = dataclasses.replace(nxt, accuracy_m=4_000)
    assert flags_of(evidence(next_visit=vague)) == []


def test_overlapping_visits_in_two_places_have_no_finite_speed():
    nxt = NeighbourVisit("next", FINALIZED - timedelta(minutes=5), *north(10_000))
    assert flags_of(evidence(next_visit=nxt))[0].numbers["km_h"] is None


def test_without_fixes_the_dealerships_position_is_where_the_visit_was():
    body = honest_body(locations=[])
    previous = NeighbourVisit("prev", STARTED - timedelta(minutes=10), *north(50_000))
    assert codes(flags_of(evidence(body, previous_visit=previous))) == ["no_location", "impossible_travel"]
    assert codes(flags_of(evidence(body, previous_visit=previous, dealership=None))) == ["no_location"]


def test_a_camera_clock_off_the_calendar_is_no_time_and_no_crash():
    assert flags_of(evidence(photos=facts(datetime(1, 1, 1, 0, 0)))) == []   # year 0 in UTC
    minus_five = timezone(timedelta(hours=-5))
    assert flags_of(evidence(photos=facts(datetime(9999, 12, 31, 23, 0, tzinfo=minus_five)))) == []
    far_future = flags_of(evidence(photos=facts(datetime(9999, 12, 31, 12, 0))))
    assert far_future[0].numbers["taken_at"] == "9999-12-31T09:00:00Z"
