"""The visit page plays a call's recordings (issue 17, point 3): an <audio> element per
stored recording with its length, served to a logged-in coordinator with its container's
type and answering a browser's Range requests, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses

import pytest

from console_support import Phone
from server_support import new_uuid, sha

from audio_samples import m4a, wav, webm
from test_server_audio import CALL_CHECKLIST, call_revision


@pytest.fixture
def server_settings(server_settings):
    return dataclasses.replace(server_settings, compute_flags=False)


@pytest.fixture
def phone(server_store, console) -> Phone:
    server_store.catalog.publish(CALL_CHECKLIST, server_store.now())
    return Phone(console, server_store)


def sent(phone: Phone, *recordings: bytes, upload: bool = True) -> str:
    uuid = new_uuid()
    phone.send(uuid, call_revision(*recordings))
    for data in recordings if upload else ():
        phone.upload(data)
    return uuid


def test_the_page_plays_each_stored_recording_and_says_how_long_it_is(console, phone):
    first, second = m4a(43.0), webm(20_000)
    uuid = sent(phone, first, second)
    page = console.get(f"/visits/{uuid}")
    assert page.status == 200
    assert page.html.count("<audio controls") == 2
    assert f'src="/console/visits/{uuid}/recordings/{sha(first)}"' in page.html
    assert "Записи" in page and "длительность 0:43" in page and "длительность в файле не указана" in page
    assert "записей: 2" in page  # the question's row among the answers


def test_a_recording_not_uploaded_yet_is_said_so(console, phone):
    uuid = sent(phone, wav(1.0), upload=False)
    page = console.get(f"/visits/{uuid}")
    assert "<audio" not in page.html and "запись ещё не загружена" in page


def test_a_visit_of_a_checklist_without_audio_shows_no_recordings_section(console, phone, server_store):
    from server_support import publish_mini, revision

    publish_mini(server_store)
    uuid = new_uuid()
    phone.send(uuid, revision())
    page = console.get(f"/visits/{uuid}")
    assert page.status == 200 and "Записи" not in page


@pytest.mark.parametrize(("data", "content_type"), [(wav(2.0), "audio/wav"), (m4a(4.0), "audio/mp4"),
                                                    (webm(8000), "audio/webm")])
def test_a_recording_is_served_whole_with_its_containers_type(console, phone, data, content_type):
    uuid = sent(phone, data)
    answer = console.http.get(f"/console/visits/{uuid}/recordings/{sha(data)}")
    assert answer.status_code == 200
    assert answer.content == data
    assert answer.headers["content-type"] == content_type
    assert answer.headers["accept-ranges"] == "bytes"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in answer.headers["cache-control"]


def test_a_range_request_gets_206_and_exactly_its_slice(console, phone):
    data = wav(2.0)
    uuid = sent(phone, data)
    path = f"/console/visits/{uuid}/recordings/{sha(data)}"
    answer = console.http.get(path, headers={"Range": "bytes=100-1123"})
    assert answer.status_code == 206
    assert answer.content == data[100:1124]
    assert answer.headers["content-range"] == f"bytes 100-1123/{len(data)}"
    tail = console.http.get(path, headers={"Range": "bytes=-500"})
    assert (tail.status_code, tail.content) == (206, data[-500:])
    beyond = console.http.get(path, headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416


def test_only_recordings_the_visit_names_are_served(console, phone):
    mine, other = wav(1.0), wav(1.5)
    uuid, elsewhere = sent(phone, mine), sent(phone, other)
    assert console.http.get(f"/console/visits/{uuid}/recordings/{sha(mine)}").status_code == 200
    for name in (sha(other), sha(mine).upper(), sha(mine)[:-1], "..%2F..%2Fserver.db"):
        assert console.get(f"/visits/{uuid}/recordings/{name}").status == 404, name
    assert console.get(f"/visits/{new_uuid()}/recordings/{sha(mine)}").status == 404
    assert console.get(f"/visits/{elsewhere}/recordings/{sha(other)}").status == 200


def test_a_recording_not_uploaded_yet_is_not_found(console, phone):
    data = wav(1.0)
    uuid = sent(phone, data, upload=False)
    assert console.get(f"/visits/{uuid}/recordings/{sha(data)}").status == 404


def test_recordings_need_a_logged_in_coordinator_not_a_device(console, phone):
    data = wav(1.0)
    uuid = sent(phone, data)
    console.http.cookies.clear()
    path = f"/console/visits/{uuid}/recordings/{sha(data)}"
    answer = console.http.get(path, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")
    ranged = console.http.get(path, headers={"Range": "bytes=0-99"}, follow_redirects=False)
    assert ranged.status_code == 303 and ranged.content != data[:100]
    # A shopper's device token opens the sync API, never the console.
    with_token = console.http.get(path, headers=phone.auth, follow_redirects=False)
    assert with_token.status_code == 303 and data not in with_token.content


def test_a_correction_shows_the_recordings_it_added_and_removed(console, phone):
    kept, dropped, added = wav(1.0), wav(1.5), wav(2.0)
    uuid = sent(phone, kept, dropped)
    console.get(f"/visits/{uuid}")
    assert console.post(f"/visits/{uuid}/return", {"revision": "1", "comment": "Запишите звонок целиком"}).status == 200
    phone.send(uuid, call_revision(kept, added, number=2))
    phone.upload(added)
    html = console.get(f"/visits/{uuid}").html
    changes = html[html.index('<section id="changes"'):]
    changes = changes[:changes.index("</section>")]
    assert "Добавлены записи" in changes and "Удалены записи" in changes
    assert f'/recordings/{sha(added)}"' in changes and f'/recordings/{sha(dropped)}"' in changes
    assert f'/recordings/{sha(kept)}"' not in changes
