"""A visit's call recordings leave the phone (issue 17, point 3): the outbox queues them
(a migration rebuilds it to take the new kind, keeping every row), and the sync engine
uploads them as it uploads photos, to a real server on loopback, through a link that
drops. What the phone keeps of them is in tests/test_recordings_store.py."""

from __future__ import annotations

import copy
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from field_app.app import open_service
from field_app.demo import DEALERSHIPS
from field_app.domain.checklist import Checklist
from field_app.domain.clock import ManualClock
from field_app.domain.i18n import Translator
from field_app.services import FieldService
from field_app.store import Store
from field_app.store.schema import MIGRATIONS
from field_app.sync.service import SyncService
from server_stub import admin
from server_stub.queries import recordings as server_recordings, visits as server_visits
from server_stub.visits import missing_photos

from audio_samples import wav
from cutting_proxy import CuttingProxy
from samples import SHOWROOM, T0, answer_all
from server_support import LiveServer, noisy_photo
from sync_support import sync_until_done

CALL = copy.deepcopy(SHOWROOM)
CALL["id"] = "mini_call"
CALL["sections"][0]["questions"].append(
    {"id": "call", "text": "Запись звонка", "type": "audio", "max_seconds": 60, "recordings": {"min": 1, "max": 2}})
CALL_CHECKLIST = Checklist.model_validate(CALL)


# --- the outbox's migration --------------------------------------------------------------

OUTBOX = "SELECT * FROM outbox ORDER BY id"
AT = "2026-11-22T10:00:00.000000Z"


def test_the_outbox_rebuilt_for_recordings_keeps_every_row_its_ids_and_its_rules(store_path: Path) -> None:
    db = Database(store_path)
    MIGRATIONS.apply(db, stop_before="m011_outbox_recordings")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("INSERT INTO checklists VALUES ('c', 1, ?, '{}')", ["0" * 64])
    for n in range(2):
        uuid = f"00000000-0000-4000-8000-00000000000{n}"
        db.execute("INSERT INTO visits (uuid, checklist_id, checklist_version, checklist_sha256, status, revision, "
                   "started_at, updated_at) VALUES (?, 'c', 1, ?, 'finalized', 1, ?, ?)", [uuid, "0" * 64, AT, AT])
        db.execute("INSERT INTO revisions VALUES (?, 1, ?, ?, ?)", [uuid, b"{}", "0" * 64, AT])
    rows = [  # kind, visit, photo, done_at, last_error, failure_kind, refusals, attempts
        ("visit_revision", 0, None, "2026-11-22T10:00:00Z", None, None, 0, 1),
        ("photo", 0, "a" * 64, None, "refused photo_damaged: x", "refused", 2, 3),
        ("visit_revision", 1, None, None, "network timeout: y", "network", 0, 1),
        ("photo", 1, "b" * 64, None, None, None, 0, 0),
        ("photo", 1, "c" * 64, None, None, None, 0, 0),
    ]
    for kind, n, photo, done, error, failure, refusals, attempts in rows:
        db.execute("INSERT INTO outbox (kind, visit_uuid, revision, photo_sha256, created_at, done_at, last_error, "
                   "failure_kind, refusals, attempts, last_attempt_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [kind, f"00000000-0000-4000-8000-00000000000{n}", photo, AT, done, error, failure, refusals,
                    attempts, AT if attempts else None])
    db.execute("DELETE FROM outbox WHERE photo_sha256 = ?", ["c" * 64])  # the highest id, given before
    db.conn.commit()
    before = db.execute(OUTBOX).fetchall()
    columns = [row[1] for row in db.execute("PRAGMA table_info(outbox)").fetchall()]
    db.close()

    with Store(store_path) as store:
        assert MIGRATIONS.pending(store.db) == []
        assert store.db.execute(OUTBOX).fetchall() == before
        assert [row[1] for row in store.db.execute("PRAGMA table_info(outbox)").fetchall()] == columns
        assert [(item.kind, item.failure_kind, item.refusals) for item in store.pending_outbox()] == [
            ("photo", "refused", 2), ("visit_revision", "network", 0), ("photo", None, 0)]
        uuid = "00000000-0000-4000-8000-000000000001"
        store.db.execute("INSERT INTO outbox (kind, visit_uuid, revision, photo_sha256, created_at) "
                         "VALUES ('recording', ?, 1, ?, '2026-11-22T10:00:00.000000Z')", [uuid, "d" * 64])
        # The id after the deleted one: no id is given twice.
        assert store.db.execute("SELECT max(id) FROM outbox").fetchone() == (6,)
        refused = [
            ("recording", None),  # a recording names its file
            ("visit_revision", "e" * 64),
            ("letter", None),
        ]
        for kind, digest in refused:
            with pytest.raises(sqlite3.IntegrityError):
                store.db.execute("INSERT INTO outbox (kind, visit_uuid, revision, photo_sha256, created_at) "
                                 "VALUES (?, ?, 1, ?, '2026-11-22T10:00:00.000000Z')", [kind, uuid, digest])
        with pytest.raises(sqlite3.IntegrityError):  # one upload per recording
            store.db.execute("INSERT INTO outbox (kind, visit_uuid, revision, photo_sha256, created_at) "
                             "VALUES ('recording', ?, 1, ?, '2026-11-22T10:00:00.000000Z')", [uuid, "d" * 64])
        with pytest.raises(sqlite3.IntegrityError):  # the revision's item exists
            store.db.execute("INSERT INTO outbox (kind, visit_uuid, revision, created_at) "
                             "VALUES ('visit_revision', ?, 1, '2026-11-22T10:00:00.000000Z')", [uuid])
        with pytest.raises(sqlite3.IntegrityError):  # the foreign key to revisions holds
            store.db.execute("INSERT INTO outbox (kind, visit_uuid, revision, created_at) "
                             "VALUES ('visit_revision', ?, 2, '2026-11-22T10:00:00.000000Z')", [uuid])
        indexes = {row[0] for row in store.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'")}
        assert {"outbox_pending", "outbox_photo_once", "outbox_recording_once", "outbox_revision_once"} <= indexes


# --- through a real server -------------------------------------------------------------


@pytest.fixture
def server(server_settings) -> Iterator[LiveServer]:
    with LiveServer.start(server_settings) as live:
        admin.save_dealers(live.store, DEALERSHIPS[:1])
        live.store.catalog.publish(CALL_CHECKLIST, live.store.now())
        yield live


def paired(server: LiveServer, url: str, folder: Path, clock) -> tuple[FieldService, SyncService]:
    code = admin.create_shopper(server.store, "Анна Петрова")
    admin.assign(server.store, code.shopper_id, clock.now().date(), "DEMO-N", "mini_call")
    service = open_service(folder, clock)
    sync = SyncService(service.store, service.photos_dir, clock=clock, sleep=lambda seconds: None)
    assert sync.pair(url, code.pairing_code, "Pixel 8") == "Анна Петрова"
    assert sync.sync_now().pulled
    return service, sync


def recorded_visit(service: FieldService, data: bytes) -> str:
    """Today's call visit answered, with one photo and the call's recording, finalized."""
    uuid = service.open_stop(service.overview().today[0].assignment.id)
    answer_all(service, uuid, skip=("front_photo", "call"))
    service.add_photo(uuid, "front_photo", noisy_photo((480, 360), seed=1))
    service.add_recording(uuid, "call", data)
    service.clock.advance(60)
    service.finalize(uuid)
    return uuid


def assert_complete_on_server(server: LiveServer, service: FieldService, uuid: str, data: bytes) -> None:
    store, digest = server.store, hashlib.sha256(data).hexdigest()
    with store.db.read() as conn:
        assert server_visits.revisions(conn, uuid) == [1]
        assert server_visits.revision_payload(conn, uuid, 1).encode() == service.store.revision_payload(uuid, 1)
        assert server_recordings.of_visit(conn, uuid) == [digest]
    assert store.files.blob_path(digest).read_bytes() == data
    assert missing_photos(store, uuid) == []
    # The photo and the recording, each once.
    assert len([p for p in (store.settings.data_dir / "blobs").rglob("*") if p.is_file()]) == 2
    assert not service.store.pending_outbox()


def test_a_recorded_call_arrives_once_and_completes_its_visit(server, folder, clock):
    service, sync = paired(server, server.url, folder, clock)
    data = wav(20)
    uuid = recorded_visit(service, data)
    assert sorted(item.kind for item in service.store.pending_outbox()) == ["photo", "recording", "visit_revision"]
    shopper = service.store.visits()[0].shopper_id
    assert [q.bytes for q in service.store.queued_photos(shopper)] == [
        service.visit(uuid).photos[0].bytes, len(data)]

    report = sync_until_done(sync)

    assert (report.sent_revisions, report.sent_photos) == (1, 2)
    assert_complete_on_server(server, service, uuid, data)
    again = sync.sync_now()
    assert (again.sent_revisions, again.sent_photos, again.bytes_sent) == (0, 0, 0)


def test_a_recording_cut_mid_upload_resumes_from_the_server_s_offset(server, folder, clock):
    with CuttingProxy(server.port, seed=7) as proxy:
        service, sync = paired(server, proxy.url, folder, clock)
        data = wav(50)  # 800 KB: a dozen cuts
        uuid = recorded_visit(service, data)
        payload = len(data) + service.visit(uuid).photos[0].bytes
        proxy.set_cut_every((40_000, 90_000))

        sync_until_done(sync)

        assert proxy.counts.cuts >= payload // 90_000 - 1
        assert_complete_on_server(server, service, uuid, data)
        # Each cut costs the bytes in flight, not the recording from its start again.
        assert (proxy.counts.bytes_up - payload) / proxy.counts.cuts < 24_000


def test_a_file_the_server_cannot_read_as_audio_is_refused_in_the_phone_s_words(server, folder, clock):
    service, sync = paired(server, server.url, folder, clock)
    data = b"RIFF" + bytes(2000)  # no WAVE inside: not audio the server knows
    recorded_visit(service, data)

    report = sync.sync_now()

    assert [(r.subject, r.code) for r in report.refused] == [
        (f"recording {hashlib.sha256(data).hexdigest()}", "audio_format_unknown")]
    assert not server.store.files.is_in_place(hashlib.sha256(data).hexdigest())
    (item,) = service.store.pending_outbox()
    assert (item.kind, item.failure_kind) == ("recording", "refused")
    for language, start in (("en", "The recording is in a format"), ("ru", "Запись в формате")):
        assert Translator(language)("sync.problem.audio_format_unknown").startswith(start)


def test_a_visit_s_photos_stay_until_its_recording_is_uploaded_too(tmp_path: Path) -> None:
    with Store(tmp_path / "field.db") as store:
        store.save_checklist(CALL_CHECKLIST)
        phone = FieldService(store, ManualClock(T0), tmp_path / "photos")
        uuid = store.start_visit("mini_call", 1, at=phone.now()).uuid
        answer_all(phone, uuid, skip=("front_photo", "call"))
        photo = phone.add_photo(uuid, "front_photo", noisy_photo((480, 360), seed=2))
        phone.add_recording(uuid, "call", wav(1))
        revision = phone.finalize(uuid)
        items = {item.kind: item for item in store.pending_outbox()}
        store.mark_outbox_done(items["visit_revision"].id)
        store.mark_outbox_done(items["photo"].id)
        assert store.mark_approved([(uuid, revision.revision)]) == [uuid]

        assert store.photos_that_may_leave(phone.now()) == []
        store.mark_outbox_done(items["recording"].id)
        assert store.photos_that_may_leave(phone.now()) == [photo.sha256]


def test_a_recording_gone_in_the_middle_of_its_upload_is_named_a_recording(tmp_path):
    # check_file found it; then it went before its bytes were read (a cleaner, a full disk)
    from field_app.sync import PhotoFileError
    from field_app.sync.uploads import _chunks

    for name, code in (("ab.audio", "recording_missing"), ("ab.jpg", "photo_missing")):
        with pytest.raises(PhotoFileError) as caught:
            list(_chunks(tmp_path / name, 0, [0], lambda offset: None))
        assert caught.value.code == code
