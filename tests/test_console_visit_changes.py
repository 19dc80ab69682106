"""A corrected revision on the visit's page: under the coordinator's return comment, what
changed since the returned revision — answers old → new, comments, photos added and
removed, stopwatches, follow-ups — in the checklist's words."""

from __future__ import annotations

import pytest

from console_support import Page, Phone
from server_support import new_uuid, photo, photo_ref, publish_mini, revision, sha

AT = "2026-11-22T10:05:00Z"


@pytest.fixture
def phone(server_store, console) -> Phone:
    publish_mini(server_store)
    return Phone(console, server_store)


def returned(console, phone: Phone, body: dict, comment: str = "Проверьте приветствие и фото") -> str:
    uuid = new_uuid()
    phone.send(uuid, body)
    console.get(f"/visits/{uuid}")
    assert console.post(f"/visits/{uuid}/return", {"revision": "1", "comment": comment}).status == 200
    return uuid


class _Fragment:
    """A part of a page, read as a response is."""

    def __init__(self, html: str, url: str):
        self.status_code, self.text, self.url = 200, html, url


def section(page: Page) -> str:
    """The text of the page's changes section ("" when it has none)."""
    html = page.html
    if 'id="changes"' not in html:
        return ""
    start = html.index('<section id="changes"')
    return Page(_Fragment(html[start:html.index("</section>", start)], page.url)).text


def test_a_correction_shows_what_changed_under_the_return_comment(console, phone):
    old = revision(1, greeted=False, photos=[photo(1), photo(2)])
    old["answers"]["mirrors"]["comment"] = "грязные"
    uuid = returned(console, phone, old)
    new = revision(2, greeted=True, photos=[photo(2), photo(3)],
                   follow_ups={"callback": {"value": True, "answered_at": "2026-11-24T12:00:00Z"}},
                   timers={"consultant_wait": [{"event": "start", "at": "2026-11-22T10:01:00Z"},
                                               {"event": "stop", "at": "2026-11-22T10:02:30Z"}]})
    new["answers"]["mirrors"]["comment"] = "чистые"
    new["answers"]["notes"] = {"value": "Консультант был занят", "answered_at": AT}
    phone.send(uuid, new)
    phone.upload(photo(3))

    page = console.get(f"/visits/{uuid}")
    changes = section(page)
    assert "Что изменилось после возврата: версия 1 → 2" in changes
    assert "Версия 1 возвращена" in changes and "(coordinator) с комментарием: Проверьте приветствие и фото" in changes
    # answers in the checklist's words, then a comment that changed beside an answer that did not
    assert "Поприветствовал Нет Да" in changes
    assert "Заметки нет ответа Консультант был занят" in changes
    assert "Зеркала Нет без изменений Комментарий: грязные → чистые" in changes
    assert "Тест-драйв сразу" not in changes and "Гудки" not in changes  # unchanged answers are not listed
    assert "Ожидание 1:10" in changes and "1:30" in changes  # the stopwatch by its events
    assert "Добавлены фото" in changes and "Удалены фото" in changes
    added = changes.split("Добавлены фото", 1)[1].split("Удалены фото", 1)[0]
    assert added.count("Фото фасада") == 1
    assert f"/photos/{sha(photo(3))}/thumb" in page.html  # uploaded: shown
    assert "фото ещё не загружено" in changes.split("Удалены фото", 1)[1]  # photo 1 never was
    assert "Перезвонили? нет ответа Да" in changes
    # the section comes before the verdict
    assert page.html.index('id="changes"') < page.html.index('id="review"')


def test_a_correction_that_changes_nothing_says_so(console, phone):
    uuid = returned(console, phone, revision(1))
    phone.send(uuid, revision(2))
    changes = section(console.get(f"/visits/{uuid}"))
    assert "Исправленная версия ничем не отличается от возвращённой." in changes


def test_only_a_revision_after_a_return_has_changes(console, phone):
    uuid = new_uuid()
    phone.send(uuid, revision(1))
    assert section(console.get(f"/visits/{uuid}")) == ""
    phone.send(uuid, revision(2, greeted=False))  # a new revision nobody returned
    assert section(console.get(f"/visits/{uuid}")) == ""

    uuid = returned(console, phone, revision(1, greeted=False))
    assert section(console.get(f"/visits/{uuid}")) == ""  # returned, not corrected yet
    phone.send(uuid, revision(2))
    assert section(console.get(f"/visits/{uuid}", revision="1")) == ""  # the returned one itself
    assert "Поприветствовал Нет Да" in section(console.get(f"/visits/{uuid}", revision="2"))
    console.post(f"/visits/{uuid}/approve", {"revision": "2"})
    # approved: the changes stay readable on the revision that made them
    assert "Поприветствовал Нет Да" in section(console.get(f"/visits/{uuid}"))


def test_what_the_shopper_and_the_coordinator_typed_is_escaped_in_the_changes(console, phone):
    evil = '<script>alert("x")</script>'
    old = revision(1)
    old["answers"]["notes"] = {"value": evil + "1", "answered_at": AT}
    uuid = returned(console, phone, old, comment=evil + "r")
    new = revision(2)
    new["answers"]["notes"] = {"value": evil + "2", "answered_at": AT}
    phone.send(uuid, new)
    page = console.get(f"/visits/{uuid}")
    assert "<script>" not in page.html
    for suffix in "12r":
        assert evil + suffix in section(page)


def test_the_changes_read_in_english(console, phone):
    uuid = returned(console, phone, revision(1, greeted=False, photos=[photo(1)]))
    phone.send(uuid, revision(2, greeted=True))
    console.http.get("/console/language/en", params={"next": "/console/visits"})
    changes = section(console.get(f"/visits/{uuid}"))
    assert "What changed since the return: revision 1 → 2" in changes
    assert "Поприветствовал No Yes" in changes and "Photos removed" in changes


def test_a_photo_moved_or_named_again_is_worded_by_question(console, phone):
    uuid = returned(console, phone, revision(1, photos=[photo(1)]))
    body = revision(2, photos=[photo(1)])
    body["photos"].append(photo_ref(photo(1)))  # named twice by one question: one photo
    phone.send(uuid, body)
    assert "Исправленная версия ничем не отличается" in section(console.get(f"/visits/{uuid}"))
