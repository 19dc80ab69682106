"""Location fixes on the wire (issue 17, point 1): optional, checked, and invisible in the
canonical bytes of a revision from a phone that does not send them."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import ValidationError

from field_app.domain.canonical import canonical_json
from field_app.domain.records import VisitRevision
from field_app.domain.revision_check import revision_problems

from samples import checklist
from server_support import photo_ref, revision

MINI = checklist()

# A revision as an older phone stored and sent it (bytes made by the code before issue 17);
# the server holds it under this sha256 and must recognise a retry of it.
OLD_PAYLOAD = (
    '{"answers":{"greeted":{"answered_at":"2026-11-22T10:03:00Z","comment":"","na":false,"value":true},'
    '"notes":{"answered_at":"2026-11-22T10:40:00.250000Z","comment":"ок","na":false,"value":"Всё «хорошо»"},'
    '"parking":{"answered_at":"2026-11-22T10:05:00Z","comment":"","na":true,"value":null}},'
    '"assignment_id":"as-17","checklist":{"id":"showroom_visit","sha256":"' + "a" * 64 + '","version":1},'
    '"finalized_at":"2026-11-22T10:48:00Z","follow_ups":{"callback":{"answered_at":"2026-11-24T09:00:00Z",'
    '"comment":"","value":false}},"photos":[{"bytes":281234,"question_id":"front_photo","sha256":"'
    + "b" * 64 + '","taken_at":"2026-11-22T10:20:00Z"}],"revision":2,"started_at":"2026-11-22T10:00:00Z",'
    '"timers":{"consultant_wait":[{"at":"2026-11-22T10:01:00Z","event":"start"},'
    '{"at":"2026-11-22T10:07:10Z","event":"stop"}]}}'
).encode()
OLD_SHA256 = "199876656881b5766b9d0dea82b195410ed1a79263eef3c7afbcfaaadf29e763"


def fix(event: str = "start", at: str = "2026-11-22T10:00:05Z", **extra) -> dict:
    return {"event": event, "at": at, "lat": 55.7558, "lon": 37.6173, "accuracy_m": 25.0, **extra}


def test_an_older_phones_stored_revision_round_trips_byte_for_byte():
    parsed = VisitRevision.model_validate_json(OLD_PAYLOAD)
    assert parsed.locations == [] and parsed.location_unavailable == []
    assert canonical_json(parsed) == OLD_PAYLOAD
    assert hashlib.sha256(canonical_json(parsed)).hexdigest() == OLD_SHA256


def test_empty_evidence_lists_spelled_out_hash_like_absent_ones():
    spelled = revision(locations=[], location_unavailable=[])
    assert canonical_json(VisitRevision.model_validate(spelled)) == canonical_json(
        VisitRevision.model_validate(revision()))


def test_fixes_are_kept_in_the_canonical_bytes_and_round_trip():
    body = revision(photos=[b"p"], locations=[fix(), fix("photo", photo_sha256=photo_ref(b"p")["sha256"])],
                    location_unavailable=["finish"])
    first = canonical_json(VisitRevision.model_validate(body))
    assert b'"locations":[{' in first and b'"location_unavailable":["finish"]' in first
    assert canonical_json(VisitRevision.model_validate_json(first)) == first
    # Every field is spelled out inside a fix, as everywhere else in a revision.
    assert first.count(b'"photo_sha256":null') == 1


@pytest.mark.parametrize("bad", [
    fix("photo"),                                   # a photo fix must name its photo
    fix("start", photo_sha256="c" * 64),            # and only a photo fix does
    fix(lat=90.5), fix(lon=-180.01), fix(accuracy_m=-1),
    fix("arrival"), fix(at="2026-11-22T10:00:05"),  # a moment without its zone
    {**fix(), "altitude": 140},                     # a field nobody knows
])
def test_a_malformed_fix_is_refused(bad):
    with pytest.raises(ValidationError):
        VisitRevision.model_validate(revision(locations=[bad]))


def test_location_unavailable_names_only_the_three_events():
    assert VisitRevision.model_validate(revision(location_unavailable=["start", "photo", "photo"]))
    with pytest.raises(ValidationError):
        VisitRevision.model_validate(revision(location_unavailable=["indoors"]))


def test_a_photo_fix_must_name_a_photo_of_the_revision():
    body = revision(photos=[b"p"], locations=[fix("photo", photo_sha256=photo_ref(b"q")["sha256"])])
    problems = revision_problems(MINI, VisitRevision.model_validate(body))
    assert problems == [f"locations[0]: the revision has no photo {photo_ref(b'q')['sha256'][:12]}"]


def test_fixes_within_an_hour_of_the_visit_fit_and_further_ones_do_not():
    # The visit runs 10:00..10:48 (revision 1 of server_support.revision).
    fitting = [fix(at="2026-11-22T09:00:00Z"), fix("finish", at="2026-11-22T11:48:00Z")]
    assert revision_problems(MINI, VisitRevision.model_validate(revision(locations=fitting))) == []
    outside = [fix(at="2026-11-22T08:59:59Z"), fix("finish", at="2026-11-23T10:48:00Z")]
    problems = revision_problems(MINI, VisitRevision.model_validate(revision(locations=outside)))
    assert [p.split(":")[0] for p in problems] == ["locations[0]", "locations[1]"]
    assert "more than an hour outside the visit's start and finalization" in problems[0]


def test_fixes_at_the_ends_of_the_calendar_are_checked_without_overflow():
    end = revision(started_at="9999-12-31T10:00:00Z", finalized_at="9999-12-31T23:00:00Z",
                   locations=[fix("finish", at="9999-12-31T23:59:59Z")])
    assert revision_problems(MINI, VisitRevision.model_validate(end)) == []
    ancient = revision(locations=[fix(at="0001-01-01T00:00:00Z")])
    assert len(revision_problems(MINI, VisitRevision.model_validate(ancient))) == 1
