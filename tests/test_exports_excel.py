"""Exports for Excel (issue 16, point 6): times as date cells in the dealership's local
time, city and brand, a score and a comment beside each answer, a stopwatch as m:ss with
its seconds, a removed question beside its section, the header frozen with a filter and
widths, English CSV with commas; and a download that starts before its visits are read."""

from __future__ import annotations

import csv
import io
import threading
from datetime import datetime

import openpyxl
import pytest

from field_app.domain.canonical import checklist_sha256
from field_app.domain.checklist import Checklist
from field_app.domain.records import VisitRevision
from field_app.domain.route import Dealership
from server_stub import admin, exports
from server_stub.queries import exports as export_queries
from server_stub.visits import put_revision

from server_support import DAY, MINI, new_uuid, publish_mini, seed_dealers
from test_console_analytics import Field

V1 = {
    "id": "mini_excel", "version": 1, "title": "Excel", "channel": "visit",
    "sections": [
        {"id": "meeting", "title": "Встреча", "questions": [
            {"id": "greeted", "ref": "1.1", "text": "Поприветствовал", "type": "yes_no"},
            {"id": "coffee", "ref": "1.2", "text": "Предложил кофе", "type": "yes_no"},
            {"id": "wait", "ref": "1.3", "text": "Ожидание", "type": "timer",
             "bands": [{"max": 300, "label": "до 5 минут", "score": 1}, {"label": "дольше", "score": 0}]},
        ]},
        {"id": "drive", "title": "Тест-драйв", "questions": [
            {"id": "offered", "ref": "2.1", "text": "Предложил тест-драйв", "type": "yes_no"},
            {"id": "collected", "ref": "2.2", "text": "Когда забрали машину", "type": "datetime", "required": False},
        ]},
    ],
}
# Version 2 no longer asks about coffee (1.2) and asks the shopper's name (1.4).
V2 = {
    **V1, "version": 2,
    "sections": [
        {"id": "meeting", "title": "Встреча", "questions": [
            V1["sections"][0]["questions"][0], V1["sections"][0]["questions"][2],
            {"id": "name", "ref": "1.4", "text": "Спросил имя", "type": "yes_no"},
        ]},
        V1["sections"][1],
    ],
}
FIRST, SECOND = Checklist.model_validate(V1), Checklist.model_validate(V2)
AT = "2026-11-22T10:05:00Z"


def send(store, field: Field, dealer: str, checklist: Checklist, answers: dict, *, comments: dict | None = None,
         seconds: int = 0, started_at: str = "2026-11-22T10:00:00Z") -> str:
    """A finalized visit of `checklist`: question id -> value, and comments by question id;
    `seconds` on the stopwatch `wait`."""
    plan = admin.assign(store, field.device.shopper_id, DAY, dealer, f"{checklist.id}@{checklist.version}")
    body = {
        "revision": 1, "assignment_id": plan.assignment_id,
        "checklist": {"id": checklist.id, "version": checklist.version, "sha256": checklist_sha256(checklist)},
        "started_at": started_at, "finalized_at": started_at[:11] + "10:47:00Z",
        "answers": {qid: {"value": value, "answered_at": AT} for qid, value in answers.items()},
        "timers": {}, "photos": [],
    }
    for qid, text in (comments or {}).items():
        body["answers"].setdefault(qid, {"answered_at": AT})["comment"] = text
    if seconds:
        body["answers"]["wait"] = {"value": seconds, "answered_at": AT}
        body["timers"]["wait"] = [{"event": "start", "at": "2026-11-22T10:01:00Z"},
                                  {"event": "stop", "at": f"2026-11-22T10:{1 + seconds // 60:02d}:{seconds % 60:02d}Z"}]
    uuid = new_uuid()
    put_revision(store, field.device, uuid, VisitRevision.model_validate(body))
    return uuid


@pytest.fixture
def excel_visits(server_store):
    """A v1 visit in Vladivostok and a v2 visit in Moscow, both with comments."""
    for checklist in (FIRST, SECOND):
        server_store.catalog.publish(checklist, server_store.now())
    admin.save_dealers(server_store, [
        Dealership(code="VVO", name="Приморье Авто", brand="Toyota", city="Владивосток",
                   timezone="Asia/Vladivostok"),
        Dealership(code="MSK", name="Москва Моторс", brand="Kia", city="Москва"),
    ])
    field = Field(server_store)
    first = send(server_store, field, "VVO", FIRST,
                 {"greeted": True, "coffee": True, "offered": False, "collected": "2026-11-22T11:30:00+03:00"},
                 comments={"greeted": "Сразу у входа", "offered": "Сказал, что машин нет"}, seconds=420,
                 started_at="2026-11-22T00:30:00Z")
    second = send(server_store, field, "MSK", SECOND, {"greeted": False, "name": True, "offered": True},
                  seconds=95)
    return first, second


def workbook(console, **params):
    page = console.get("/exports/file", **{"checklist": "mini_excel", "format": "xlsx", **params})
    assert page.status == 200, page.text
    return openpyxl.load_workbook(io.BytesIO(page.response.content))


def records(sheet) -> tuple[list[str], list[dict]]:
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    return header, [dict(zip(header, row)) for row in rows]


def test_times_are_date_cells_in_the_dealerships_local_time(console, excel_visits):
    sheet = workbook(console).active
    header, (vvo, msk) = records(sheet)
    # 00:30 UTC is 10:30 in Vladivostok (UTC+10), 10:47 UTC is 20:47 there; Moscow is UTC+3.
    assert (vvo["Начало (местное время)"], vvo["Завершение (местное время)"]) == (
        datetime(2026, 11, 22, 10, 30), datetime(2026, 11, 22, 20, 47))
    assert vvo["Часовой пояс"] == "Asia/Vladivostok"
    assert (msk["Начало (местное время)"], msk["Часовой пояс"]) == (datetime(2026, 11, 22, 13, 0), "Europe/Moscow")
    started = sheet.cell(2, header.index("Начало (местное время)") + 1)
    assert started.is_date and started.number_format == "yyyy-mm-dd hh:mm"
    # A recorded moment is a date cell in the dealership's time too: 11:30 Moscow is 18:30 there.
    assert vvo["2.2 Когда забрали машину"] == datetime(2026, 11, 22, 18, 30)
    assert [vvo[c] for c in ("Код ДЦ", "Дилерский центр", "Город", "Марка", "Чек-лист")] == [
        "VVO", "Приморье Авто", "Владивосток", "Toyota", "mini_excel@1"]


def test_the_sheet_has_its_header_frozen_a_filter_and_widths(console, excel_visits):
    sheet = workbook(console).active
    header, rows = records(sheet)
    assert sheet.freeze_panes == "A2"
    last = openpyxl.utils.get_column_letter(len(header))
    assert sheet.auto_filter.ref == f"A1:{last}3"
    width = {title: sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width
             for i, title in enumerate(header, start=1)}
    assert width["Визит (uuid)"] == 37  # a uuid fits
    assert width["Начало (местное время)"] == 17  # "2026-11-22 10:30" fits
    assert width["1.1 Поприветствовал: комментарий"] == 24
    assert all(w >= 9 for w in width.values())
    assert sheet["A1"].font.b and sheet["A1"].alignment.wrap_text


def test_each_answer_has_its_score_and_comment_beside_it_and_a_stopwatch_its_seconds(console, excel_visits):
    header, (vvo, msk) = records(workbook(console).active)
    greeted = header.index("1.1 Поприветствовал")
    assert header[greeted:greeted + 7] == [
        "1.1 Поприветствовал", "1.1 Поприветствовал: балл 0–1", "1.1 Поприветствовал: комментарий",
        "1.3 Ожидание", "1.3 Ожидание: секунды", "1.3 Ожидание: балл 0–1", "1.3 Ожидание: комментарий"]
    assert [vvo[c] for c in header[greeted:greeted + 7]] == ["Да", 1, "Сразу у входа", "7:00", 420, 0, None]
    assert [msk[c] for c in header[greeted:greeted + 7]] == ["Нет", 0, None, "1:35", 95, 1, None]
    assert (vvo["2.1 Предложил тест-драйв"], vvo["2.1 Предложил тест-драйв: комментарий"]) == (
        "Нет", "Сказал, что машин нет")
    assert "2.2 Когда забрали машину: балл 0–1" not in header  # a moment has no score
    # Meeting: greeted, stopwatch over 5 minutes, coffee: 2 of 3; drive 0 of 1; total 2 of 4.
    assert [vvo[c] for c in ("Итого, %", "Встреча, %", "Тест-драйв, %")] == [50, 66.7, 0]


def test_a_question_removed_in_a_later_version_stays_beside_its_section(console, excel_visits):
    header, (vvo, msk) = records(workbook(console).active)
    answers = [c for c in header[header.index("1.1 Поприветствовал"):] if ": " not in c]
    assert answers == ["1.1 Поприветствовал", "1.3 Ожидание", "1.4 Спросил имя", "1.2 Предложил кофе (версия 1)",
                       "2.1 Предложил тест-драйв", "2.2 Когда забрали машину"]
    assert (vvo["1.2 Предложил кофе (версия 1)"], msk["1.2 Предложил кофе (версия 1)"]) == ("Да", None)


def test_the_standards_sheet_follows_the_columns_order(console, excel_visits):
    standards = workbook(console).worksheets[1]
    assert [r[0] for r in standards.iter_rows(min_row=2, values_only=True)] == [
        "1.1 Поприветствовал", "1.1 Поприветствовал", "1.3 Ожидание", "1.3 Ожидание", "1.4 Спросил имя",
        "1.2 Предложил кофе (версия 1)", "2.1 Предложил тест-драйв", "2.1 Предложил тест-драйв",
        "2.2 Когда забрали машину", "2.2 Когда забрали машину"]
    assert standards.freeze_panes == "A2" and standards.auto_filter.ref == "A1:F11"


def test_an_english_csv_uses_commas_and_points(console, server_store):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    Field(server_store).visit("D1", answers={"notes": "one; two, three"})
    console.http.get("/console/language/en", params={"next": "/console/exports"})
    page = console.get("/exports/file", checklist=MINI.id, format="csv")
    assert page.status == 200
    text = page.response.content.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(text), delimiter=","))
    assert (row["Started (local time)"], row["Time zone"], row["City"]) == (
        "2026-11-22 13:00:00", "Europe/Moscow", "Москва")
    assert (row["Total, %"], row["Тест-драйв, %"]) == ("80", "66.7")  # sections are the checklist's words
    assert (row["Ожидание"], row["Ожидание: seconds"], row["Ожидание: score 0–1"]) == ("1:10", "70", "1")
    assert row["Заметки"] == "one; two, three"  # quoted, so it stays one cell


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_download_starts_before_its_visits_are_all_read(console, server_store, monkeypatch, fmt):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    field = Field(server_store)
    uuids = [field.visit("D1") for _ in range(3)]
    monkeypatch.setattr(exports, "BATCH", 1)  # a batch a visit
    read, reads, go_on = export_queries.batch, [], threading.Event()

    def held(*args, **kwargs):
        if reads:  # the second batch waits until the test has its first bytes (a file built
            go_on.wait(5)  # before it is sent comes after 5 s, with every batch read)
        found = read(*args, **kwargs)
        reads.append(len(found))
        return found

    monkeypatch.setattr(export_queries, "batch", held)
    with console.http.stream("GET", "/console/exports/file", params={"checklist": MINI.id, "format": fmt}) as response:
        assert response.status_code == 200
        chunks = response.iter_bytes()
        received = next(chunks)
        assert len(reads) <= 1, reads  # the download has begun; the other visits are not read yet
        assert (b"xl/worksheets/sheet1.xml" in received) if fmt == "xlsx" else ("Визит (uuid)".encode() in received)
        go_on.set()
        received += b"".join(chunks)
    assert reads == [1, 1, 1, 0]
    if fmt == "xlsx":
        rows = list(openpyxl.load_workbook(io.BytesIO(received)).active.iter_rows(min_row=2, values_only=True))
    else:
        rows = list(csv.reader(io.StringIO(received.decode("utf-8-sig")), delimiter=";"))[1:]
    assert sorted(r[0] for r in rows) == sorted(uuids)


def test_visits_that_do_not_fit_one_sheet_are_refused_before_the_download(console, server_store, monkeypatch):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    field = Field(server_store)
    for _ in range(3):
        field.visit("D1")
    monkeypatch.setattr(exports, "MAX_ROWS", 3)  # the header and two visits
    page = console.get("/exports/file", checklist=MINI.id, format="xlsx")
    assert page.status == 400
    assert "Эти визиты не помещаются на один лист Excel" in page
    assert console.get("/exports/file", checklist=MINI.id, format="csv").status == 200
    assert console.get("/exports/file", checklist=MINI.id, format="xlsx", status="returned").status == 200


def test_an_audio_question_counts_its_recordings_like_a_photo_question_its_photos(console, server_store):
    call = Checklist.model_validate({
        "id": "mini_excel_call", "version": 1, "title": "Звонок", "channel": "call",
        "sections": [{"id": "call", "title": "Звонок", "questions": [
            {"id": "greeted", "ref": "1.1", "text": "Поприветствовал", "type": "yes_no"},
            {"id": "recorded", "ref": "1.2", "text": "Запись звонка", "type": "audio", "required": False},
        ]}],
    })
    server_store.catalog.publish(call, server_store.now())
    seed_dealers(server_store, "MSK")
    field = Field(server_store)
    uuid = send(server_store, field, "MSK", call, {"greeted": True})
    body = VisitRevision.model_validate({
        "revision": 2, "checklist": {"id": call.id, "version": 1, "sha256": checklist_sha256(call)},
        "started_at": "2026-11-22T10:00:00Z", "finalized_at": "2026-11-22T10:48:00Z",
        "answers": {"greeted": {"value": True, "answered_at": AT}},
        "recordings": [{"sha256": f"{n:064x}", "bytes": 1000, "question_id": "recorded", "recorded_at": AT}
                       for n in (1, 2)],
    })
    put_revision(server_store, field.device, uuid, body)
    header, (row,) = records(workbook(console, checklist="mini_excel_call").active)
    assert row["1.2 Запись звонка"] == 2
    assert "1.2 Запись звонка: балл 0–1" not in header  # a recording is never scored
