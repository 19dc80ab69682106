"""Recordings of an audio question (issue 17, point 3) through a real server, on SQLite
and PostgreSQL: named by a revision, uploaded resumably by sha256 like a photo, checked
when the last byte arrives (container, length against the question's max_seconds, size),
and a bad one refused with its stable code, nothing stored."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from field_app.domain.canonical import checklist_sha256
from field_app.domain.checklist import Checklist
from samples import SHOWROOM
from server_support import new_uuid, photo, photo_ref, revision, sha, upload

from audio_samples import m4a, ogg_opus, wav, webm

CALL = copy.deepcopy(SHOWROOM)
CALL["id"] = "mini_call"
CALL["sections"][0]["questions"].append(
    {"id": "call", "text": "Запись звонка", "type": "audio", "max_seconds": 60, "recordings": {"min": 1, "max": 2}})
CALL_CHECKLIST = Checklist.model_validate(CALL)


def recording_ref(data: bytes, question_id: str = "call") -> dict:
    return {"sha256": sha(data), "bytes": len(data), "question_id": question_id, "recorded_at": "2026-11-22T10:30:00Z"}


def call_revision(*recordings: bytes, photos: list[bytes] = (), number: int = 1) -> dict:
    body = revision(number, photos=list(photos), recordings=[recording_ref(r) for r in recordings])
    body["checklist"] = {"id": "mini_call", "version": 1, "sha256": checklist_sha256(CALL_CHECKLIST)}
    return body


@pytest.fixture
def server(live_server):
    live_server.store.catalog.publish(CALL_CHECKLIST, live_server.store.now())
    return live_server


def send(shopper, body: dict, uuid: str | None = None) -> dict:
    answer = shopper.client.put(f"/visits/{uuid or new_uuid()}", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def stored(server, data: bytes) -> bool:
    return server.store.files.is_in_place(sha(data)) and server.store.files.blob_path(sha(data)).read_bytes() == data


def nothing_left_of(server, data: bytes) -> bool:
    files = server.store.files
    return not files.is_in_place(sha(data)) and not files.part_path(sha(data)).exists()


@pytest.mark.parametrize("data", [wav(3.0), m4a(59.0), ogg_opus(20.0), webm(50_000)],
                         ids=["wav", "m4a", "ogg", "webm"])
def test_a_recording_is_listed_missing_uploaded_in_pieces_and_stored(server, data):
    anna = server.shopper()
    receipt = send(anna, call_revision(data))
    assert (receipt["missing_recordings"], receipt["missing_photos"]) == ([sha(data)], [])
    half = len(data) // 2
    assert upload(anna.client, data, 0, data[:half]).status_code == 204
    assert anna.client.head(f"/blobs/{sha(data)}").headers["Upload-Offset"] == str(half)
    answer = upload(anna.client, data, half)
    assert answer.status_code == 204, answer.text
    assert stored(server, data)
    assert anna.client.get(f"/visits/{receipt['uuid']}").json()["missing_recordings"] == []


@pytest.mark.parametrize(("data", "code", "status"), [
    (photo(1), "audio_format_unknown", 415),  # a JPEG named as a recording
    (b"ID3\x04" + bytes(4000), "audio_format_unknown", 415),  # an MP3
    (m4a(10.0)[:-30], "audio_corrupt", 422),  # cut inside its moov
    (wav(2.0)[:30], "audio_corrupt", 422),  # cut inside its fmt chunk
    (m4a(66.0), "audio_too_long", 422),  # max_seconds 60, and 5 s of slack
    (wav(70.0), "audio_too_long", 422),
    (webm((65 * 32_000) + 1), "audio_too_long", 422),  # no length stated: bounded by its size
], ids=["jpeg", "mp3", "cut-m4a", "cut-wav", "long-m4a", "long-wav", "big-webm"])
def test_a_bad_recording_is_refused_with_its_code_and_nothing_is_stored(server, data, code, status):
    anna = server.shopper()
    uuid = send(anna, call_revision(data))["uuid"]
    answer = upload(anna.client, data)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert nothing_left_of(server, data)
    assert anna.client.get(f"/visits/{uuid}").json()["missing_recordings"] == [sha(data)]


def test_a_recording_past_the_size_limit_is_refused_when_it_arrives(server):
    anna = server.shopper()
    data = wav(3.0)
    send(anna, call_revision(data))
    server.store.settings = dataclasses.replace(server.store.settings, max_recording_bytes=len(data) - 1)
    answer = upload(anna.client, data)
    assert (answer.status_code, answer.json()["code"]) == (413, "audio_too_large")
    assert nothing_left_of(server, data)


def test_a_visit_promising_a_recording_past_the_size_limit_is_refused(server):
    anna = server.shopper()
    body = call_revision(wav(1.0))
    body["recordings"][0]["bytes"] = server.store.settings.max_recording_bytes + 1
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert (answer.status_code, answer.json()["code"]) == (422, "revision_invalid")
    assert "a recording may have" in answer.json()["message"]


def test_a_recording_on_a_question_that_is_not_audio_is_refused(server):
    anna = server.shopper()
    body = call_revision()
    body["recordings"] = [recording_ref(wav(1.0), "greeted")]
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert (answer.status_code, answer.json()["code"]) == (422, "revision_invalid")
    assert "'greeted' is a yes_no question, not an audio one" in answer.json()["message"]


def test_a_photo_of_the_same_visit_is_still_checked_as_a_jpeg(server):
    anna = server.shopper()
    image, data = photo(2), wav(1.0)
    receipt = send(anna, call_revision(data, photos=[image]))
    assert (receipt["missing_photos"], receipt["missing_recordings"]) == ([sha(image)], [sha(data)])
    assert upload(anna.client, image).status_code == 204
    assert upload(anna.client, data).status_code == 204
    assert stored(server, image) and stored(server, data)


def test_another_shoppers_recording_cannot_be_uploaded(server):
    anna, boris = server.shopper(), server.shopper("Борис Иванов", "Galaxy")
    data = wav(1.0)
    send(anna, call_revision(data))
    answer = upload(boris.client, data)
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


def test_one_sha256_keeps_one_size_across_photos_and_recordings(server):
    anna = server.shopper()
    data = wav(1.0)
    send(anna, call_revision(data))
    body = call_revision()
    body["photos"] = [{**photo_ref(data), "bytes": len(data) + 1}]
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert answer.status_code == 422
    assert "bytes elsewhere" in answer.json()["message"]


def test_a_revision_without_recordings_answers_an_empty_list(server):
    anna = server.shopper()
    assert send(anna, revision())["missing_recordings"] == []
