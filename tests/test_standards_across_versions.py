"""One standard across checklist versions: a v1 visit and a v2 visit that judged standard
2.3 under other question ids and wordings count together in analytics and share a column
in exports, worded as v2; a question without a standard id stays its version's own; the
visit page shows the study's wording; the diff says which v1 item became which v2 item."""

from __future__ import annotations

import copy
import csv
import io
import json
import re

import openpyxl
import pytest
from sqlalchemy import text

from field_app.domain.canonical import checklist_sha256
from field_app.domain.checklist import Checklist
from field_app.domain.checklist_diff import diff_checklists
from field_app.domain.records import VisitRevision
from server_stub import admin
from server_stub.migrations import MIGRATIONS, migrate
from server_stub.standards import Standards, key_of
from server_stub.visits import put_revision

from server_support import DAY, new_uuid, seed_dealers
from test_console_analytics import Field, row_of

V1 = {
    "id": "mini_standards", "version": 1, "title": "Стандарты", "channel": "visit",
    "sections": [
        {"id": "meeting", "title": "Встреча", "questions": [
            {"id": "greeted", "ref": "2.3", "text": "Поприветствовал", "type": "yes_no", "benchmark": "top"},
            {"id": "introduced", "ref": "2.4", "text": "Представился", "type": "yes_no"},
            {"id": "clean", "text": "Чисто в салоне", "type": "yes_no"},
        ]},
        {"id": "drive", "title": "Тест-драйв", "questions": [
            {"id": "offered_drive", "ref": "6.1", "text": "Предложил тест-драйв", "type": "choice",
             "options": [{"id": "yes", "label": "Да", "score": 1}, {"id": "no", "label": "Нет", "score": 0}]},
            {"id": "notes", "text": "Заметки", "type": "text", "required": False},
        ]},
    ],
    "follow_ups": [{"id": "callback", "text": "Перезвонили?", "type": "yes_no", "due_after_hours": 48}],
}

# Version 2: each study item asked in the shopper's words, the study's kept in study_text;
# 2.3 under a new question id, 2.5 new; `clean` and `notes` have no standard id.
V2 = {
    "id": "mini_standards", "version": 2, "title": "Стандарты, версия 2", "channel": "visit",
    "sections": [
        {"id": "meeting", "title": "Встреча", "questions": [
            {"id": "greeted_first", "ref": "2.3", "text": "Поздоровались ли с вами первым?",
             "study_text": "Поприветствовал", "type": "yes_no", "benchmark": "bottom"},
            {"id": "introduced", "ref": "2.4", "text": "Представился ли консультант?", "study_text": "Представился",
             "type": "yes_no"},
            {"id": "asked_name", "ref": "2.5", "text": "Спросили ли ваше имя?", "study_text": "Узнал имя клиента",
             "type": "yes_no", "benchmark": "average"},
            {"id": "clean", "text": "Чисто ли в салоне?", "type": "yes_no"},
        ]},
        {"id": "drive", "title": "Тест-драйв", "questions": [
            {"id": "offered_drive", "ref": "6.1", "text": "Предложили ли вам тест-драйв?",
             "study_text": "Предложил тест-драйв", "type": "choice",
             "options": [{"id": "yes", "label": "Да", "score": 1}, {"id": "no", "label": "Нет", "score": 0}]},
            {"id": "notes", "text": "Заметки", "type": "text", "required": False},
        ]},
    ],
    "follow_ups": [{"id": "callback", "text": "Вам перезвонили?", "type": "yes_no", "due_after_hours": 48}],
}
FIRST, SECOND = Checklist.model_validate(V1), Checklist.model_validate(V2)
AT = "2026-11-22T10:05:00Z"


def publish(store, *versions: Checklist) -> None:
    for checklist in versions:
        store.catalog.publish(checklist, store.now())


def send(store, field: Field, dealer: str, checklist: Checklist, answers: dict, follow_ups: dict | None = None,
         started_at: str = "2026-11-22T10:00:00Z") -> str:
    """A finalized visit of `checklist` at `dealer`: question id -> value."""
    plan = admin.assign(store, field.device.shopper_id, DAY, dealer, f"{checklist.id}@{checklist.version}")
    body = {
        "revision": 1, "assignment_id": plan.assignment_id,
        "checklist": {"id": checklist.id, "version": checklist.version, "sha256": checklist_sha256(checklist)},
        "started_at": started_at, "finalized_at": started_at[:11] + "10:47:00Z",
        "answers": {qid: {"value": value, "answered_at": AT} for qid, value in answers.items()},
        "timers": {}, "photos": [],
        "follow_ups": {fid: {"value": value, "answered_at": AT} for fid, value in (follow_ups or {}).items()},
    }
    uuid = new_uuid()
    put_revision(store, field.device, uuid, VisitRevision.model_validate(body))
    return uuid


@pytest.fixture
def two_visits(server_store):
    """A v1 visit then a v2 visit at D1, both versions published, and a v2 visit at D2."""
    publish(server_store, FIRST)
    seed_dealers(server_store, "D1", "D2")
    field = Field(server_store)
    first = send(server_store, field, "D1", FIRST,
                 {"greeted": True, "introduced": False, "clean": True, "offered_drive": "yes", "notes": "старая"},
                 {"callback": True}, started_at="2026-11-21T10:00:00Z")
    publish(server_store, SECOND)
    second = send(server_store, field, "D1", SECOND,
                  {"greeted_first": False, "introduced": True, "asked_name": True, "clean": False,
                   "offered_drive": "no", "notes": "новая"}, {"callback": False})
    send(server_store, field, "D2", SECOND, {"greeted_first": True, "introduced": True, "asked_name": False,
                                             "clean": True, "offered_drive": "yes"},
         started_at="2026-11-22T11:00:00Z")
    return first, second


# --- keys and the tally ----------------------------------------------------------------

def test_an_items_key_is_its_standard_else_its_version_and_id():
    assert key_of(1, FIRST.question("greeted")) == key_of(2, SECOND.question("greeted_first")) == "standard:2.3"
    assert key_of(1, FIRST.question("clean")) == "item:1:clean" != key_of(2, SECOND.question("clean"))
    assert key_of(1, FIRST.follow_up("callback")) == key_of(2, SECOND.follow_up("callback")) == "follow_up:callback"
    data = copy.deepcopy(V2)
    data["sections"][0]["questions"][1]["standard"] = "2.4-2026"  # a new meaning: a new standard id
    assert key_of(2, Checklist.model_validate(data).question("introduced")) == "standard:2.4-2026"


def test_the_standards_of_two_versions_are_the_newest_order_then_what_only_older_ones_have():
    known = Standards([FIRST, SECOND])
    assert [s.key for s in known.questions] == [
        "standard:2.3", "standard:2.4", "standard:2.5", "item:2:clean", "standard:6.1", "item:2:notes",
        "item:1:clean", "item:1:notes"]
    greeting = known["standard:2.3"]
    assert (greeting.newest.id, greeting.newest_version) == ("greeted_first", 2)
    assert [(v, item.id) for v, item in greeting.versions] == [(2, "greeted_first"), (1, "greeted")]


def tally(store) -> dict[tuple[str, str], tuple[int, int]]:
    """(dealership, item key) -> (met, counted), from the standards each visit keeps."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT v.dealer_code, s.items FROM visits v JOIN visit_standards s "
                                 "ON s.visit_uuid = v.uuid WHERE v.checklist_id = 'mini_standards'"))
        for row in rows:
            for item, met in json.loads(row.items).items():
                old_met, old_counted = found.get((row.dealer_code, item), (0, 0))
                found[row.dealer_code, item] = (old_met + met, old_counted + 1)
    return found


def month_tally(store) -> dict[str, tuple[int, int]]:
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT item_id, SUM(met) AS met, SUM(counted) AS counted FROM month_tally "
                                 "WHERE checklist_id = 'mini_standards' GROUP BY item_id"))
        return {r.item_id: (int(r.met), int(r.counted)) for r in rows}


def test_the_tally_counts_a_standard_across_versions(server_store, two_visits):
    counted = tally(server_store)
    assert counted[("D1", "standard:2.3")] == (1, 2)  # v1 greeted yes, v2 greeted_first no
    assert counted[("D1", "standard:2.4")] == (1, 2)
    assert counted[("D1", "standard:2.5")] == (1, 1)
    assert counted[("D1", "item:1:clean")] == (1, 1) and counted[("D1", "item:2:clean")] == (0, 1)
    assert counted[("D1", "follow_up:callback")] == (1, 2)


def test_all_dealerships_count_a_standard_across_versions(server_store, two_visits):
    assert month_tally(server_store)["standard:2.3"] == (2, 3)  # v1 and v2 at D1, v2 at D2
    assert month_tally(server_store)["item:1:clean"] == (1, 1)


def test_the_summaries_migration_counts_stored_visits_by_standard(server_store, two_visits):
    kept, kept_months = tally(server_store), month_tally(server_store)
    numbers = [next(m.version for m in MIGRATIONS if m.name == name) for name in ("analytics_filters", "local_months")]
    with server_store.db.write() as conn:  # as a server before the migrations counted: by question id
        conn.execute(text("DELETE FROM visit_standards"))
        conn.execute(text("DELETE FROM month_tally"))
        for index in ("visits_for_analytics", "dealerships_by_city", "dealerships_by_brand"):
            conn.execute(text(f"DROP INDEX {index}"))
        for column in ("standards_met", "standards_counted", "local_month"):
            conn.execute(text(f"ALTER TABLE visits DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE visit_standards"))
        conn.execute(text("DROP TABLE month_tally"))
        conn.execute(text("CREATE TABLE standard_tally (dealer_code TEXT NOT NULL, checklist_id TEXT NOT NULL, "
                          "item_id TEXT NOT NULL, met BIGINT NOT NULL, counted BIGINT NOT NULL, "
                          "PRIMARY KEY (dealer_code, checklist_id, item_id))"))
        for number in numbers:
            conn.execute(text("DELETE FROM schema_migrations WHERE version = :v"), {"v": number})
    assert migrate(server_store.db) == numbers
    assert tally(server_store) == kept and month_tally(server_store) == kept_months


# --- analytics -------------------------------------------------------------------------

def test_the_dealers_item_table_adds_up_a_standard_over_versions_in_the_newest_wording(console, two_visits):
    page = console.get("/analytics/mini_standards/dealers/D1", status="received_approved")  # none approved
    assert page.status == 200
    assert row_of(page, "Поздоровались ли с вами первым?") == "2.3 Поздоровались ли с вами первым? низкий (BOTTOM) 1 2 50% ⚠ мало визитов 67% 3"
    assert row_of(page, "Представился ли консультант?") == "2.4 Представился ли консультант? нет в исследовании 1 2 50% ⚠ мало визитов 67% 3"
    assert row_of(page, "Спросили ли ваше имя?").endswith("1 1 100% ⚠ мало визитов 50% 2")
    assert row_of(page, "Предложили ли вам тест-драйв?").endswith("1 2 50% ⚠ мало визитов 67% 3")
    assert row_of(page, "Вам перезвонили?").endswith("1 2 50% ⚠ мало визитов 50% 2")
    for v1_wording in ("Поприветствовал", "Предложил тест-драйв", "Перезвонили?"):
        assert v1_wording not in page.text  # counted under v2's wording, not listed again
    # Without a standard id an item is its version's own: v1's is listed apart, with its version.
    assert row_of(page, "Чисто ли в салоне?").endswith("0 1 0% ⚠ мало визитов 50% 2")
    assert "Пункты, которых нет в последней версии чек-листа" in page
    assert row_of(page, "Чисто в салоне") == "Чисто в салоне (версия 1) нет в исследовании 1 1 100% ⚠ мало визитов 100% 1"
    assert "Всего по чек-листу «Стандарты, версия 2»: 55% (6 из 11 пунктов), визитов: 2." in page
    svg = re.findall(r"<svg .*?</svg>", page.html, flags=re.S)
    assert any("2.3 Поздоровались ли с вами первым?" in chart for chart in svg)
    assert any("Чисто в салоне (версия 1)" in chart for chart in svg)


def test_the_overview_counts_both_versions(console, two_visits):
    page = console.get("/analytics", checklist="mini_standards", status="received_approved")
    assert row_of(page, "Дилер D1").endswith("6 11 2 55% ⚠ мало визитов")


# --- exports ---------------------------------------------------------------------------

COLUMNS = ["2.3 Поздоровались ли с вами первым?", "2.4 Представился ли консультант?", "2.5 Спросили ли ваше имя?",
           "Чисто ли в салоне?", "Чисто в салоне (версия 1)", "6.1 Предложили ли вам тест-драйв?", "Заметки",
           "Заметки (версия 1)", "Вам перезвонили?"]
# Each column above, then its score (the text notes have none) and its comment; a question only
# version 1 asked stays in its section, after the section's last question.
GROUPS = [c for title in COLUMNS for c in (title, *([] if title.startswith("Заметки") else [f"{title}: балл 0–1"]),
                                           f"{title}: комментарий")]


def test_a_csv_export_puts_one_standard_of_two_versions_in_one_column(console, two_visits):
    first, second = two_visits
    page = console.get("/exports/file", checklist="mini_standards", format="csv", dealer="D1")
    assert page.status == 200
    table = list(csv.reader(io.StringIO(page.response.content.decode("utf-8-sig")), delimiter=";"))
    header, v1, v2 = table
    assert header[13:17] == ["Итого, %", "Встреча, %", "Тест-драйв, %", "Последующие вопросы, %"]
    assert header[17:] == GROUPS
    assert [v1[0], v1[6]] == [first, "mini_standards@1"] and [v2[0], v2[6]] == [second, "mini_standards@2"]
    answers = [header.index(c) for c in COLUMNS]
    assert [v1[i] for i in answers] == ["Да", "Нет", "", "", "Да", "Да", "", "старая", "Да"]
    assert [v2[i] for i in answers] == ["Нет", "Да", "Да", "Нет", "", "Нет", "новая", "", "Нет"]
    scores = [header.index(f"{c}: балл 0–1") for c in COLUMNS if not c.startswith("Заметки")]
    assert [v1[i] for i in scores] == ["1", "0", "", "", "1", "1", "1"]
    assert [v2[i] for i in scores] == ["0", "1", "1", "0", "", "0", "0"]


def test_an_xlsx_export_lists_each_columns_study_wording_per_version_on_a_second_sheet(console, two_visits):
    page = console.get("/exports/file", checklist="mini_standards", format="xlsx")
    assert page.status == 200
    book = openpyxl.load_workbook(io.BytesIO(page.response.content))
    visits, standards = book.worksheets
    assert (visits.title, standards.title) == ("mini_standards", "Стандарты")
    assert [c.value for c in next(visits.iter_rows())][17:] == GROUPS
    rows = [[c.value for c in row] for row in standards.iter_rows()]
    assert rows[0] == ["Столбец", "Стандарт", "Версия чек-листа", "Вопрос (id)", "Текст для покупателя",
                       "Формулировка исследования"]
    assert rows[1:3] == [
        ["2.3 Поздоровались ли с вами первым?", "2.3", 2, "greeted_first", "Поздоровались ли с вами первым?",
         "Поприветствовал"],
        ["2.3 Поздоровались ли с вами первым?", "2.3", 1, "greeted", "Поприветствовал", None],
    ]
    assert [r[0] for r in rows[1:]] == [c for c in COLUMNS for _ in range(
        2 if c[:3] in ("2.3", "2.4", "6.1") or c == "Вам перезвонили?" else 1)]  # in the visits' order
    assert ["Чисто в салоне (версия 1)", None, 1, "clean", "Чисто в салоне", None] in rows
    assert rows[-1] == ["Вам перезвонили?", None, 1, "callback", "Перезвонили?", None]
    assert len(rows) == 1 + 2 + 2 + 1 + 1 + 1 + 2 + 1 + 1 + 2  # a row per column and version


# --- the visit page --------------------------------------------------------------------

def test_the_visit_page_shows_the_studys_wording_beside_the_shoppers_smaller(console, two_visits):
    first, second = two_visits
    page = console.get(f"/visits/{second}")
    assert page.status == 200
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page.html, flags=re.S) if "greeted" not in r
               and "Поздоровались ли с вами первым?" in r)
    assert re.search(r"Поздоровались ли с вами первым\?\s*<div class=\"muted study-text\"><small>"
                     r"В исследовании: Поприветствовал</small></div>", row)
    assert "В исследовании: Чисто" not in page.text  # no study wording, nothing shown
    assert "В исследовании" not in console.get(f"/visits/{first}").text  # version 1 has none


# --- the diff --------------------------------------------------------------------------

def test_the_diff_matches_items_by_standard_then_by_id():
    diff = diff_checklists(FIRST, SECOND)
    assert [(c.before.id, c.after.id) for c in diff.renamed] == [("greeted", "greeted_first")]
    assert all(c.by_standard for c in diff.renamed)
    assert [p.id for p in diff.added] == ["asked_name"] and diff.removed == ()
    assert [(c.before.id, c.after.id) for c in diff.reworded] == [
        ("greeted", "greeted_first"), ("introduced", "introduced"), ("clean", "clean"),
        ("offered_drive", "offered_drive"), ("callback", "callback")]
    assert diff.new_standard == () and diff.redefined == ()
    back = diff_checklists(SECOND, FIRST)
    assert [(c.before.id, c.after.id) for c in back.renamed] == [("greeted_first", "greeted")]


def test_a_standard_scored_otherwise_under_the_same_id_is_flagged_and_a_new_id_is_not():
    data = copy.deepcopy(V2)
    meeting, drive = data["sections"]
    drive["questions"][0]["options"][1]["score"] = 0.5  # "no" now half met: what "met" means changed
    meeting["questions"][1]["standard"] = "2.4-2026"  # a new meaning, said so
    meeting["questions"][2]["weight"] = 3  # a weight changes no answer's being met
    newer = Checklist.model_validate(data | {"version": 3})
    data["sections"][1]["questions"][0]["study_text"] = "Предложил пробную поездку"

    diff = diff_checklists(SECOND, newer)
    [redefined] = diff.redefined
    assert (redefined.after.id, [(s.what, s.key) for s in redefined.score_changes]) == (
        "offered_drive", [("option", "no")])
    [new_standard] = diff.new_standard
    assert (new_standard.before.standard_id, new_standard.after.standard_id) == ("2.4", "2.4-2026")
    assert {c.after.id for c in diff.rescored} == {"offered_drive", "asked_name"}
    reworded_study = diff_checklists(SECOND, Checklist.model_validate(data | {"version": 4}))
    assert [c.after.id for c in reworded_study.redefined if c.study_reworded] == ["offered_drive"]


def test_the_diff_page_shows_which_item_became_which_and_a_redefined_standard(console, server_store):
    data = copy.deepcopy(V2)
    data["sections"][0]["questions"][1].update(type="choice", options=[
        {"id": "name", "label": "Назвал имя", "score": 1}, {"id": "none", "label": "Нет", "score": 0}])
    publish(server_store, FIRST, Checklist.model_validate(data))
    page = console.get("/checklists/mini_standards/diff", old="1", new="2")
    assert page.status == 200
    sections = {h: body for h, body in (part.split("</h2>", 1) for part in page.html.split("<h2>")[1:])}
    renamed = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", sections["Тот же стандарт под другим id вопроса"]))
    assert "Пункт версии 1 Пункт версии 2" in renamed
    assert "2.3 Поприветствовал greeted → Поздоровались ли с вами первым? greeted_first" in renamed
    redefined = sections["Стандарт изменён без нового номера"]
    assert "Представился ли консультант?" in redefined and "тип: да/нет → выбор" in redefined
    assert "дайте ему новый номер" in redefined
    assert "greeted → greeted_first" in sections["Изменён текст"]
    assert ("По стандартам: тот же стандарт под другим id вопроса — 1, другой стандарт под тем же id — 0, "
            "стандарт изменён без нового номера — 1.") in page

    console.http.get("/console/language/en", params={"next": "/console/checklists"})
    english = console.get("/checklists/mini_standards/diff", old="1", new="2")
    assert "The same standard under another question id" in english and "A standard changed without a new id" in english
