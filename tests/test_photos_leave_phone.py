"""Photos of a visit the server has confirmed (every photo uploaded, and the revision
approved or finalized 30 days ago or more) leave the phone after a sync run, keeping
their thumbnails, which the screens then show; nothing unsent is ever removed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlite_utils import Database

from field_app import storage
from field_app.domain.canonical import canonical_json, checklist_sha256
from field_app.domain.clock import ManualClock
from field_app.photos.pipeline import THUMBNAIL_SIDE
from field_app.services import FieldService
from field_app.store import Store
from field_app.store.schema import MIGRATIONS

from samples import T0, answer_all, checklist, jpeg

DAY = 24 * 3600


@pytest.fixture
def phone(tmp_path: Path) -> FieldService:
    store = Store(tmp_path / "field.db")
    store.save_checklist(checklist())
    service = FieldService(store, ManualClock(T0), tmp_path / "photos")
    yield service
    store.close()


def finished(service: FieldService, colour: tuple[int, int, int] = (10, 120, 160), *, finalize: bool = True) -> str:
    """A visit answered, with one photo of its own colour, finalized."""
    uuid = service.store.start_visit("mini_showroom", 1, at=service.now()).uuid
    answer_all(service, uuid, skip=("front_photo",))
    service.add_photo(uuid, "front_photo", jpeg(colour))
    if finalize:
        service.finalize(uuid)
    return uuid


def sent(service: FieldService, uuid: str, *, photos: bool = True) -> None:
    """What a sync run leaves when the server took the visit (and its photos)."""
    for item in service.store.pending_outbox():
        if item.visit_uuid == uuid and (photos or item.kind == "visit_revision"):
            service.store.mark_outbox_done(item.id)


def sha_of(service: FieldService, uuid: str) -> str:
    (photo,) = service.visit(uuid).photos
    return photo.sha256


def free(service: FieldService) -> list[str]:
    return storage.free_confirmed_photos(service.store, service.photos_dir, service.now())


def advance(service: FieldService, seconds: float) -> None:
    assert isinstance(service.clock, ManualClock)
    service.clock.advance(seconds)


def test_an_approved_visit_s_photos_leave_keeping_thumbnails_that_are_shown_instead(phone: FieldService) -> None:
    uuid = finished(phone)
    sha = sha_of(phone, uuid)
    sent(phone, uuid)
    assert free(phone) == []  # sent, not yet approved nor old
    before = phone.space_used()

    assert phone.store.mark_approved([(uuid, 1)]) == [uuid]
    assert free(phone) == [sha]

    assert not storage.photo_file(phone.photos_dir, sha).exists()
    assert phone.thumbnail_path(sha).exists()
    assert phone.photo_path(sha) == phone.thumbnail_path(sha)  # what the large view opens
    after = phone.space_used()
    assert after.photos == before.photos - phone.visit(uuid).photos[0].bytes
    assert after.thumbnails == before.thumbnails
    assert free(phone) == []  # done once


def test_a_visit_finalized_30_days_ago_lets_its_photos_go_without_approval(phone: FieldService) -> None:
    uuid = finished(phone)
    sent(phone, uuid)
    advance(phone, 30 * DAY - 60)
    assert free(phone) == []
    advance(phone, 60)
    assert free(phone) == [sha_of(phone, uuid)]


def kept_cases(service: FieldService) -> list[str]:
    """Visits whose photo must stay, however old or approved."""
    cases = []
    unsent_photo = finished(service, (200, 0, 0))
    sent(service, unsent_photo, photos=False)
    cases.append(unsent_photo)
    cases.append(finished(service, (0, 200, 0)))  # nothing sent yet
    returned = finished(service, (0, 0, 200))
    sent(service, returned)
    service.store.mark_approved([(returned, 1)])
    service.store.mark_returned(returned, comment="фото размыто")  # returned after all
    cases.append(returned)
    corrected = finished(service, (200, 200, 0))
    sent(service, corrected)
    service.store.mark_returned(corrected)
    service.reopen(corrected)  # being corrected
    cases.append(corrected)
    cases.append(finished(service, (0, 200, 200), finalize=False))  # never finalized
    return cases


def test_nothing_unsent_returned_or_being_recorded_leaves_the_phone(phone: FieldService) -> None:
    cases = kept_cases(phone)
    phone.store.mark_approved([(uuid, 1) for uuid in cases])
    advance(phone, 400 * DAY)
    assert free(phone) == []
    for uuid in cases:
        assert storage.photo_file(phone.photos_dir, sha_of(phone, uuid)).exists()


def test_an_approval_of_an_older_revision_than_the_phone_s_is_no_approval(phone: FieldService) -> None:
    uuid = finished(phone)
    sent(phone, uuid)
    phone.store.mark_returned(uuid)
    phone.reopen(uuid)
    phone.finalize(uuid)
    sent(phone, uuid)
    assert phone.store.mark_approved([(uuid, 1)]) == []
    assert free(phone) == []
    assert phone.store.mark_approved([(uuid, 2)]) == [uuid]
    assert free(phone) == [sha_of(phone, uuid)]


def test_a_photo_another_unconfirmed_visit_uses_stays(phone: FieldService) -> None:
    confirmed = finished(phone)
    sent(phone, confirmed)
    phone.store.mark_approved([(confirmed, 1)])
    again = finished(phone, finalize=False)  # the same picture, in a visit being recorded
    assert sha_of(phone, again) == sha_of(phone, confirmed)
    assert free(phone) == []
    phone.finalize(again)
    sent(phone, again)
    phone.store.mark_approved([(again, 1)])
    assert free(phone) == [sha_of(phone, confirmed)]


def test_a_photo_stored_without_a_thumbnail_gets_one_before_it_leaves(phone: FieldService) -> None:
    uuid = finished(phone)
    sha = sha_of(phone, uuid)
    phone.thumbnail_path(sha).unlink()
    sent(phone, uuid)
    phone.store.mark_approved([(uuid, 1)])
    assert free(phone) == [sha]
    with Image.open(phone.thumbnail_path(sha)) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert max(thumbnail.size) <= THUMBNAIL_SIDE


def test_a_photo_taken_in_again_after_it_left_may_leave_again(phone: FieldService) -> None:
    uuid = finished(phone)
    sha = sha_of(phone, uuid)
    sent(phone, uuid)
    phone.store.mark_approved([(uuid, 1)])
    assert free(phone) == [sha]
    phone.store.mark_returned(uuid)
    phone.reopen(uuid)
    phone.remove_photo(uuid, "front_photo", sha)
    phone.add_photo(uuid, "front_photo", jpeg((10, 120, 160)))  # the same picture again
    assert storage.photo_file(phone.photos_dir, sha).exists()
    phone.finalize(uuid)
    sent(phone, uuid)
    phone.store.mark_approved([(uuid, 2)])
    assert free(phone) == [sha]


def test_the_space_used_counts_the_database_photos_and_thumbnails(phone: FieldService) -> None:
    empty = phone.space_used()
    assert empty.photos == empty.thumbnails == 0
    assert empty.database > 0
    uuid = finished(phone)
    used = phone.space_used()
    assert used.photos == phone.visit(uuid).photos[0].bytes
    assert used.thumbnails == phone.thumbnail_path(sha_of(phone, uuid)).stat().st_size
    assert used.total == used.database + used.photos + used.thumbnails


def test_a_phone_that_had_visits_before_approvals_lets_old_confirmed_photos_go(store_path: Path) -> None:
    db = Database(store_path)
    MIGRATIONS.apply(db, stop_before="m007_photos_leave_the_phone")
    # Rows as the code of migrations 1 to 6 wrote them: a visit sent with its photo 40
    # days ago, one whose photo never went, one sent yesterday.
    mini = checklist()
    sha = checklist_sha256(mini)
    db.execute("INSERT INTO checklists VALUES (?, ?, ?, ?)", [mini.id, 1, sha, canonical_json(mini).decode()])
    visits = {
        "00000000-0000-4000-8000-00000000000a": ("2026-10-13T10:00:00.000000Z", "2026-10-13T11:00:00.000000Z"),
        "00000000-0000-4000-8000-00000000000b": ("2026-10-13T10:00:00.000000Z", None),
        "00000000-0000-4000-8000-00000000000c": ("2026-11-21T10:00:00.000000Z", "2026-11-21T11:00:00.000000Z"),
    }
    folder = store_path.parent / "photos"
    folder.mkdir()
    for n, (uuid, (finalized, photo_done)) in enumerate(visits.items()):
        digest = f"{n:x}" * 64
        (folder / f"{digest}.jpg").write_bytes(jpeg((n * 50, 0, 0)))
        (folder / f"{digest}.thumb.jpg").write_bytes(jpeg((n * 50, 0, 0), size=(32, 24)))
        db.execute("INSERT INTO visits VALUES (?, NULL, ?, 1, ?, 'synced', 1, ?, ?, NULL, ?, 'anna')",
                   [uuid, mini.id, sha, finalized, finalized, finalized])
        db.execute("INSERT INTO photos VALUES (?, 'front_photo', ?, 1000, ?, ?)",
                   [uuid, digest, finalized, str(folder / f"{digest}.jpg")])
        db.execute("INSERT INTO revisions VALUES (?, 1, ?, ?, ?)", [uuid, b"{}", "0" * 64, finalized])
        for kind, photo in (("visit_revision", None), ("photo", digest)):
            db.execute("INSERT INTO outbox (kind, visit_uuid, revision, photo_sha256, created_at, done_at) "
                       "VALUES (?, ?, 1, ?, ?, ?)",
                       [kind, uuid, photo, finalized, finalized if kind == "visit_revision" else photo_done])
    db.close()

    with Store(store_path) as store:
        assert MIGRATIONS.pending(store.db) == []
        removed = storage.free_confirmed_photos(store, folder, T0)
    assert removed == ["0" * 64]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{'0' * 64}.thumb.jpg", *(f"{d * 64}.jpg" for d in "12"), *(f"{d * 64}.thumb.jpg" for d in "12")])


def test_after_the_coordinator_approves_the_next_sync_run_lets_the_photos_go(server_settings, folder, clock):
    from server_stub.visits import review_visit
    from server_support import LiveServer
    from sync_support import pair_phone, set_up_showroom, sync_until_done, visit_with_photos

    with LiveServer.start(server_settings) as server:
        set_up_showroom(server.store)
        service, sync = pair_phone(server.store, server.url, folder, clock)
        uuid = visit_with_photos(service, 11)  # both photo questions of the evidence checklist
        shas = [p.sha256 for p in service.visit(uuid).photos]
        sync_until_done(sync)
        assert all(storage.photo_file(service.photos_dir, sha).exists() for sha in shas)  # not approved yet

        review_visit(server.store, uuid, "approve", "", by="olga")
        sync.sync_now()

        assert not any(storage.photo_file(service.photos_dir, sha).exists() for sha in shas)
        assert all(service.photo_path(sha) == service.thumbnail_path(sha) for sha in shas)
        assert all(service.thumbnail_path(sha).exists() for sha in shas)
        assert service.space_used().photos == 0
        service.store.close()


ACTION = st.tuples(
    # Sending, approving and waiting come up more often, so that photos do leave.
    st.sampled_from(["record", "record", "record_unfinished", "finalize", "send", "send", "send", "send_revision_only",
                     "approve", "approve", "return", "reopen", "wait", "wait"]),
    st.integers(min_value=0, max_value=1),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTION, min_size=1, max_size=14))
def test_whatever_happened_no_photo_leaves_that_is_unsent_or_of_an_unconfirmed_visit(
        actions: list[tuple[str, int]], tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("phone")
    with Store(folder / "field.db") as store:
        store.save_checklist(checklist())
        service = FieldService(store, ManualClock(T0), folder / "photos")
        uuids: list[str] = []
        for action, n in actions:
            states = {v.uuid: v for v in store.visits()}
            uuid = uuids[-1 - n % len(uuids)] if uuids else None  # the last recorded, or the one before
            status = states[uuid].status.value if uuid else None
            pending = [i for i in store.pending_outbox() if i.visit_uuid == uuid]
            if action.startswith("record") or uuid is None:
                # Three pictures for any number of visits: some visits share one.
                colour = (80 * (len(uuids) % 3), 90, 90)
                uuids.append(finished(service, colour, finalize=action != "record_unfinished"))
            elif action == "finalize" and status == "in_progress":
                service.finalize(uuid)
            elif action.startswith("send"):
                for item in pending:
                    if item.kind == "visit_revision" or action == "send":
                        store.mark_outbox_done(item.id)
            elif action == "approve":
                store.mark_approved([(uuid, states[uuid].revision)])
            elif action == "return" and status in ("finalized", "synced"):
                store.mark_returned(uuid)
            elif action == "reopen" and status == "returned":
                service.reopen(uuid)
            elif action == "wait":
                advance(service, 12 * DAY)

            removed = set(free(service))
            if removed:
                event("some photos left the phone")

            # Removed now: none of a visit unsent, returned or being recorded or corrected.
            unconfirmed = {p.sha256 for u in uuids for p in service.visit(u).photos
                           if service.visit(u).status.value != "synced"}
            assert not removed & unconfirmed
            # Ever: no photo the server has not taken. (A visit returned after its photos
            # left is corrected without them: the server has them.)
            uploaded = {sha for (sha,) in store.db.execute(
                "SELECT photo_sha256 FROM outbox WHERE kind = 'photo' AND done_at IS NOT NULL")}
            for u in uuids:
                for photo in service.visit(u).photos:
                    if photo.sha256 not in uploaded:
                        assert storage.photo_file(service.photos_dir, photo.sha256).exists()
            for sha in removed:
                assert service.thumbnail_path(sha).exists()
