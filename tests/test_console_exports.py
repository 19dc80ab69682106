"""Exports of visits as CSV and XLSX: read back, one row per visit and one column per
question; formula-looking text kept as text; rows read in batches, not all at once."""

from __future__ import annotations

import csv
import html
import io
import re
import tracemalloc
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import text

from field_app.domain.route import Dealership
from server_stub import admin, exports
from server_stub.queries import exports as export_queries
from server_stub.queries.visit_list import VisitFilter
from server_stub.settings import Settings
from server_stub.store import open_store
from server_stub.visits import review_visit

from server_support import MINI, publish_mini, seed_dealers
from test_console_analytics import Field

HEADINGS = exports.Headings(
    visit=("uuid", "shopper", "code", "dealer", "city", "brand", "checklist", "started", "finalized", "zone",
           "status", "revision"),
    statuses={"received": "R", "returned": "T", "approved": "A"}, na="N/A", follow_ups="Follow-ups",
    score="{title} %", total="Total %",
)
VISIT = ["Визит (uuid)", "Тайный покупатель", "Код ДЦ", "Дилерский центр", "Город", "Марка", "Чек-лист",
         "Начало (местное время)", "Завершение (местное время)", "Часовой пояс", "Статус", "Ревизия",
         "Флаги (коды)"]
SCORES = ["Итого, %", "Встреча, %", "Тест-драйв, %", "Последующие вопросы, %"]


def group(title: str, *, seconds: bool = False, scored: bool = True) -> list[str]:
    """A question's columns: its answer, a stopwatch's seconds, its score, its comment."""
    return [title, *([f"{title}: секунды"] if seconds else []), *([f"{title}: балл 0–1"] if scored else []),
            f"{title}: комментарий"]


QUESTIONS = [*group("Фото фасада", scored=False), *group("Поприветствовал"), *group("Ожидание", seconds=True),
             *group("Парковка"), *group("Тест-драйв сразу"), *group("Зеркала"), *group("Гудки"),
             *group("Заметки", scored=False), *group("Перезвонили?")]


def read_csv(page, delimiter: str = ";") -> list[dict[str, str]]:
    assert page.response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(page.response.content.decode("utf-8-sig")), delimiter=delimiter))


def read_xlsx(page) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(page.response.content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_a_csv_export_has_a_row_per_visit_and_a_column_group_per_question(server_store, console):
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
    assert list(rows[0]) == [*VISIT, *SCORES, *QUESTIONS]
    assert [r["Визит (uuid)"] for r in rows] == [first, second]  # oldest first
    one = rows[0]
    assert [one[c] for c in VISIT[1:]] == [
        "'+Анна", "D1", "Дилер D1", "Москва", "Kia", "mini_showroom@1", "2026-11-21 12:00:00",
        "2026-11-22 13:48:00", "Europe/Moscow", "получен", "1", "no_location, too_fast, clock_ahead"]
    assert [one[q] for q in QUESTIONS] == [
        "", "",  # no photo
        "Да", "1", "",
        "1:10", "70", "1", "",  # the stopwatch: m:ss, seconds, within the first band
        "неприменимо", "", "",
        "Да", "1", "", "Нет", "0", "", "3", "1", "",
        "'=HYPERLINK(\"http://x\")", "",
        "", "", ""]
    # Meeting: greeted and the stopwatch (parking N/A); test drive: 2 of 3; total 4 of 5.
    assert [one[s] for s in SCORES] == ["80", "100", "66,7", ""]
    assert (rows[1]["Поприветствовал"], rows[1]["Поприветствовал: балл 0–1"]) == ("Нет", "0")
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
    assert header == [*VISIT, *SCORES, *QUESTIONS]
    record = dict(zip(header, row))
    assert row[:13] == [uuid, "@Анна", "D1", "Дилер D1", "Москва", "Kia", "mini_showroom@1",
                        datetime(2026, 11, 22, 13, 0), datetime(2026, 11, 22, 13, 48), "Europe/Moscow", "получен", 1,
                        "no_location, too_fast, clock_ahead"]
    assert row[13:17] == [80, 100, 66.7, None]
    assert [record[q] for q in QUESTIONS[2:9]] == ["Да", 1, None, "1:10", 70, 1, None]
    assert (record["Гудки"], record["Гудки: балл 0–1"]) == (3, 1)
    assert record["Заметки"] == "=1+2 и всё"

    sheet = openpyxl.load_workbook(io.BytesIO(page.response.content)).active
    notes = header.index("Заметки") + 1
    assert sheet.cell(2, notes).data_type == "s"  # the notes: text, not a formula


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
                  'name="date_from"', 'name="date_to"', 'name="status"', 'type="search" name="dealer"',
                  f'value="{MINI.id}"'):
        assert field in page.html, field


def test_the_dealership_is_searched_not_listed(server_store, console):
    # 60,000 dealerships made this page megabytes when each was an <option>.
    publish_mini(server_store)
    admin.save_dealers(server_store, [
        Dealership(code=f"K{i:03d}", name=f"Киа Центр {i}", brand="Kia", city="Казань" if i % 2 else "Пермь",
                   address="", phone="", lat=None, lon=None)
        for i in range(400)
    ])
    form = console.get("/exports")
    assert "Киа Центр" not in form.html and len(form.html) < 10_000

    typed = console.get("/exports/file", checklist=MINI.id, format="csv", dealer="казань киа", status="approved")
    assert typed.status == 400
    assert "Дилерского центра с таким кодом нет" in typed
    assert "Найдено по словам: 200; показано: 10" in typed
    picked = html.unescape(re.search(r'<ul class="dealer-picks">\s*<li><a href="([^"]+)"', typed.html)[1])
    assert "dealer=K001" in picked and "status=approved" in picked and "format=csv" in picked

    chosen = console.get(picked.removeprefix("/console"))
    assert chosen.status == 200
    assert 'value="K001"' in chosen.html and "Киа Центр 1 · Казань" in chosen.html
    assert 'value="approved" selected' in chosen.html and 'value="csv" checked' in chosen.html


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
    table = list(exports.table(server_store, VisitFilter(checklist_id=MINI.id), HEADINGS, batch_size=2).rows)
    assert sizes == [2, 2, 1]
    assert sorted(r[0] for r in table) == sorted(uuids)
    assert len({r[0] for r in table}) == 5


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


def peak_while_exporting(store, fmt: str) -> tuple[int, int, int]:
    """(rows, bytes, peak traced memory) of an export of every visit, read 100 at a time."""
    tracemalloc.start()
    try:
        visits = exports.table(store, VisitFilter(checklist_id=MINI.id), HEADINGS, batch_size=100)
        rows = 0

        def counted():
            nonlocal rows
            for row in visits.rows:
                rows += 1
                yield row

        counting = exports.Table(visits.columns, counted())
        if fmt == "csv":
            chunks = exports.csv_chunks(counting)
        else:
            chunks = exports.xlsx_chunks(counting, MINI.id, exports.standards_table(store, MINI.id, HEADINGS),
                                         "Standards")
        size = sum(len(chunk) for chunk in chunks)
        return rows, size, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_memory_does_not_grow_with_the_number_of_visits(sqlite_store, fmt):
    uuid = Field(sqlite_store).visit("D1", answers={"notes": "x" * 2000})
    copy_visit(sqlite_store, uuid, 299)
    rows_small, size_small, peak_small = peak_while_exporting(sqlite_store, fmt)
    copy_visit(sqlite_store, uuid, 1500)
    rows_large, size_large, peak_large = peak_while_exporting(sqlite_store, fmt)
    assert (rows_small, rows_large) == (300, 1800)
    assert size_large > 5 * size_small  # the file grows with the visits...
    # ...its memory does not: one batch of rows and one chunk of output, whatever the file's size.
    assert peak_large < peak_small * 1.5, (peak_small, peak_large)
