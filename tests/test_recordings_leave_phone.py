"""Call recordings of a visit the server has confirmed leave the phone as its photos do
(a quarter of an hour of WAV is some 30 MB); nothing unsent ever does, and the store says
which files left, so the screens can say the server keeps them."""

from __future__ import annotations

from pathlib import Path

import pytest

from field_app import storage
from field_app.domain.clock import ManualClock
from field_app.recordings import recording_file
from field_app.services import FieldService
from field_app.store import Store

from audio_samples import wav
from samples import T0, answer_all, checklist, jpeg
from test_checklist_audio import with_audio

DAY = 24 * 3600


@pytest.fixture
def phone(tmp_path: Path):
    store = Store(tmp_path / "field.db")
    store.save_checklist(checklist(with_audio()))
    service = FieldService(store, ManualClock(T0), tmp_path / "photos")
    yield service
    store.close()


def recorded(service: FieldService, seconds: int = 2) -> tuple[str, str]:
    """A visit with one photo and one recording, finalized; its uuid and the recording's sha256."""
    uuid = service.store.start_visit("mini_showroom", 1, at=service.now()).uuid
    answer_all(service, uuid, skip=("front_photo", "call"))
    service.add_photo(uuid, "front_photo", jpeg((10, 120, 160)))
    ref = service.add_recording(uuid, "call", wav(seconds))
    service.finalize(uuid)
    return uuid, ref.sha256


def sent(service: FieldService, uuid: str, *, files: bool = True) -> None:
    for item in service.store.pending_outbox():
        if item.visit_uuid == uuid and (files or item.kind == "visit_revision"):
            service.store.mark_outbox_done(item.id)


def free(service: FieldService) -> list[str]:
    return storage.free_confirmed_recordings(service.store, service.photos_dir, service.now())


def test_an_approved_visit_s_recording_leaves_and_the_store_says_so(phone: FieldService) -> None:
    uuid, sha = recorded(phone)
    sent(phone, uuid)
    assert free(phone) == []  # sent, not yet approved nor old
    before = phone.space_used().photos  # full files: photos and recordings

    assert phone.store.mark_approved([(uuid, 1)]) == [uuid]
    assert free(phone) == [sha]
    assert not recording_file(phone.photos_dir, sha).exists()
    assert phone.store.file_removed(sha)
    assert phone.space_used().photos == before - phone.visit(uuid).recordings[0].bytes
    assert free(phone) == []  # done once


def test_a_recording_not_uploaded_stays_however_old_its_visit(phone: FieldService) -> None:
    uuid, sha = recorded(phone)
    sent(phone, uuid, files=False)  # the revision went, its photo and recording did not
    phone.clock.advance(60 * DAY)
    assert free(phone) == []
    assert recording_file(phone.photos_dir, sha).exists() and not phone.store.file_removed(sha)


def test_a_visit_finalized_30_days_ago_lets_its_recording_go_and_a_sync_run_does_it(phone: FieldService) -> None:
    uuid, sha = recorded(phone)
    sent(phone, uuid)
    phone.clock.advance(30 * DAY + 60)
    removed = storage.free_confirmed_photos(phone.store, phone.photos_dir, phone.now())
    assert sha not in removed  # photos and recordings are told apart
    assert free(phone) == [sha]


def test_a_recording_taken_in_again_after_it_left_may_leave_again(phone: FieldService) -> None:
    uuid, sha = recorded(phone, seconds=3)
    sent(phone, uuid)
    phone.store.mark_approved([(uuid, 1)])
    assert free(phone) == [sha]
    again = phone.store.start_visit("mini_showroom", 1, at=phone.now()).uuid
    assert phone.add_recording(again, "call", wav(3)).sha256 == sha
    assert recording_file(phone.photos_dir, sha).exists() and not phone.store.file_removed(sha)
    assert free(phone) == []  # the new visit is not confirmed
