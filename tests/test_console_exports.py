"""Exports of visits as CSV and XLSX: read back, one row per visit and one column per
question; formula-looking text kept as text; rows read in batches, not all at once."""

from __future__ import annotations

import csv
import io
import tracemalloc

import openpyxl
import pytest
from sqlalchemy import text

from server_stub import exports
from server_stub.queries import exports as export_queries
from server_stub.queries.visit_list import VisitFilter
from server_stub.settings import Settings
from server_stub.store import open_store
from server_stub.visits import review_visit

from server_support import MINI, publish_mini, seed_dealers
from test_console_analytics import Field

HEADINGS = exports.Headings(
    visit=("uuid", "shopper", "code", "dealer", "version", "started", "finalized", "status", "revision"),
    statuses={"received": "R", "returned": "T", "approved": "A"}, na="N/A", follow_ups="Follow-ups",
    score="{title} %", total="Total %",
)
QUESTIONS = ["Фото фасада", "Поприветствовал", "Ожидание", "Парковка", "Тест-драйв сразу", "Зеркала", "Гудки",
             "Заметки", "Перезвонили?"]
SCORES = ["Встреча, %", "Тест-драйв, %", "Последующие вопросы, %", "Итого, %"]


def read_csv(page) -> list[dict[str, str]]:
    assert page.response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(page.response.content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(page) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(page.response.content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_a_csv_export_has_a_row_per_visit_and_a_column_per_question(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    field = Field(server_store, "+Анна")
    first = field.visit("D1", answers={"notes": "=HYPERLINK(\"http://x\")"}, started_at="2026-11-21T09:00:00Z")
    second = field.visit("D1", greeted=False)

    page = console.get("/exports/file", checklist=MINI.id, format="csv")
    assert page.status == 200
    assert page.response.headers["content-type"] == "text/csv; charset=utf-8"
    assert page.response.headers["content-disposition"] == f'attachment; filename="{MINI.id}_2026-11-22.csv"'
    rows = read_csv(page)
    assert list(rows[0]) == ["Визит (uuid)", "Тайный покупатель", "Код ДЦ", "Дилерский центр", "Версия чек-листа",
                             "Начало (UTC)", "Завершение (UTC)", "Статус", "Ревизия", *QUESTIONS, *SCORES]
    assert [r["Визит (uuid)"] for r in rows] == [first, second]  # oldest first
    one = rows[0]
    assert (one["Тайный покупатель"], one["Код ДЦ"], one["Дилерский центр"]) == ("'+Анна", "D1", "Дилер D1")
    assert (one["Начало (UTC)"], one["Статус"], one["Ревизия"]) == ("2026-11-21 09:00:00", "получен", "1")
    assert [one[q] for q in QUESTIONS] == ["", "Да", "70", "неприменимо", "Да", "Нет", "3",
                                           "'=HYPERLINK(\"http://x\")", ""]
    # Meeting: greeted and the stopwatch (parking N/A); test drive: 2 of 3; total 4 of 5.
    assert [one[s] for s in SCORES] == ["100", "66,7", "", "80"]
    assert rows[1]["Поприветствовал"] == "Нет"
    assert rows[1]["Итого, %"] == "60"


def test_an_xlsx_export_reads_back_with_numbers_as_numbers_and_text_as_text(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    field = Field(server_store, "@Анна")
    uuid = field.visit("D1", answers={"notes": "=1+2\x01 и всё"})

    page = console.get("/exports/file", checklist=MINI.id, format="xlsx")
    assert page.status == 200
    assert page.response.headers["content-disposition"] == f'attachment; filename="{MINI.id}_2026-11-22.xlsx"'
    header, row = read_xlsx(page)
    assert header[:9] == ["Визит (uuid)", "Тайный покупатель", "Код ДЦ", "Дилерский центр", "Версия чек-листа",
                          "Начало (UTC)", "Завершение (UTC)", "Статус", "Ревизия"]
    assert header[9:] == QUESTIONS + SCORES
    assert row[:9] == [uuid, "@Анна", "D1", "Дилер D1", 1, "2026-11-22 10:00:00", "2026-11-22 10:48:00",
                       "получен", 1]
    assert row[9:18] == [None, "Да", 70, "неприменимо", "Да", "Нет", 3, "=1+2 и всё", None]
    assert row[18:] == [100, 66.7, None, 80]

    sheet = openpyxl.load_workbook(io.BytesIO(page.response.content)).active
    assert sheet.cell(2, 17).data_type == "s"  # the notes: text, not a formula


def test_filters_choose_the_visits(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2")
    field = Field(server_store)
    early = field.visit("D1", started_at="2026-11-01T10:00:00Z")
    returned = field.visit("D1")
    other = field.visit("D2")
    review_visit(server_store, returned, "return", "Нет фото", by="coordinator")

    def exported(**filters) -> list[str]:
        page = console.get("/exports/file", **{"checklist": MINI.id, "format": "csv", **filters})
        assert page.status == 200
        return [r["Визит (uuid)"] for r in read_csv(page)]

    assert exported() == [early, *sorted([returned, other])]
    assert exported(status="returned") == [returned]
    assert exported(dealer="D2") == [other]
    assert exported(date_from="2026-11-02") == sorted([returned, other])
    assert exported(date_to="2026-11-01") == [early]
    assert exported(checklist="showroom_visit") == []


def test_bad_choices_show_the_form_again_with_what_was_typed(server_store, console):
    page = console.get("/exports/file", checklist="nope", format="pdf", date_from="01.11.2026", status="lost")
    assert page.status == 400
    for message in ("Выберите чек-лист из списка.", "Выберите формат: CSV или XLSX.",
                    "Дата «с» не распознана", "Такого статуса нет"):
        assert message in page
    assert 'value="01.11.2026"' in page.html
    reversed_dates = console.get("/exports/file", checklist="showroom_visit", format="csv",
                                 date_from="2026-11-02", date_to="2026-11-01")
    assert reversed_dates.status == 400 and "Дата «по» раньше даты «с»." in reversed_dates


def test_the_form_offers_checklists_formats_and_filters(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    page = console.get("/exports")
    assert page.status == 200
    assert 'action="/console/exports/file"' in page.html
    for field in ('name="checklist"', 'name="format" value="csv"', 'name="format" value="xlsx"',
                  'name="date_from"', 'name="date_to"', 'name="status"', 'name="dealer"', 'value="D1"',
                  f'value="{MINI.id}"'):
        assert field in page.html, field


def test_the_export_reads_the_visits_in_batches(server_store, monkeypatch):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    field = Field(server_store)
    uuids = [field.visit("D1", started_at=f"2026-11-2{i % 2}T10:00:00Z") for i in range(5)]
    sizes = []
    read = export_queries.batch

    def counted(*args, **kwargs):
        found = read(*args, **kwargs)
        sizes.append(len(found))
        return found

    monkeypatch.setattr(export_queries, "batch", counted)
    table = list(exports.rows(server_store, VisitFilter(checklist_id=MINI.id), HEADINGS, batch_size=2))
    assert sizes == [2, 2, 1]
    assert sorted(r[0] for r in table[1:]) == sorted(uuids)
    assert len({r[0] for r in table[1:]}) == 5


@pytest.fixture
def sqlite_store(tmp_path, clock):
    with open_store(Settings(data_dir=tmp_path / "server", clock=clock, checklists_dir=None)) as store:
        publish_mini(store)
        seed_dealers(store, "D1")
        yield store


def copy_visit(store, uuid: str, copies: int) -> None:
    """`copies` more visits like `uuid`, written as the server stores them (quicker than
    sending each through put_revision)."""
    with store.db.write() as conn:
        visit = conn.execute(text("SELECT * FROM visits WHERE uuid = :u"), {"u": uuid}).mappings().one()
        rev = conn.execute(text("SELECT * FROM visit_revisions WHERE visit_uuid = :u"), {"u": uuid}).mappings().one()
        count = conn.execute(text("SELECT COUNT(*) FROM visits")).scalar_one()
        new = [f"00000000-0000-4000-8000-{i:012d}" for i in range(count, count + copies)]
        conn.execute(text(f"INSERT INTO visits ({', '.join(visit)}) VALUES ({', '.join(':' + k for k in visit)})"),
                     [{**visit, "uuid": u} for u in new])
        conn.execute(text(f"INSERT INTO visit_revisions ({', '.join(rev)}) VALUES ({', '.join(':' + k for k in rev)})"),
                     [{**rev, "visit_uuid": u} for u in new])


def peak_while_exporting(store) -> tuple[int, int]:
    tracemalloc.start()
    try:
        rows = 0
        for chunk in exports.csv_chunks(exports.rows(store, VisitFilter(checklist_id=MINI.id), HEADINGS,
                                                     batch_size=100)):
            rows += chunk.count(b"\r\n")
        return rows, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_visits(sqlite_store):
    uuid = Field(sqlite_store).visit("D1", answers={"notes": "x" * 2000})
    copy_visit(sqlite_store, uuid, 299)
    rows_small, peak_small = peak_while_exporting(sqlite_store)
    copy_visit(sqlite_store, uuid, 1500)
    rows_large, peak_large = peak_while_exporting(sqlite_store)
    assert (rows_small, rows_large) == (301, 1801)  # with the header
    # Six times the visits (some 4 MB of CSV) in about the same memory: one batch and one chunk.
    assert peak_large < peak_small * 1.5, (peak_small, peak_large)

