"""The console's checklist pages: every version with its hash and use, publishing an
uploaded YAML file (good, bad, the same again, other content under a published version),
a version's questions and canonical body, and what changed between two versions."""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
import string

import pytest
import yaml
from sqlalchemy import text

from field_app.domain.checklist_problems import ENGLISH
from field_app.domain.sync_messages import API_PREFIX
from field_app.domain.registry import Registry
from field_app.domain.resources import shipped_checklists
from server_stub import admin
from server_stub.console.web import TRANSLATIONS

from server_support import MINI, new_uuid, publish_mini, revision

# What the server publishes at startup: every version in the repository's checklist folder.
SHIPPED = Registry.from_directory(shipped_checklists())
SHOWROOM_VERSIONS = SHIPPED.versions("showroom_visit")
NEWEST = SHOWROOM_VERSIONS[-1]
NEXT = NEWEST + 1  # the version a test publishes: the one after the newest shipped

SHOWROOM_TEXT = (shipped_checklists() / "showroom_visit" / "1.yaml").read_text(encoding="utf-8")
SHOWROOM = yaml.safe_load(SHOWROOM_TEXT)


def as_yaml(data: dict) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


def question(data: dict, question_id: str) -> dict:
    return next(q for s in data["sections"] for q in s["questions"] if q["id"] == question_id)


def showroom_next() -> dict:
    """The real showroom visit's version 1 with one question of each kind of change, as the
    version after the newest shipped one (its diff is against version 1)."""
    data = copy.deepcopy(SHOWROOM)
    data["version"] = NEXT
    closing = next(s for s in data["sections"] if s["id"] == "closing")
    closing["questions"] = [q for q in closing["questions"] if q["id"] != "offered_brochures"]
    closing["questions"].append({"id": "offered_coffee", "ref": "8.11", "text": "Предложили ли кофе или воду",
                                 "type": "yes_no", "benchmark": "average"})
    question(data, "easy_to_find")["text"] = "Легко ли найти автосалон по навигатору"
    question(data, "met_at_entrance")["weight"] = 2
    question(data, "consultant_wait_time")["bands"][0]["max"] = 600
    meeting = next(s for s in data["sections"] if s["id"] == "client_meeting")
    moved = next(q for q in meeting["questions"] if q["id"] == "asked_client_name")
    meeting["questions"].remove(moved)
    next(s for s in data["sections"] if s["id"] == "needs_analysis")["questions"].append(moved)
    return data


def upload(console, content: bytes, name: str = "showroom_visit.yaml"):
    console.get("/checklists")
    return console.post("/checklists", files={"file": (name, content, "application/yaml")})


def published(store, checklist_id: str) -> list[tuple[int, str]]:
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT version, sha256 FROM checklists WHERE id = :id ORDER BY version"),
                            {"id": checklist_id})
        return [(r.version, r.sha256) for r in rows]


def test_the_list_shows_every_version_with_its_hash_date_questions_and_visits(console, server_store):
    publish_mini(server_store)
    code = admin.create_shopper(server_store, "Анна Петрова")
    token = console.http.post(API_PREFIX + "/devices/pair", json={"code": code.pairing_code,
                                                                  "device_name": "Pixel 8"}).json()["token"]
    for _ in range(2):
        sent = console.http.put(f"{API_PREFIX}/visits/{new_uuid()}", json=revision(),
                                headers={"Authorization": f"Bearer {token}"})
        assert sent.status_code == 200, sent.text
    page = console.get("/checklists")
    assert page.status == 200
    assert {"dealer_call", "roadside_assistance_call", "service_visit", "showroom_visit"} <= set(SHIPPED.ids())
    for checklist_id in SHIPPED.ids():
        shipped = [(version, SHIPPED.get(checklist_id, version).sha256) for version in SHIPPED.versions(checklist_id)]
        assert published(server_store, checklist_id) == shipped
        for version, sha256 in shipped:
            assert f"{checklist_id}@{version}" in page and sha256 in page
    mini = server_store.catalog.get(MINI.id, 1)
    row = page.text.split(f"{MINI.id}@1", 1)[1]
    assert row.split()[:5] == ["2026-11-22", "09:00", str(len(MINI.questions())), str(len(MINI.follow_ups)), "2"]
    assert mini.sha256 in row


def test_publishing_a_file_shows_the_new_version_and_lists_it(console, server_store):
    data = showroom_next()
    before = published(server_store, "showroom_visit")
    page = upload(console, as_yaml(data))
    assert page.status == 200 and page.url.endswith(f"/console/checklists/showroom_visit/{NEXT}?published=new")
    assert f"Версия showroom_visit@{NEXT} опубликована." in page
    *earlier, (version, sha256) = published(server_store, "showroom_visit")
    assert earlier == before and version == NEXT and sha256 in page
    assert f"showroom_visit@{NEXT}" in console.get("/checklists")


@pytest.mark.parametrize("version", SHOWROOM_VERSIONS)
def test_publishing_the_same_content_again_says_it_is_already_published(console, server_store, version):
    before = published(server_store, "showroom_visit")
    shipped = (shipped_checklists() / "showroom_visit" / f"{version}.yaml").read_bytes()
    page = upload(console, shipped)
    assert page.url.endswith(f"/console/checklists/showroom_visit/{version}?published=same")
    assert "уже была опубликована с тем же содержимым" in page
    assert published(server_store, "showroom_visit") == before


def test_other_content_under_a_published_version_is_refused(console, server_store):
    before = published(server_store, "showroom_visit")
    data = copy.deepcopy(SHOWROOM)
    question(data, "easy_to_find")["text"] = "Другая формулировка"
    page = upload(console, as_yaml(data))
    assert page.status == 409
    assert "эта версия уже опубликована с другим содержимым" in page
    assert "поднимите номер version" in page and "showroom_visit@1" in page
    assert published(server_store, "showroom_visit") == before
    assert server_store.catalog.get("showroom_visit", 1).checklist.question("easy_to_find").text != "Другая формулировка"


def test_a_bad_checklist_shows_each_problem_with_its_question_and_field(console, server_store):
    data = copy.deepcopy(SHOWROOM)
    data["version"] = NEXT
    question(data, "met_at_entrance")["type"] = "checkbox"
    question(data, "greeted_first")["weight"] = -1
    question(data, "consultant_wait_time")["colour"] = "red"
    before = published(server_store, "showroom_visit")
    page = upload(console, as_yaml(data), "bad.yaml")
    assert page.status == 422
    assert "Файл «bad.yaml» не опубликован, проблем: 3." in page
    rows = page.html.split("<tbody>")[1].split("</tbody>")[0]
    for question_id, field in [("met_at_entrance", "type"), ("greeted_first", "weight"),
                               ("consultant_wait_time", "colour")]:
        assert f'<td class="mono">{question_id}</td><td class="mono">{field}</td>' in rows
    assert "такого поля нет в формате чек-листа" in page
    assert "«checkbox» — недопустимое значение; допустимы: yes_no, choice" in page
    assert "должно быть не меньше 0" in page
    assert published(server_store, "showroom_visit") == before


def test_a_checklist_breaking_a_rule_shows_it_with_its_place(console):
    data = copy.deepcopy(SHOWROOM)
    data["version"] = NEXT
    question(data, "consultant_wait_time")["bands"] = None
    question(data, "greeted_first")["id"] = "easy_to_find"
    page = upload(console, as_yaml(data), "rules.yaml")
    assert page.status == 422
    assert "вопросу типа timer нужны диапазоны (bands), которые переводят его значение в ответ" in page
    assert "id «easy_to_find» встречается дважды" in page


def several_problems() -> bytes:
    """A file with problems of each kind: the structure, the rules across questions, a due
    rule's anchor and its delays."""
    data = copy.deepcopy(SHOWROOM)
    data["version"] = NEXT
    question(data, "met_at_entrance")["type"] = "checkbox"
    question(data, "consultant_wait_time")["colour"] = "red"
    question(data, "greeted_first")["show_if"] = {"question": "offered_brochures", "equals": True}
    question(data, "asked_client_name")["id"] = "easy_to_find"
    data["follow_ups"] = [
        {"id": "called_back", "text": "Перезвонили ли", "type": "yes_no",
         "due": {"anchor": {"question": "easy_to_find"}, "within_working_days": 2}},
        {"id": "wrote_back", "text": "Написали ли", "type": "yes_no", "due": {"after_hours": 4, "window": {
            "from": {"hours": 1}, "to": {"hours": 2}}}},
    ]
    return as_yaml(data)


SEVERAL_PROBLEMS = {
    "ru": [
        ("met_at_entrance", "type", "«checkbox» — недопустимое значение; допустимы: yes_no, choice, timer, counter, "
                                    "number, text, photo, datetime, audio"),
        ("consultant_wait_time", "colour", "такого поля нет в формате чек-листа"),
        ("wrote_back", "due", "укажите ровно одно из полей after_hours, within_working_days и window"),
        ("greeted_first", "show_if.question", "ссылается на «offered_brochures», а это не предыдущий вопрос "
                                              "(show_if может ссылаться только на вопросы, заданные раньше)"),
        ("easy_to_find", "id", "id «easy_to_find» встречается дважды"),
        ("called_back", "due.anchor", "точка отсчёта «easy_to_find» — не вопрос типа datetime"),
    ],
    "en": [
        ("met_at_entrance", "type", "'checkbox' is not one of yes_no, choice, timer, counter, number, text, photo, "
                                    "datetime, audio"),
        ("consultant_wait_time", "colour", "is not a field of the checklist format"),
        ("wrote_back", "due", "give exactly one of 'after_hours', 'within_working_days' and 'window'"),
        ("greeted_first", "show_if.question", "names 'offered_brochures', which is not an earlier question "
                                              "(show_if may only name questions asked before)"),
        ("easy_to_find", "id", "id 'easy_to_find' is used twice"),
        ("called_back", "due.anchor", "anchor 'easy_to_find' is not a datetime question"),
    ],
}


@pytest.mark.parametrize("language, refused", [
    ("ru", "Файл «several.yaml» не опубликован, проблем: 6."),
    ("en", "The file “several.yaml” was not published; problems: 6."),
])
def test_every_problem_of_a_file_is_listed_at_once_in_the_pages_language(console, server_store, language, refused):
    console.http.get(f"/console/language/{language}", params={"next": "/console/checklists"})
    before = published(server_store, "showroom_visit")
    page = upload(console, several_problems(), "several.yaml")
    assert page.status == 422
    assert refused in page
    rows = page.html.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")[:-1]
    shown = [tuple(html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)) for row in rows]
    assert shown == SEVERAL_PROBLEMS[language]
    assert published(server_store, "showroom_visit") == before


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_checklist_problem_code_is_worded_in_each_language_with_its_values(language):
    words = json.loads((TRANSLATIONS / language / "checklist_problems.json").read_text(encoding="utf-8"))
    assert set(words) == set(ENGLISH)
    for code, english in ENGLISH.items():
        assert words[code].strip(), code
        assert placeholders(words[code]) == placeholders(english), code
        assert "key" not in placeholders(english), code  # the translator's own argument


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("content, status, message", [
    (b"id: showroom_visit\nversion: [2\n", 422, "это не YAML: ошибка в строке 3, столбец 1"),
    ("title: Визит".encode("cp1251"), 422, "не является текстом в кодировке UTF-8"),
    (b"", 422, "пуст"),
    (b"  \n\n", 422, "пуст"),
    (b"- just\n- a list\n", 422, "файл должен быть словарём с полями id, version, sections"),
    (SHOWROOM_TEXT.encode() * 30, 422, "слишком велик: чек-лист занимает не больше 256 КБ"),
    # Ten aliases of ten aliases of ... : a few hundred bytes that expand to a billion values.
    (("a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)))
     .encode(), 422, "файл разворачивается больше чем в 50000 значений (через ссылки YAML), строка"),
    (("id: deep\nversion: 1\nx: " + "[" * 500 + "]" * 500 + "\n").encode(), 422,
     "значения вложены глубже 40 уровней, строка 3"),
    (SHOWROOM_TEXT.replace("version: 1", "version: 99999999999", 1).encode(), 422, "должно быть не больше 2147483647"),
    (SHOWROOM_TEXT.replace("version: 1", f"version: {NEXT}", 1).replace("title: ", 'title: "\\ud800" #', 1).encode(),
     422, "экранирование \\u задаёт половину суррогатной пары"),
])
def test_a_file_that_is_not_a_checklist_is_refused_with_a_clear_message(console, server_store, content, status,
                                                                         message):
    before = published(server_store, "showroom_visit")
    page = upload(console, content, "upload.yaml")
    assert page.status == status
    assert message in page
    assert "Опубликовать новую версию" in page  # the form again, to send a better file
    assert published(server_store, "showroom_visit") == before


def test_a_body_beyond_the_consoles_limit_is_refused_before_it_is_read(console):
    page = upload(console, b"#" * (11 * 1024 * 1024), "huge.yaml")
    assert page.status == 413
    # A page in the coordinator's language, not the sync API's JSON.
    assert "Файл слишком большой: консоль принимает не больше 10 МБ за раз." in page
    assert page.response.headers["content-type"].startswith("text/html")


def test_aliases_that_expand_to_little_are_fine(console, server_store):
    content = SHOWROOM_TEXT.replace("version: 1", f"version: {NEXT}", 1).replace(
        "benchmark: bottom", "benchmark: &rank bottom", 1).replace("benchmark: bottom", "benchmark: *rank")
    assert "*rank" in content
    page = upload(console, content.encode())
    assert page.url.endswith(f"/checklists/showroom_visit/{NEXT}?published=new")
    assert [version for version, _ in published(server_store, "showroom_visit")] == SHOWROOM_VERSIONS + [NEXT]


def test_a_form_without_a_file_asks_for_one(console):
    console.get("/checklists")
    page = console.post("/checklists", {"file": "not a file"})
    assert page.status == 422 and "Выберите файл чек-листа." in page


def test_a_version_page_lists_its_questions_by_section_and_links_its_body(console, server_store):
    page = console.get("/checklists/showroom_visit/1")
    assert page.status == 200
    entry = server_store.catalog.get("showroom_visit", 1)
    for section in entry.checklist.sections:
        assert section.title in page
    wait = page.text.split("2.2 Время ожидания консультанта consultant_wait_time")[1]
    assert wait.split("2.3")[0].split() == ["секундомер", "1", "до", "300", "(До", "5", "минут):", "1", "остальное",
                                            "(Свыше", "5", "минут):", "0", "низкий", "(BOTTOM)"]
    assert "Связался ли с вами дилерский центр в течение 7 рабочих дней после визита?" in page
    assert "/console/checklists/showroom_visit/1/body" in page.html
    body = console.http.get("/console/checklists/showroom_visit/1/body")
    assert body.status_code == 200 and body.content == entry.body
    assert hashlib.sha256(body.content).hexdigest() == entry.sha256
    assert json.loads(body.content)["id"] == "showroom_visit"
    assert 'filename="showroom_visit-1.json"' in body.headers["content-disposition"]


def test_a_follow_up_of_any_type_is_listed_with_its_delay(console):
    data = showroom_next()
    data["follow_ups"] = [{"id": "days_to_offer", "text": "Через сколько дней прислали предложение?",
                           "type": "number", "due_after_hours": 72}]
    assert upload(console, as_yaml(data)).url.endswith(f"/checklists/showroom_visit/{NEXT}?published=new")
    page = console.get(f"/checklists/showroom_visit/{NEXT}")
    assert page.status == 200
    row = page.text.split("Через сколько дней прислали предложение? days_to_offer")[1]
    # A v1 `due_after_hours`: so many hours after the visit's start.
    assert row.split()[:9] == ["число", "через", "72", "ч", "после", "начала", "визита", "1", "—"]


@pytest.mark.parametrize("path", [f"/checklists/showroom_visit/{NEXT}", "/checklists/showroom_visit/x",
                                  "/checklists/nothing/1", "/checklists/showroom_visit/٣",
                                  "/checklists/showroom_visit/99999999999/body", "/checklists/nothing/diff"])
def test_an_unknown_checklist_or_version_is_a_page_that_says_so(console, path):
    page = console.get(path)
    assert page.status == 404
    assert "Такого чек-листа или такой версии нет." in page


def test_the_diff_of_a_second_version_shows_what_was_added_removed_reworded_rescored_and_moved(console):
    upload(console, as_yaml(showroom_next()))
    page = console.get("/checklists/showroom_visit/diff", old="1", new=str(NEXT))
    assert page.status == 200
    assert f"Визит в автосалон: изменения с версии 1 до версии {NEXT}" in page
    assert "Добавлено: 1, удалено: 1, изменён текст: 1, изменены баллы: 2, перенесено: 1." in page
    sections = {h: body for h, body in (part.split("</h2>", 1) for part in page.html.split("<h2>")[1:])}
    assert "Предложили ли кофе или воду" in sections["Добавленные вопросы"]
    assert "7.6" in sections["Удалённые вопросы"] and "Предложили информационные материалы" in sections["Удалённые вопросы"]
    assert "Легко ли найти автосалон по навигатору" in sections["Изменён текст"]
    assert "вес: 1 → 2" in sections["Изменены баллы"]
    assert "диапазон 1: до 300 (До 5 минут): 1 → до 600 (До 5 минут): 1" in sections["Изменены баллы"]
    assert "<td>Встреча клиента</td><td>Выявление потребностей</td>" in sections["Перенесены в другой раздел"]
    assert "Удобство подъезда и парковки" not in page  # unchanged questions are not listed


def test_any_two_versions_may_be_compared_either_way(console):
    upload(console, as_yaml(showroom_next()))
    forth = console.get("/checklists/showroom_visit/diff", old="1", new=str(NEXT))
    back = console.get("/checklists/showroom_visit/diff", old=str(NEXT), new="1")
    assert "Добавлено: 1, удалено: 1" in forth and "Добавлено: 1, удалено: 1" in back
    added_back = back.html.split("<h2>Добавленные вопросы</h2>")[1].split("</section>")[0]
    assert "offered_brochures" in added_back and "offered_coffee" not in added_back
    assert "вес: 2 → 1" in back
    default = console.get("/checklists/showroom_visit/diff")  # what the newest version changed
    assert f"изменения с версии {NEWEST} до версии {NEXT}" in default
    same = console.get("/checklists/showroom_visit/diff", old=str(NEXT), new=str(NEXT))
    assert "Выбрана одна и та же версия" in same
    unknown = console.get("/checklists/showroom_visit/diff", old="1", new=str(NEXT + 1))
    assert unknown.status == 404 and "нет такой версии" in unknown


def test_the_list_offers_to_compare_versions_of_a_checklist_that_has_several(console, server_store):
    publish_mini(server_store)  # a checklist with one version only
    page = console.get("/checklists")
    assert f"/console/checklists/{MINI.id}/diff" not in page.html
    several = [checklist_id for checklist_id in SHIPPED.ids() if len(SHIPPED.versions(checklist_id)) > 1]
    assert "showroom_visit" in several
    for checklist_id in several:
        assert f'action="/console/checklists/{checklist_id}/diff"' in page.html
    assert "/console/checklists/showroom_visit/diff" not in console.get("/checklists/showroom_visit/1").html
    upload(console, as_yaml(showroom_next()))
    version = console.get(f"/checklists/showroom_visit/{NEXT}")
    assert f"/console/checklists/showroom_visit/diff?old={NEWEST}&amp;new={NEXT}" in version.html


def test_checklist_text_is_shown_as_text_not_markup(console):
    data = showroom_next()
    question(data, "easy_to_find")["text"] = '<b>Легко</b> ли <script>alert("x")</script> найти'
    data["title"] = "<i>Визит</i>"
    upload(console, as_yaml(data))
    for path, params in [(f"/checklists/showroom_visit/{NEXT}", {}),
                         ("/checklists/showroom_visit/diff", {"old": "1", "new": str(NEXT)}), ("/checklists", {})]:
        page = console.get(path, **params)
        assert "<b>Легко</b>" not in page.html and "<script>alert" not in page.html and "<i>Визит" not in page.html
        assert "&lt;i&gt;Визит&lt;/i&gt;" in page.html
    assert "&lt;b&gt;Легко&lt;/b&gt;" in console.get("/checklists/showroom_visit/diff", old="1", new=str(NEXT)).html
    assert '<b>Легко</b> ли <script>alert("x")</script> найти' in console.get(f"/checklists/showroom_visit/{NEXT}")


def test_the_pages_have_an_english_translation(console):
    upload(console, as_yaml(showroom_next()))
    console.http.get("/console/language/en", params={"next": "/console/checklists"})
    assert "Publish a new version" in console.get("/checklists")
    diff = console.get("/checklists/showroom_visit/diff", old="1", new=str(NEXT))
    assert "Added: 1, removed: 1, reworded: 1, re-scored: 2, moved: 1." in diff
    assert "Market rank" in console.get(f"/checklists/showroom_visit/{NEXT}")


SERVICE_DUE = {
    # The call after the service visit: from 48 hours after the car's collection to the end of
    # the 3rd working day after it; for Mazda from 72 to 120 hours after it.
    "ru": ("с 48 ч до конца 3-го рабочего дня после момента «{moment}»",
           "для марки Mazda: с 72 ч до 120 ч после момента «{moment}»",
           "Когда спросить"),
    "en": ("from 48 h to the end of working day 3 after the moment «{moment}»",
           "for Mazda: from 72 h to 120 h after the moment «{moment}»",
           "When asked"),
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_follow_ups_due_rule_and_its_brand_rule_are_shown_in_words(console, language):
    service = SHIPPED.get("service_visit", 2).checklist
    moment = service.question("car_collected_at").text
    rule, brand_rule, heading = (words.format(moment=moment) for words in SERVICE_DUE[language])
    console.http.get(f"/console/language/{language}", params={"next": "/console/checklists"})
    page = console.get("/checklists/service_visit/2")
    assert page.status == 200
    follow_ups = page.text.split(heading, 1)[1]
    callback = next(f for f in service.follow_ups if f.id == "callback_48_hours")
    row = follow_ups.split(f"{callback.text} callback_48_hours", 1)[1]
    assert f" {rule} {brand_rule} " in row


def test_the_diff_of_versions_2_and_3_shows_the_photos_now_taken_live(console):
    """Version 3 of the showroom visit changed only where its evidence photos come from."""
    page = console.get("/checklists/showroom_visit/diff", old="2", new="3")
    assert page.status == 200
    assert "не различаются" not in page
    evidence = page.html.split("<h2>Что нужно как подтверждение</h2>")[1].split("</section>")[0]
    assert "Сфотографируйте фасад дилерского центра" in evidence and "photo_facade" in evidence
    assert "Откуда фото: камера или галерея → только камера, снимок сейчас" in evidence
