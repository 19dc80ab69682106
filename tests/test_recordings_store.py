"""A visit's call recordings on the phone (issue 17, point 3): the file kept whole and
named by its sha256, the rows that attach it, its place in the frozen revision, and what
a restart or a kill leaves. Their way to the server is in tests/test_recordings_sync.py."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from field_app.domain.errors import InvalidAnswerError, VisitFrozenError
from field_app.domain.clock import ManualClock
from field_app.recordings import RecordingError, recording_file, store_recording
from field_app.services import FieldService
from field_app.store import Store

from audio_samples import wav
from samples import T0, answer_all, at, checklist, jpeg
from test_checklist_audio import with_audio


@pytest.fixture
def phone(tmp_path: Path):
    store = Store(tmp_path / "field.db")
    store.save_checklist(checklist(with_audio()))
    service = FieldService(store, ManualClock(T0), tmp_path / "photos")
    yield service
    store.close()


def started(service: FieldService) -> str:
    uuid = service.store.start_visit("mini_showroom", 1, at=service.now()).uuid
    answer_all(service, uuid, skip=("front_photo", "call"))
    return uuid


def test_a_recording_is_kept_whole_under_its_sha256_and_attached(phone: FieldService) -> None:
    uuid = started(phone)
    data = wav(3)
    ref = phone.add_recording(uuid, "call", data, at(30))

    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    assert ref.bytes == len(data) and ref.question_id == "call" and ref.recorded_at == at(30)
    assert phone.recording_path(ref.sha256) == phone.photos_dir / f"{ref.sha256}.audio"
    assert phone.recording_path(ref.sha256).read_bytes() == data
    assert phone.visit(uuid).recordings == [ref]
    # No temp file is left beside it.
    assert sorted(p.name for p in phone.photos_dir.iterdir()) == [f"{ref.sha256}.audio"]


def test_the_recorder_s_file_is_copied_by_path(phone: FieldService, tmp_path: Path) -> None:
    uuid = started(phone)
    source = tmp_path / "recorder-output.wav"
    source.write_bytes(wav(2))
    ref = phone.add_recording(uuid, "call", source)
    assert ref.recorded_at == phone.now()  # when not given
    assert phone.recording_path(ref.sha256).read_bytes() == source.read_bytes()


def test_a_required_audio_question_is_missing_until_a_recording_is_attached(phone: FieldService) -> None:
    uuid = started(phone)
    phone.add_photo(uuid, "front_photo", jpeg())
    assert [(m.question_id, m.reason, m.needed) for m in phone.review(uuid).missing] == [("call", "recordings", 1)]
    phone.add_recording(uuid, "call", wav(1))
    assert phone.review(uuid).missing == []


def test_a_recording_removed_before_finalizing_is_not_in_the_revision(phone: FieldService) -> None:
    uuid = started(phone)
    phone.add_photo(uuid, "front_photo", jpeg())
    first = phone.add_recording(uuid, "call", wav(1))
    second = phone.add_recording(uuid, "call", wav(2))
    phone.remove_recording(uuid, "call", first.sha256)

    revision = phone.finalize(uuid)

    assert revision.recordings == [second]
    payload = json.loads(phone.store.revision_payload(uuid, revision.revision))
    assert [(r["sha256"], r["bytes"], r["question_id"]) for r in payload["recordings"]] == [
        (second.sha256, second.bytes, "call")]
    # The removed file stays: the same bytes may be attached again (as a photo's do).
    assert phone.recording_path(first.sha256).exists()
    with pytest.raises(VisitFrozenError):
        phone.remove_recording(uuid, "call", second.sha256)
    with pytest.raises(VisitFrozenError):
        phone.add_recording(uuid, "call", wav(3))


def test_recordings_come_back_after_a_restart_in_the_order_they_were_added(tmp_path: Path) -> None:
    with Store(tmp_path / "field.db") as store:
        store.save_checklist(checklist(with_audio(recordings={"min": 1, "max": 3})))
        phone = FieldService(store, ManualClock(T0), tmp_path / "photos")
        uuid = started(phone)
        refs = [phone.add_recording(uuid, "call", wav(seconds), at(seconds)) for seconds in (3, 1, 2)]
    with Store(tmp_path / "field.db") as store:
        assert store.visit(uuid).recordings == refs


def test_attaching_the_same_recording_twice_keeps_one(phone: FieldService) -> None:
    uuid = started(phone)
    data = wav(1)
    phone.add_recording(uuid, "call", data)
    phone.add_recording(uuid, "call", data)
    assert len(phone.visit(uuid).recordings) == 1


def test_no_more_recordings_than_the_question_takes(tmp_path: Path) -> None:
    with Store(tmp_path / "field.db") as store:
        store.save_checklist(checklist(with_audio(recordings={"min": 0, "max": 1})))
        phone = FieldService(store, ManualClock(T0), tmp_path / "photos")
        uuid = started(phone)
        phone.add_recording(uuid, "call", wav(1))
        with pytest.raises(InvalidAnswerError):
            phone.add_recording(uuid, "call", wav(2))
        assert len(store.visit(uuid).recordings) == 1


def test_only_an_audio_question_takes_a_recording(phone: FieldService) -> None:
    uuid = started(phone)
    with pytest.raises(InvalidAnswerError):
        phone.add_recording(uuid, "front_photo", wav(1))
    assert phone.visit(uuid).recordings == []
    assert list(phone.photos_dir.iterdir()) == []


@pytest.mark.parametrize("data, code", [(b"", "empty"), (b"x" * 1001, "too_large")])
def test_an_empty_or_too_large_file_is_refused_and_leaves_nothing(tmp_path: Path, data: bytes, code: str) -> None:
    with pytest.raises(RecordingError) as caught:
        store_recording(data, tmp_path, max_bytes=1000)
    assert caught.value.code == code
    assert list(tmp_path.iterdir()) == []


def test_the_phone_checks_nothing_of_the_sound(tmp_path: Path) -> None:
    # Not audio at all: the server says so (audio_format_unknown) once it has the file.
    stored = store_recording(b"not a recording", tmp_path)
    assert stored.path == recording_file(tmp_path, hashlib.sha256(b"not a recording").hexdigest())
    assert stored.bytes == 15


CHILD = """
import sys
from pathlib import Path
sys.path[:0] = [{tests!r}]
from field_app.domain.clock import ManualClock
from field_app.services import FieldService
from field_app.store import Store
from audio_samples import wav
from samples import T0
store = Store({db!r})
phone = FieldService(store, ManualClock(T0), Path({photos!r}))
for n in range(1, 1000):
    ref = phone.add_recording({uuid!r}, "call", wav(0.01 * n))
    print(ref.sha256, flush=True)
"""


def test_a_recording_reported_attached_survives_the_app_being_killed(tmp_path: Path) -> None:
    with Store(tmp_path / "field.db") as store:
        store.save_checklist(checklist(with_audio(recordings={"min": 0, "max": 1000})))
        uuid = started(FieldService(store, ManualClock(T0), tmp_path / "photos"))
    script = CHILD.format(tests=str(Path(__file__).parent), db=str(tmp_path / "field.db"),
                          photos=str(tmp_path / "photos"), uuid=uuid)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).parents[1])
    reported = [child.stdout.readline().strip() for _ in range(5)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()

    with Store(tmp_path / "field.db") as store:
        kept = store.visit(uuid).recordings
    # Every recording the app said it kept is there, whole; at most one more got in.
    assert [r.sha256 for r in kept][:5] == reported
    for ref in kept:
        assert hashlib.sha256(recording_file(tmp_path / "photos", ref.sha256).read_bytes()).hexdigest() == ref.sha256
