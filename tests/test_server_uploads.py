"""Resumable photo uploads (`HEAD`/`PATCH /blobs/{sha256}`): whole, in pieces, resumed
after a cut, and every way a bad upload is refused and never stored as good."""

from __future__ import annotations

import dataclasses
import io
import threading

import pytest
from PIL import Image

from server_support import (
    LiveServer,
    new_uuid,
    noisy_photo,
    photo,
    publish_mini,
    revision,
    sha,
    start_raw_patch,
    tus_headers,
    upload,
    wait_for,
)


def send_visit(shopper, *photos: bytes) -> str:
    uuid = new_uuid()
    answer = shopper.client.put(f"/visits/{uuid}", json=revision(photos=list(photos)))
    assert answer.status_code == 200, answer.text
    return uuid


def held(shopper, data: bytes) -> int:
    answer = shopper.client.head(f"/blobs/{sha(data)}")
    assert answer.status_code == 200
    return int(answer.headers["Upload-Offset"])


def stored(server, data: bytes) -> bool:
    path = server.settings.data_dir / "blobs" / sha(data)[:2] / f"{sha(data)}.jpg"
    return path.is_file() and path.read_bytes() == data


def part_size(server, data: bytes) -> int:
    path = server.settings.data_dir / "uploads" / f"{sha(data)}.part"
    return path.stat().st_size if path.exists() else 0


def test_head_tells_how_much_of_a_named_photo_the_server_holds(live_server):
    anna = live_server.shopper()
    data = photo(1)
    send_visit(anna, data)
    answer = anna.client.head(f"/blobs/{sha(data)}")
    assert answer.status_code == 200
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    assert answer.headers["Upload-Offset"] == "0"
    assert answer.headers["Upload-Length"] == str(len(data))
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_whole_upload_is_checked_stored_and_no_longer_missing(live_server):
    anna = live_server.shopper()
    data = photo(1)
    uuid = send_visit(anna, data)
    answer = upload(anna.client, data)
    assert answer.status_code == 204, answer.text
    assert answer.headers["Upload-Offset"] == str(len(data))
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    assert held(anna, data) == len(data)
    assert stored(live_server, data)
    assert part_size(live_server, data) == 0
    assert anna.client.get(f"/visits/{uuid}").json()["missing_photos"] == []


def test_an_upload_in_pieces_continues_where_the_server_holds(live_server):
    anna = live_server.shopper()
    data = noisy_photo()
    send_visit(anna, data)
    cuts = [0, 1000, 50_000, len(data)]
    for start, end in zip(cuts, cuts[1:]):
        answer = upload(anna.client, data, start, data[start:end])
        assert answer.status_code == 204, answer.text
        assert answer.headers["Upload-Offset"] == str(end)
        assert held(anna, data) == end
    assert stored(live_server, data)


def test_a_wrong_offset_answers_409_with_the_right_one(live_server):
    anna = live_server.shopper()
    data = photo(1)
    send_visit(anna, data)
    upload(anna.client, data, 0, data[:500])
    answer = upload(anna.client, data, 200, data[200:])
    assert answer.status_code == 409
    assert answer.headers["Upload-Offset"] == "500"
    assert answer.json()["code"] == "offset_mismatch"
    assert "500" in answer.json()["message"]
    assert held(anna, data) == 500


def test_the_upload_length_must_be_the_size_the_visit_gives(live_server):
    anna = live_server.shopper()
    data = photo(1)
    send_visit(anna, data)
    answer = anna.client.patch(f"/blobs/{sha(data)}", content=data, headers=tus_headers(0, len(data) + 1))
    assert answer.status_code == 409
    assert answer.json()["code"] == "upload_length_mismatch"
    assert held(anna, data) == 0


def test_bytes_past_the_length_are_refused_while_streaming(live_server):
    anna = live_server.shopper()
    data = photo(1)
    send_visit(anna, data)
    answer = anna.client.patch(f"/blobs/{sha(data)}", content=data + b"extra", headers=tus_headers(0, len(data)))
    assert answer.status_code == 413
    assert answer.json()["code"] == "upload_too_long"
    assert not stored(live_server, data)
    rest = held(anna, data)
    assert upload(anna.client, data, rest).status_code == 204
    assert stored(live_server, data)


def test_bytes_with_another_hash_are_thrown_away(live_server):
    anna = live_server.shopper()
    data = photo(1)
    send_visit(anna, data)
    impostor = bytearray(data)
    impostor[-10] ^= 0xFF
    answer = anna.client.patch(f"/blobs/{sha(data)}", content=bytes(impostor), headers=tus_headers(0, len(data)))
    assert answer.status_code == 422
    assert answer.json()["code"] == "hash_mismatch"
    assert held(anna, data) == 0
    assert part_size(live_server, data) == 0
    assert not stored(live_server, data)
    assert upload(anna.client, data).status_code == 204


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _truncated_jpeg() -> bytes:
    data = noisy_photo((200, 150), seed=3)
    return data[: len(data) * 2 // 3]


def _bomb() -> bytes:
    """A tiny JPEG whose header declares 30000 x 30000 pixels."""
    data = bytearray(photo(5))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = (30000).to_bytes(2, "big") + (30000).to_bytes(2, "big")
    return bytes(data)


@pytest.mark.parametrize(("make", "status", "code"), [
    (_png, 415, "image_not_jpeg"),
    (_truncated_jpeg, 422, "image_corrupt"),
    (_bomb, 422, "image_too_large"),
    (lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 300, 422, "image_corrupt"),
], ids=["png", "truncated", "decompression_bomb", "broken_header"])
def test_a_file_that_is_not_a_good_jpeg_is_refused_with_a_reason(live_server, make, status, code):
    anna = live_server.shopper()
    data = make()
    uuid = send_visit(anna, data)
    answer = upload(anna.client, data)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    assert answer.json()["message"]
    assert not stored(live_server, data)
    assert part_size(live_server, data) == 0
    assert held(anna, data) == 0
    assert anna.client.get(f"/visits/{uuid}").json()["missing_photos"] == [sha(data)]


def test_should_hide_and_protect_another_shoppers_photo(live_server):
    anna, boris = live_server.shopper("Анна"), live_server.shopper("Борис")
    data = photo(1)
    send_visit(anna, data)
    upload(anna.client, data, 0, data[:700])
    send_visit(boris, photo(2))

    assert boris.client.head(f"/blobs/{sha(data)}").status_code == 404
    for offset in (0, 700):
        answer = upload(boris.client, data, offset)
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"
    assert part_size(live_server, data) == 700
    assert held(anna, data) == 700


def test_an_unnamed_photo_is_not_found(live_server):
    anna = live_server.shopper()
    data = photo(1)
    assert anna.client.head(f"/blobs/{sha(data)}").status_code == 404
    assert upload(anna.client, data).status_code == 404
    assert anna.client.head("/blobs/not-a-hash").status_code == 422


def test_a_stored_photo_keeps_its_size(live_server):
    anna, boris = live_server.shopper("Анна"), live_server.shopper("Борис")
    data = photo(1)
    send_visit(anna, data)
    assert upload(anna.client, data).status_code == 204
    body = revision(photos=[data])
    body["photos"][0]["bytes"] += 1
    answer = boris.client.put(f"/visits/{new_uuid()}", json=body)
    assert (answer.status_code, answer.json()["code"]) == (422, "revision_invalid")
    assert "is stored with" in answer.json()["message"]


def test_a_photo_already_stored_serves_every_visit_that_names_it(live_server):
    anna, boris = live_server.shopper("Анна"), live_server.shopper("Борис")
    data = photo(1)
    send_visit(anna, data)
    assert upload(anna.client, data).status_code == 204
    # Sending the last piece again, or anyone's visit naming the stored photo: nothing to do.
    again = anna.client.patch(f"/blobs/{sha(data)}", content=b"", headers=tus_headers(len(data), len(data)))
    assert again.status_code == 204
    assert again.headers["Upload-Offset"] == str(len(data))
    stale = upload(anna.client, data, 0)
    assert stale.status_code == 409
    assert stale.headers["Upload-Offset"] == str(len(data))
    uuid = send_visit(boris, data)
    assert boris.client.get(f"/visits/{uuid}").json()["missing_photos"] == []
    assert held(boris, data) == len(data)


def test_tus_headers_are_required(live_server):
    anna = live_server.shopper()
    data = photo(1)
    send_visit(anna, data)
    url = f"/blobs/{sha(data)}"
    no_version = anna.client.patch(url, content=data, headers={**tus_headers(0, len(data)), "Tus-Resumable": "0.2"})
    assert (no_version.status_code, no_version.json()["code"]) == (412, "tus_version_unsupported")
    wrong_type = anna.client.patch(url, content=data,
                                   headers={**tus_headers(0, len(data)), "Content-Type": "image/jpeg"})
    assert (wrong_type.status_code, wrong_type.json()["code"]) == (415, "upload_content_type")
    headers = tus_headers(0, len(data))
    del headers["Upload-Offset"]
    no_offset = anna.client.patch(url, content=data, headers=headers)
    assert (no_offset.status_code, no_offset.json()["code"]) == (422, "invalid_request")
    bad_offset = anna.client.patch(url, content=data, headers={**tus_headers(0, len(data)), "Upload-Offset": "-1"})
    assert (bad_offset.status_code, bad_offset.json()["code"]) == (422, "invalid_request")
    assert held(anna, data) == 0


def test_a_cut_connection_keeps_what_arrived(live_server):
    anna = live_server.shopper()
    data = noisy_photo()
    send_visit(anna, data)
    sock = start_raw_patch(live_server.port, anna.token, data, 0, data[:30_000])
    wait_for(lambda: part_size(live_server, data) == 30_000, what="the first bytes to reach the disk")
    sock.close()
    wait_for(lambda: held(anna, data) == 30_000, what="the server to see the cut")
    assert upload(anna.client, data, 30_000).status_code == 204
    assert stored(live_server, data)


def test_head_during_a_patch_answers_once_the_patch_has_ended(live_server):
    # A phone asks right after its connection was cut, while the server may still be
    # taking in what arrived before the cut: the offset must be the final one, or the
    # PATCH sent from it streams a whole body only to be refused with 409.
    anna = live_server.shopper()
    data = noisy_photo()
    send_visit(anna, data)
    sock = start_raw_patch(live_server.port, anna.token, data, 0, data[:20_000])
    wait_for(lambda: part_size(live_server, data) == 20_000, what="the first bytes to reach the disk")
    answers: list[int] = []
    asking = threading.Thread(target=lambda: answers.append(held(anna, data)))
    asking.start()
    asking.join(0.3)
    assert answers == []  # waits for the PATCH
    sock.sendall(data[20_000:50_000])
    wait_for(lambda: part_size(live_server, data) == 50_000, what="the rest to reach the disk")
    sock.close()
    asking.join(10)
    assert answers == [50_000]


def test_head_while_a_patch_stays_stalled_answers_423(strict_server):
    anna = strict_server.shopper()
    data = noisy_photo((250, 180))
    send_visit(anna, data)
    sock = start_raw_patch(strict_server.port, anna.token, data, 0, data[:10_000])
    wait_for(lambda: part_size(strict_server, data) == 10_000, what="the first bytes to reach the disk")
    answer = anna.client.head(f"/blobs/{sha(data)}")
    sock.close()
    assert answer.status_code == 423


def test_bytes_sent_just_before_a_cut_are_kept(live_server):
    anna = live_server.shopper()
    data = noisy_photo()
    send_visit(anna, data)
    for sent in (1, 50_000, 120_000):
        offset = held(anna, data)
        start_raw_patch(live_server.port, anna.token, data, offset, data[offset:sent]).close()
        wait_for(lambda: held(anna, data) == sent, what=f"all {sent} bytes sent before the cut")
    assert upload(anna.client, data, 120_000).status_code == 204


@pytest.fixture
def strict_server(server_settings):
    settings = dataclasses.replace(
        server_settings, json_body_limit=64 * 1024, blob_body_limit=100 * 1024,
        upload_lock_wait=0.3, upload_idle_timeout=0.5,
    )
    with LiveServer.start(settings) as server:
        publish_mini(server.store)
        yield server


def test_a_stalled_upload_ends_keeping_what_arrived(strict_server):
    anna = strict_server.shopper()
    data = noisy_photo((250, 180))
    send_visit(anna, data)
    sock = start_raw_patch(strict_server.port, anna.token, data, 0, data[:10_000])
    sock.settimeout(10)
    answer = sock.recv(4096).decode()
    sock.close()
    assert answer.startswith("HTTP/1.1 204")
    assert "upload-offset: 10000" in answer.lower()
    assert held(anna, data) == 10_000


def test_patches_of_one_photo_take_turns(strict_server):
    anna = strict_server.shopper()
    data = noisy_photo((250, 180))
    send_visit(anna, data)
    first = start_raw_patch(strict_server.port, anna.token, data, 0, data[:20_000])
    wait_for(lambda: part_size(strict_server, data) == 20_000, what="the first PATCH to start")
    second = upload(anna.client, data, 0)
    assert second.status_code == 423
    assert second.json()["code"] == "upload_locked"
    first.sendall(data[20_000:])
    first.settimeout(10)
    assert first.recv(4096).startswith(b"HTTP/1.1 204")
    first.close()
    assert stored(strict_server, data)


def test_a_json_body_over_the_limit_is_refused_before_it_is_read(strict_server):
    anna = strict_server.shopper()
    body = b"[" + b"1," * 40_000 + b"1]"
    answer = anna.client.put(f"/visits/{new_uuid()}", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["code"] == "body_too_large"


def test_a_chunked_body_over_the_limit_is_cut_while_it_streams(strict_server):
    anna = strict_server.shopper()

    def chunks():
        yield b"["
        for _ in range(100):
            yield b"1," * 1000
        yield b"1]"

    answer = anna.client.put(f"/visits/{new_uuid()}", content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.request.headers.get("Transfer-Encoding") == "chunked"
    assert answer.status_code == 413
    assert answer.json()["code"] == "body_too_large"
    # The server is still well.
    assert anna.client.get("/health").json() == {"ok": True}


def test_an_upload_body_over_its_limit_keeps_what_fit_and_continues_in_pieces(strict_server):
    anna = strict_server.shopper()
    data = noisy_photo((500, 400), seed=7)
    assert len(data) > 2 * strict_server.settings.blob_body_limit
    send_visit(anna, data)

    def chunks():
        for i in range(0, len(data), 16 * 1024):
            yield data[i:i + 16 * 1024]

    answer = anna.client.patch(f"/blobs/{sha(data)}", content=chunks(), headers=tus_headers(0, len(data)))
    assert answer.status_code == 413
    assert answer.json()["code"] == "body_too_large"
    offset = held(anna, data)
    assert 0 < offset <= strict_server.settings.blob_body_limit
    while offset < len(data):
        piece = data[offset:offset + strict_server.settings.blob_body_limit]
        answer = upload(anna.client, data, offset, piece)
        assert answer.status_code == 204, answer.text
        offset = int(answer.headers["Upload-Offset"])
    assert stored(strict_server, data)


def test_uploads_of_different_photos_run_side_by_side(live_server):
    anna = live_server.shopper()
    photos = [noisy_photo((300, 200), seed=i) for i in range(6)]
    send_visit(anna, *photos[:3])
    send_visit(anna, *photos[3:])
    results: list[int] = []

    def send(data: bytes) -> None:
        client = live_server.client(anna.token)
        results.append(upload(client, data).status_code)

    threads = [threading.Thread(target=send, args=(p,)) for p in photos]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [204] * 6
    assert all(stored(live_server, p) for p in photos)


def test_a_photo_in_place_is_stored_whatever_the_database_says(live_server):
    anna = live_server.shopper()
    data = photo(1)
    uuid = send_visit(anna, data)
    # Only a checked file is ever renamed into place: being there is being stored.
    path = live_server.settings.data_dir / "blobs" / sha(data)[:2] / f"{sha(data)}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    assert held(anna, data) == len(data)
    assert anna.client.get(f"/visits/{uuid}").json()["missing_photos"] == []
