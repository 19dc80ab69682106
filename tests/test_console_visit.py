"""The console's page of one visit: answers beside market ranks, stopwatch events, photos
and their thumbnails, follow-ups, history, and approving or returning a visit."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from PIL import Image

from field_app.domain.checklist import Question
from field_app.domain.i18n import Translator
from server_stub.console.pages.visit import answer_words
from server_stub.console.web import TRANSLATIONS

from console_support import Phone
from server_support import new_uuid, noisy_photo, photo, publish_mini, revision, sha


@pytest.fixture
def server_settings(server_settings):
    """These visits are not about their evidence: they are stored without flags, so they are
    approved without a comment, alone or several at once (tests/test_console_evidence.py
    approves flagged ones)."""
    return dataclasses.replace(server_settings, compute_flags=False)



@pytest.fixture
def phone(server_store, console) -> Phone:
    publish_mini(server_store)
    return Phone(console, server_store)


def test_the_page_shows_answers_by_section_beside_their_market_rank(console, phone):
    uuid = new_uuid()
    phone.send(uuid, revision())
    page = console.get(f"/visits/{uuid}")
    assert page.status == 200
    assert "Анна Петрова" in page and "mini_showroom@1" in page
    # question, answer in words, points, rank: one row each
    assert "Поприветствовал Да 1 / 1 высокий (TOP)" in page
    assert "Ожидание 1:10 — до 5 минут 1 / 1" in page
    assert "Парковка Неприменимо —" in page
    assert "Тест-драйв сразу Да 1 / 1" in page
    assert "Зеркала Нет 0 / 1" in page
    assert "Гудки 3 — до 5 1 / 1" in page
    assert "Заметки нет ответа" in page
    assert "Фото фасада фото: 0" in page
    # 4 of 5 points; the section "Встреча" has 2 of 2, "Тест-драйв" 2 of 3
    assert "80%" in page
    assert "Встреча 2 / 2 100%" in page and "Тест-драйв 2 / 3 67%" in page


def test_the_page_shows_each_stopwatch_with_its_raw_events(console, phone):
    uuid = new_uuid()
    phone.send(uuid, revision(timers={"consultant_wait": [
        {"event": "start", "at": "2026-11-22T10:01:00Z"}, {"event": "stop", "at": "2026-11-22T10:01:30Z"},
        {"event": "start", "at": "2026-11-22T10:03:00Z"}, {"event": "stop", "at": "2026-11-22T10:03:45Z"},
    ]}))
    page = console.get(f"/visits/{uuid}")
    # on the dealership's wall clock (Moscow: UTC+3), as the page says once
    assert re.search(r"старт 2026-11-22 13:01:00 стоп 2026-11-22 13:01:30 "
                     r"старт 2026-11-22 13:03:00 стоп 2026-11-22 13:03:45 Прошло: 75 с \(1:15\)", page.text)
    assert "Часовой пояс дилерского центра, Europe/Moscow (все времена на странице)" in page
    # the answer is what the events say, not the value the revision carries beside them
    assert "Ожидание 1:15 — до 5 минут" in page


def test_follow_ups_show_their_answer_or_when_they_fall_due(console, phone):
    pending, answered = new_uuid(), new_uuid()
    phone.send(pending, revision())
    phone.send(answered, revision(follow_ups={"callback": {
        "value": True, "comment": "перезвонили через 2 дня", "answered_at": "2026-11-24T12:30:00Z"}}))
    # due 48 hours after the visit started (10:00), as the phone counts
    assert "Перезвонили? ещё нет ответа срок: 2026-11-24 13:00" in console.get(f"/visits/{pending}")
    page = console.get(f"/visits/{answered}")
    assert "Перезвонили? Да Комментарий: перезвонили через 2 дня 2026-11-24 15:30" in page
    assert "ещё нет ответа" not in page


def test_photos_show_as_cached_thumbnails_once_uploaded(console, phone, server_store):
    uuid, data = new_uuid(), noisy_photo((800, 600))
    phone.send(uuid, revision(photos=[data]))
    base = f"/visits/{uuid}/photos/{sha(data)}"

    page = console.get(f"/visits/{uuid}")
    assert "Фото фасада фото: 1" in page
    assert "фото ещё не загружено" in page and base + "/thumb" not in page.html
    assert console.get(base + "/thumb").status == 404

    phone.upload(data)
    page = console.get(f"/visits/{uuid}")
    assert "фото ещё не загружено" not in page
    assert f'<a href="/console{base}"><img src="/console{base}/thumb"' in page.html

    thumb = console.http.get("/console" + base + "/thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.format == "JPEG" and image.size == (320, 240)
    cached = server_store.settings.data_dir / "thumbs" / f"{sha(data)}.jpg"
    assert cached.read_bytes() == thumb.content
    # the second request reads the cache instead of making it again
    cached.write_bytes(photo(7))
    assert console.http.get("/console" + base + "/thumb").content == photo(7)

    full = console.http.get("/console" + base)
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert full.content == data


def test_only_photos_the_visit_names_are_served(console, phone):
    mine, other = new_uuid(), new_uuid()
    phone.send(mine, revision(photos=[photo(1)]))
    phone.send(other, revision(photos=[photo(2)]))
    phone.upload(photo(1))
    phone.upload(photo(2))
    assert console.get(f"/visits/{mine}/photos/{sha(photo(1))}").status == 200
    for name in (sha(photo(2)), sha(photo(3)), sha(photo(1)).upper(), sha(photo(1))[:-1], "..%2F..%2Fserver.db",
                 "server.db", "%2e%2e%2fserver.db"):
        for suffix in ("", "/thumb"):
            page = console.get(f"/visits/{mine}/photos/{name}{suffix}")
            assert page.status == 404, (name, suffix)
            assert page.response.headers["content-type"].startswith("text/html")
    assert console.get(f"/visits/{new_uuid()}/photos/{sha(photo(1))}").status == 404


def test_photos_need_a_logged_in_coordinator(console, phone):
    uuid = new_uuid()
    phone.send(uuid, revision(photos=[photo(1)]))
    phone.upload(photo(1))
    console.http.cookies.clear()
    for suffix in ("", "/thumb"):
        answer = console.http.get(f"/console/visits/{uuid}/photos/{sha(photo(1))}{suffix}", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")


def test_a_returned_visit_reaches_the_phone_and_its_correction_is_approved(console, phone):
    uuid = new_uuid()
    phone.send(uuid, revision(1, greeted=False))
    console.get(f"/visits/{uuid}")

    refused = console.post(f"/visits/{uuid}/return", {"revision": "1", "comment": "   "})
    assert refused.status == 400
    assert "Напишите, что исправить" in refused
    assert phone.status(uuid) == "received" and phone.pull()["returned"] == []

    page = console.post(f"/visits/{uuid}/return", {"revision": "1", "comment": "Проверьте приветствие"})
    assert page.status == 200 and page.url.endswith(f"/console/visits/{uuid}?reviewed=return")
    assert "Визит возвращён на исправление" in page
    assert "1 возвращён Проверьте приветствие coordinator" in page
    assert "Вернуть на исправление" not in page  # already returned: only approving is left
    returned = phone.pull()["returned"]
    assert [(r["visit_uuid"], r["revision"], r["comment"]) for r in returned] == [(uuid, 1, "Проверьте приветствие")]

    phone.send(uuid, revision(2, greeted=True))
    page = console.get(f"/visits/{uuid}")
    assert "Версия 2 из 2" in page and "получен" in page
    assert "Поприветствовал Да 1 / 1" in page
    page = console.post(f"/visits/{uuid}/approve", {"revision": "2"})
    assert page.status == 200 and "Визит принят." in page
    assert "2 принят coordinator" in page
    assert "Принять визит" not in page
    assert phone.status(uuid) == "approved" and phone.pull()["returned"] == []

    older = console.get(f"/visits/{uuid}", revision="1")
    assert older.status == 200
    assert "Это версия 1; последняя — 2" in older
    assert "Поприветствовал Нет 0 / 1" in older
    assert 'action="/console/visits/' not in older.html  # no verdict on an old revision


def test_a_verdict_on_a_revision_superseded_meanwhile_is_refused(console, phone):
    uuid = new_uuid()
    phone.send(uuid, revision(1))
    console.get(f"/visits/{uuid}")  # the coordinator reads revision 1 ...
    phone.send(uuid, revision(2))  # ... while revision 2 arrives
    page = console.post(f"/visits/{uuid}/approve", {"revision": "1"})
    assert page.status == 409
    assert "пришла новая версия визита" in page
    assert phone.status(uuid) == "received"


def test_unknown_visits_and_revisions_are_not_found(console, phone):
    uuid = new_uuid()
    phone.send(uuid, revision())
    for path, params in ((f"/visits/{new_uuid()}", {}), ("/visits/%00", {}), (f"/visits/{uuid}", {"revision": "2"}),
                         (f"/visits/{uuid}", {"revision": "abc"}), (f"/visits/{uuid}", {"revision": "0"}),
                         (f"/visits/{uuid}", {"revision": "9" * 40})):
        page = console.get(path, **params)
        assert page.status == 404, (path, params)
        assert "Такого визита или его версии нет." in page
    for action in ("approve", "return"):
        page = console.post(f"/visits/{new_uuid()}/{action}", {"revision": "1", "comment": "x"})
        assert page.status == 404 and "Такого визита" in page


def test_what_the_shopper_and_the_coordinator_typed_is_escaped(console, phone):
    uuid, evil = new_uuid(), '<script>alert("x")</script><b>'
    at = "2026-11-22T10:05:00Z"
    body = revision(follow_ups={"callback": {"value": False, "comment": evil + "f", "answered_at": at}})
    body["answers"]["notes"] = {"value": evil + "n", "answered_at": at}
    body["answers"]["greeted"] = {"value": True, "comment": evil + "c", "answered_at": at}
    phone.send(uuid, body)
    console.get(f"/visits/{uuid}")
    kept = console.post(f"/visits/{uuid}/return", {"revision": "1", "comment": "\x00" + evil + "r"})
    assert kept.status == 400 and "недопустимый символ" in kept
    assert "&lt;script&gt;" in kept.html.split("<textarea", 1)[1].split("</textarea>", 1)[0]

    page = console.post(f"/visits/{uuid}/return", {"revision": "1", "comment": evil + "r"})
    assert page.status == 200
    assert "<script>" not in page.html and "<b>" not in page.html
    assert page.html.count("&lt;script&gt;alert(") == 4
    for suffix in "ncfr":
        assert evil + suffix in page.text


def test_pages_read_in_english(console, phone):
    uuid = new_uuid()
    phone.send(uuid, revision())
    console.http.get("/console/language/en", params={"next": "/console/visits"})
    page = console.get(f"/visits/{uuid}")
    assert "Поприветствовал Yes 1 / 1 top" in page
    assert "Парковка Not applicable" in page
    assert "Elapsed: 70 s (1:10)" in page


def test_answers_in_words_keep_numbers_and_units():
    t = Translator("ru", TRANSLATIONS)
    distance = Question(id="distance", text="Расстояние", type="number", unit="км")
    assert answer_words(t, distance, 12.5) == "12.5 км"
    assert answer_words(t, distance, 3) == "3 км"
    assert answer_words(t, distance, None) == "нет ответа"
