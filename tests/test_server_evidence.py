"""Flags computed by the server for every revision (issue 17, point 4), through the real PUT
and upload paths, on SQLite and PostgreSQL: each flag raised alone by what should raise
it, none for an honest visit, a reused photo found exact or resized and recompressed, a
photo arriving after its visit computing the flags again, each revision its own flags,
and a visit kept when computing its flags fails."""

from __future__ import annotations

import io
import logging
import math
import random

import pytest
from PIL import ExifTags, Image
from sqlalchemy import text

from field_app.domain.geo import EARTH_RADIUS_M
from server_stub import admin, evidence, evidence_store
from server_stub.queries import evidence as evidence_q

from server_support import DAY, new_uuid, revision, seed_dealers, sha, upload
from test_photo_facts import facade, near_copy

PIN = (55.75, 37.61)  # seed_dealers puts every dealership here
FAR = (56.75, 37.61)  # 111 km north: another town


def north(metres: float, of: tuple[float, float] = PIN) -> tuple[float, float]:
    return of[0] + math.degrees(metres / EARTH_RADIUS_M), of[1]


def dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees, rest = int(value), (value - int(value)) * 60
    return float(degrees), float(int(rest)), round((rest - int(rest)) * 60, 4)


def camera_photo(seed: int, taken: str = "2026:11:22 13:20:00", at: tuple[float, float] | None = None) -> bytes:
    """A facade as a phone stores it: EXIF capture time (the dealership's wall clock:
    13:20 in Moscow is 10:20 UTC, mid-visit) and GPS (the dealership's pin by default)."""
    lat, lon = at or north(60)
    block = Image.Exif()
    block[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: taken}
    block[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: dms(lat),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: dms(lon),
    }
    buffer = io.BytesIO()
    facade(random.Random(seed), (640, 480)).save(buffer, "JPEG", quality=90, exif=block.tobytes())
    return buffer.getvalue()


def fix(event: str, at: str, place: tuple[float, float] | None = None, accuracy_m: float = 20, **extra) -> dict:
    lat, lon = place or north(40)
    return {"event": event, "at": at, "lat": lat, "lon": lon, "accuracy_m": accuracy_m, **extra}


def honest(photo: bytes, number: int = 1, assignment_id: str | None = None, **changes) -> dict:
    """A visit as it should be: answers spread over it, fixes at the dealership, one photo."""
    body = revision(number, photos=[photo], assignment_id=assignment_id)
    for qid, minute in {"consultant_wait": 3, "greeted": 4, "test_drive_now": 15, "mirrors": 17,
                        "rings": 21, "parking": 30}.items():
        body["answers"][qid]["answered_at"] = f"2026-11-22T10:{minute:02d}:00Z"
    body["locations"] = [fix("start", "2026-11-22T10:00:04Z"),
                         fix("photo", "2026-11-22T10:20:02Z", photo_sha256=sha(photo)),
                         fix("finish", body["finalized_at"].replace(":00Z", ":03Z"), north(90))]
    body.update(changes)
    return body


@pytest.fixture
def server(live_server, clock):
    """The live server with dealership D1 at PIN, its clock at 11:00 UTC on the visits'
    day (12 minutes after revision 1 is finalized)."""
    clock.advance(2 * 3600)
    seed_dealers(live_server.store, "D1", "D2")
    return live_server


def stop(server, shopper, code: str = "D1") -> str:
    return admin.assign(server.store, shopper.id, DAY, code, "mini_showroom").assignment_id


def send(server, shopper, body: dict, uuid: str | None = None, photos: tuple[bytes, ...] = ()) -> str:
    """PUT the revision, then upload its photos; the visit's uuid."""
    uuid = uuid or new_uuid()
    answer = shopper.client.put(f"/visits/{uuid}", json=body)
    assert answer.status_code == 200, answer.text
    for data in photos:
        assert upload(shopper.client, data).status_code == 204
    return uuid


def flags(server, uuid: str, number: int = 1) -> list[tuple[str, dict]]:
    found, at = evidence_store.flags(server.store, uuid, number)
    assert at is not None, "the flags were not computed"
    return [(f.code, f.numbers) for f in found]


def codes(server, uuid: str, number: int = 1) -> list[str]:
    return [code for code, _ in flags(server, uuid, number)]


def test_an_honest_visit_raises_no_flag(server):
    anna = server.shopper()
    photo = camera_photo(1)
    uuid = send(server, anna, honest(photo, assignment_id=stop(server, anna)), photos=(photo,))
    assert flags(server, uuid) == []
    with server.store.db.read() as conn:  # the photo's facts were read when it arrived
        facts = evidence_q.facts_of(conn, [sha(photo)])[sha(photo)]
    assert facts.taken_at == "2026-11-22T13:20:00" and facts.look is not None
    assert facts.lat == pytest.approx(north(60)[0], abs=1e-6)


def _far_start(body, photo):
    body["locations"][0] = fix("start", "2026-11-22T10:00:04Z", north(2_000))


def _no_location(body, photo):
    del body["locations"]
    body["location_unavailable"] = ["start", "finish"]


def _too_fast(body, photo):
    for answer in body["answers"].values():
        answer["answered_at"] = "2026-11-22T10:05:00Z"


def _long_timer(body, photo):
    body["timers"]["consultant_wait"] = [{"event": "start", "at": "2026-11-22T09:00:00Z"},
                                         {"event": "stop", "at": "2026-11-22T10:30:00Z"}]
    body["answers"]["consultant_wait"]["value"] = 5400


@pytest.mark.parametrize("change, code, numbers", [
    (_far_start, evidence.FAR_FROM_DEALERSHIP, {"event": "start", "metres": 2_000}),
    (_no_location, evidence.NO_LOCATION, {"unavailable": ["finish", "start"]}),
    (_too_fast, evidence.TOO_FAST, {"answers": 6, "seconds": 0.0}),
    (_long_timer, evidence.TIMER_EXCEEDS_VISIT, {"question_id": "consultant_wait", "timer_minutes": 90.0}),
], ids=["far_from_dealership", "no_location", "too_fast", "timer_exceeds_visit"])
def test_a_revision_raises_the_flag_of_what_is_wrong_with_it_and_no_other(server, change, code, numbers):
    anna = server.shopper()
    photo = camera_photo(2)
    body = honest(photo, assignment_id=stop(server, anna))
    change(body, photo)
    uuid = send(server, anna, body, photos=(photo,))
    [(raised, got)] = flags(server, uuid)
    assert raised == code
    assert {k: got[k] for k in numbers} == numbers


def test_a_dealership_with_a_wider_radius_takes_the_far_fix(server):
    anna = server.shopper()
    assert evidence_store.set_radius(server.store, "D1", 2_500)
    body = honest(camera_photo(3), assignment_id=stop(server, anna))
    _far_start(body, None)
    assert codes(server, send(server, anna, body)) == []


@pytest.mark.parametrize("photo, code, numbers", [
    (lambda: camera_photo(4, taken="2026:11:22 11:00:00"), evidence.PHOTO_TIME_OUTSIDE_VISIT,
     {"taken_at": "2026-11-22T08:00:00Z", "minutes": -120.0}),
    (lambda: camera_photo(5, at=north(5_000)), evidence.PHOTO_FAR_FROM_DEALERSHIP, {"metres": 5_000}),
], ids=["photo_time_outside_visit", "photo_far_from_dealership"])
def test_a_photo_read_after_its_visit_arrived_raises_its_flag(server, photo, code, numbers):
    anna = server.shopper()
    data = photo()
    uuid = send(server, anna, honest(data, assignment_id=stop(server, anna)))
    assert codes(server, uuid) == []  # the photo has not arrived: nothing to say of it yet
    assert upload(anna.client, data).status_code == 204
    [(raised, got)] = flags(server, uuid)
    assert raised == code and got["photo_sha256"] == sha(data)
    assert {k: got[k] for k in numbers} == numbers


def test_a_revision_received_two_days_after_it_was_finalized_is_late(server, clock):
    anna = server.shopper()
    photo = camera_photo(6)
    clock.advance(49 * 3600)
    uuid = send(server, anna, honest(photo, assignment_id=stop(server, anna)), photos=(photo,))
    assert flags(server, uuid) == [(evidence.LATE_UPLOAD, {"hours": 49.2})]


def test_a_revision_finalized_after_the_server_received_it_has_its_clock_ahead(server, clock):
    anna = server.shopper()
    photo = camera_photo(7)
    clock.advance(-3600)  # 10:00: the phone says it finalized at 10:48
    uuid = send(server, anna, honest(photo, assignment_id=stop(server, anna)), photos=(photo,))
    assert flags(server, uuid) == [(evidence.CLOCK_AHEAD, {"minutes": 48.0})]


def test_two_visits_a_hundred_km_apart_twelve_minutes_apart_are_impossible_travel(server):
    anna = server.shopper()
    first = send(server, anna, honest(camera_photo(8), assignment_id=stop(server, anna)))
    body = honest(camera_photo(9), assignment_id=stop(server, anna, "D2"))
    body["started_at"] = "2026-11-22T11:00:00Z"
    body["finalized_at"] = "2026-11-22T11:48:00Z"
    for answer in body["answers"].values():
        answer["answered_at"] = answer["answered_at"].replace("T10:", "T11:")
    body["locations"] = [fix("start", "2026-11-22T11:00:04Z", FAR), fix("finish", "2026-11-22T11:48:03Z", FAR)]
    server.store.settings.clock.advance(3600)
    second = send(server, anna, body)
    found = flags(server, second)
    # D2 is at PIN too: both fixes are far from it.
    assert [code for code, _ in found] == [evidence.FAR_FROM_DEALERSHIP] * 2 + [evidence.IMPOSSIBLE_TRAVEL]
    assert found[-1][1]["other_visit"] == first and found[-1][1]["km_h"] > 150
    assert codes(server, first) == []  # the visit that arrives second carries the trip
    # Hours apart, the same trip is possible.
    body["started_at"], body["finalized_at"] = "2026-11-22T14:00:00Z", "2026-11-22T14:48:00Z"
    for answer in body["answers"].values():
        answer["answered_at"] = answer["answered_at"].replace("T11:", "T14:")
    body["locations"] = [fix("start", "2026-11-22T14:00:04Z", FAR), fix("finish", "2026-11-22T14:48:03Z", FAR)]
    server.store.settings.clock.advance(4 * 3600)
    third = send(server, anna, body)
    assert evidence.IMPOSSIBLE_TRAVEL not in codes(server, third)


@pytest.mark.parametrize("copy", [lambda data: data, near_copy], ids=["same_file", "resized_recompressed"])
def test_a_photo_of_another_visit_is_reused_and_both_visits_name_each_other(server, copy):
    anna, boris = server.shopper(), server.shopper("Борис Иванов")
    original = camera_photo(10)
    first = send(server, anna, honest(original, assignment_id=stop(server, anna)), photos=(original,))
    reused = copy(original)
    second = send(server, boris, honest(reused, assignment_id=stop(server, boris)))
    if reused == original:  # the same sha256 is known from the PUT alone
        assert flags(server, second) == [(evidence.PHOTO_REUSED, {
            "photo_sha256": sha(original), "other_visit": first, "bits": 0, "same_file": True})]
    else:  # a copy is known by its look once it has arrived
        assert flags(server, second) == []
        assert upload(boris.client, reused).status_code == 204
        [(code, numbers)] = flags(server, second)
        assert code == evidence.PHOTO_REUSED and numbers["other_visit"] == first
        assert numbers["photo_sha256"] == sha(reused) and not numbers["same_file"]
        assert numbers["bits"] <= 6
    [(code, numbers)] = flags(server, first)
    assert code == evidence.PHOTO_REUSED and numbers["other_visit"] == second
    # A later revision naming the stored copy finds the pair kept when it arrived.
    send(server, boris, honest(reused, 2, assignment_id=stop(server, boris)), uuid=second)
    [(code, numbers)] = flags(server, second, 2)
    assert code == evidence.PHOTO_REUSED and numbers["other_visit"] == first


def test_another_photo_of_another_visit_is_not_reused(server):
    anna, boris = server.shopper(), server.shopper("Борис Иванов")
    a, b = camera_photo(11), camera_photo(12)
    first = send(server, anna, honest(a, assignment_id=stop(server, anna)), photos=(a,))
    second = send(server, boris, honest(b, assignment_id=stop(server, boris)), photos=(b,))
    assert codes(server, first) == codes(server, second) == []


def test_each_revision_keeps_its_own_flags(server):
    anna = server.shopper()
    photo = camera_photo(13)
    assignment = stop(server, anna)
    body = honest(photo, assignment_id=assignment)
    _far_start(body, photo)
    uuid = send(server, anna, body, photos=(photo,))
    send(server, anna, honest(photo, 2, assignment_id=assignment), uuid=uuid)
    assert codes(server, uuid, 1) == [evidence.FAR_FROM_DEALERSHIP]
    assert codes(server, uuid, 2) == []
    # A retry of revision 2 changes nothing.
    send(server, anna, honest(photo, 2, assignment_id=assignment), uuid=uuid)
    assert codes(server, uuid, 1) == [evidence.FAR_FROM_DEALERSHIP]


def _python_bug(monkeypatch):
    def broken(_evidence):
        raise RuntimeError("a bug in a flag")

    monkeypatch.setattr(evidence_store.evidence, "flags_of", broken)


def _sql_error(monkeypatch):
    # A statement the database refuses: PostgreSQL then aborts the transaction, which the
    # savepoint around the flags must undo for the visit to be committed.
    def broken(conn, *args):
        conn.execute(text("INSERT INTO revision_flags (visit_uuid) VALUES ('a bug in a flag')"))

    monkeypatch.setattr(evidence_store.q, "replace_flags", broken)


@pytest.mark.parametrize("break_it", [_python_bug, _sql_error], ids=["python", "sql"])
def test_a_failure_computing_flags_keeps_the_visit_and_stores_no_flags(server, monkeypatch, caplog, break_it):
    anna = server.shopper()
    photo = camera_photo(14)
    break_it(monkeypatch)
    with caplog.at_level(logging.ERROR, logger="server_stub"):
        uuid = send(server, anna, honest(photo, assignment_id=stop(server, anna)), photos=(photo,))
    assert anna.client.get(f"/visits/{uuid}").json()["revision"] == 1
    assert evidence_store.flags(server.store, uuid, 1) == ([], None)
    assert "not computed" in caplog.text and "a bug in a flag" in caplog.text
    monkeypatch.undo()  # the next revision is computed again
    send(server, anna, honest(photo, 2, assignment_id=stop(server, anna)), uuid=uuid)
    assert codes(server, uuid, 2) == []


def test_flags_switched_off_are_not_computed(server, monkeypatch):
    anna = server.shopper()
    monkeypatch.setattr(server.store, "settings", server.store.settings.__class__(
        **{**server.store.settings.__dict__, "compute_flags": False}))
    uuid = send(server, anna, honest(camera_photo(15)))
    assert evidence_store.flags(server.store, uuid, 1) == ([], None)


def test_a_photo_stored_before_its_facts_were_kept_is_read_when_a_revision_names_it(server):
    anna = server.shopper()
    photo = camera_photo(16, at=north(5_000))
    assignment = stop(server, anna)
    uuid = send(server, anna, honest(photo, assignment_id=assignment), photos=(photo,))
    with server.store.db.write() as conn:  # as on a server upgraded to migration 16
        conn.execute(text("DELETE FROM photo_facts"))
    send(server, anna, honest(photo, 2, assignment_id=assignment), uuid=uuid)
    assert codes(server, uuid, 2) == [evidence.PHOTO_FAR_FROM_DEALERSHIP]


def test_a_photo_another_visit_stored_before_its_facts_were_kept_is_read_when_a_visit_names_it(server):
    anna, boris = server.shopper(), server.shopper("Борис Орлов")
    photo = camera_photo(17, at=north(5_000))
    send(server, anna, honest(photo, assignment_id=stop(server, anna)), photos=(photo,))
    with server.store.db.write() as conn:  # as on a server upgraded to migration 16
        conn.execute(text("DELETE FROM photo_facts"))
    uuid = send(server, boris, honest(photo, assignment_id=stop(server, boris)))
    assert codes(server, uuid) == [evidence.PHOTO_REUSED, evidence.PHOTO_FAR_FROM_DEALERSHIP]



def test_a_server_from_before_migration_16_keeps_its_dealerships_at_the_default_radius(tmp_path, server_db):
    from server_stub.database import Database
    from server_stub.migrations import MIGRATIONS, migrate
    from server_stub.settings import Settings

    db = Database(Settings(data_dir=tmp_path, db_url=server_db).database_url)
    try:
        migrate(db, migrations=tuple(m for m in MIGRATIONS if m.version < 16))
        with db.write() as conn:
            conn.execute(text("INSERT INTO dealerships (code, name, updated_at) VALUES ('D1', 'Дилер', '2026-11-22')"))
        assert migrate(db, migrations=tuple(m for m in MIGRATIONS if m.version <= 16)) == [16]
        with db.read() as conn:
            assert conn.execute(text("SELECT radius_m FROM dealerships")).scalar_one() is None
            assert conn.execute(text("SELECT COUNT(*) FROM photo_facts")).scalar_one() == 0
    finally:
        db.close()


def test_what_flags_read_is_one_statement_short_enough_for_psycopg_to_keep_parsed():
    """Past MAX_CACHED_STATEMENT_LENGTH, psycopg parses the statement again at every PUT
    (0.2 ms, a tenth of what the flags may add to one on PostgreSQL)."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
    from sqlalchemy.dialects import postgresql

    statement = evidence_q._flag_inputs_of(20)  # photos: the shipped checklists take 11 at most
    assert len(str(statement.compile(dialect=postgresql.psycopg.dialect()))) <= MAX_CACHED_STATEMENT_LENGTH


def test_every_64_bit_look_and_its_bands_are_kept_and_found(server_store):
    from datetime import datetime, timezone

    from server_stub.photo_facts import bands as bands_of

    looks = [0, 1, 2**63 - 1, 2**63, 2**64 - 1, 0xA5A5_5A5A_F0F0_0F0F]
    rows = [evidence_q.FactsRow(f"{i:064x}", None, None, None, look, bands_of(look)) for i, look in enumerate(looks)]
    with server_store.db.write() as conn:
        evidence_q.save_facts(conn, rows, datetime(2026, 11, 22, tzinfo=timezone.utc))
    with server_store.db.read() as conn:
        kept = evidence_q.facts_of(conn, [r.sha256 for r in rows])
        assert [kept[r.sha256].look for r in rows] == looks
        for row in rows:
            assert evidence_q.sharing_a_band(conn, row.bands)[row.sha256] == row.look


@pytest.mark.parametrize("minimum, flagged", [(60, True), (30, False)])
def test_a_visit_shorter_than_its_checklists_minimum_duration_is_too_fast(server, minimum, flagged):
    """A version that says how long a real visit takes at least: the mini visit's revision 1
    lasts 48 minutes (10:00 to 10:48)."""
    from field_app.domain.canonical import checklist_sha256
    from server_support import MINI

    timed = MINI.model_copy(update={"version": MINI.version + 1, "min_duration_minutes": minimum})
    server.store.catalog.publish(timed, server.store.now())
    anna = server.shopper()
    photo = camera_photo(30 + minimum)
    body = honest(photo, assignment_id=stop(server, anna))
    body["checklist"] = {"id": timed.id, "version": timed.version, "sha256": checklist_sha256(timed)}
    uuid = send(server, anna, body, photos=(photo,))
    expected = [(evidence.TOO_FAST, {"minutes": 48.0, "minimum_minutes": float(minimum)})] if flagged else []
    assert flags(server, uuid) == expected
