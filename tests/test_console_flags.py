"""Flags in the console (issue 17, point 5): every flag's code has a short name in both
languages; the visit list marks a visit whose latest revision has flags (the sign, their
count, their names) and filters by them (any flag, one code, none), paged on the
server; the shoppers page gives each shopper's share of visits without flags over the
last 90 days; exports carry the codes. On SQLite and PostgreSQL, with flags computed by the server's own PUT."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import text

from field_app.domain.i18n import LANGUAGES, catalogue
from server_stub import evidence, evidence_store
from server_stub.console.web import TRANSLATIONS

from console_support import Phone
from server_support import MINI, new_uuid, publish_mini, revision

LISTED = re.compile(r'id="at-([0-9a-f-]{36})"')
ANSWERED = {"consultant_wait": 3, "greeted": 4, "test_drive_now": 15, "mirrors": 17, "rings": 21, "parking": 30}


def honest(number: int = 1) -> dict:
    """A revision that raises no flag: answers spread over the visit, a fix at its start
    and its finish, sent after it was finalized."""
    body = revision(number)
    for qid, minute in ANSWERED.items():
        body["answers"][qid]["answered_at"] = f"2026-11-22T10:{minute:02d}:00Z"
    body["locations"] = [
        {"event": "start", "at": "2026-11-22T10:00:04Z", "lat": 55.75, "lon": 37.61, "accuracy_m": 20},
        {"event": "finish", "at": body["finalized_at"].replace(":00Z", ":03Z"), "lat": 55.75, "lon": 37.61,
         "accuracy_m": 20},
    ]
    return body


def flagged(number: int = 1) -> dict:
    """No fix at all (no_location) and every answer at one moment (too_fast)."""
    return revision(number)


@pytest.fixture
def phone(server_store, console, clock) -> Phone:
    publish_mini(server_store)
    clock.advance(2 * 3600)  # 11:00 UTC: after the revisions were finalized, so no clock is ahead
    return Phone(console, server_store)


def codes_of(store, uuid: str, number: int = 1) -> list[str]:
    found, at = evidence_store.flags(store, uuid, number)
    assert at is not None, "the flags were not computed"
    return [flag.code for flag in found]


def listed(page) -> list[str]:
    return LISTED.findall(page.html)


def row_of(page, uuid: str) -> str:
    return re.search(rf'<tr>(?:(?!</tr>).)*id="at-{uuid}".*?</tr>', page.html, flags=re.S).group(0)


@pytest.fixture
def two_visits(server_store, phone) -> tuple[str, str]:
    """A flagged visit and an honest one, both waiting for review; (flagged, honest)."""
    bad, good = new_uuid(), new_uuid()
    phone.send(bad, flagged())
    phone.send(good, honest())
    assert codes_of(server_store, bad) == [evidence.NO_LOCATION, evidence.TOO_FAST]
    assert codes_of(server_store, good) == []
    return bad, good


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_flag_has_a_short_name_in_both_languages(language):
    words = catalogue(language, TRANSLATIONS)
    names = [words.get(f"flag.{code}") for code in evidence.CODES]
    assert all(isinstance(name, str) and name.strip() for name in names), dict(zip(evidence.CODES, names))
    assert len(set(names)) == len(names)  # no two flags read alike
    assert set(c for c in words if c.startswith("flag.")) == {f"flag.{code}" for code in evidence.CODES}


def test_the_list_marks_a_flagged_visit_with_the_count_and_the_names(console, two_visits):
    bad, good = two_visits
    page = console.get("/visits", view="all")
    assert sorted(listed(page)) == sorted([bad, good])
    mark = re.search(r'<span class="badge flagged" title="([^"]+)">⚑ (\d+)', row_of(page, bad))
    assert mark is not None and mark.groups() == ("Нет местоположения, Слишком быстро", "2")
    assert "⚑" not in row_of(page, good) and 'class="badge flagged"' not in row_of(page, good)
    assert "⚑ 2 : Нет местоположения, Слишком быстро" in page  # said in text too, not by colour alone

    queue = console.get("/visits", view="review")
    assert 'title="Нет местоположения, Слишком быстро">⚑ 2' in row_of(queue, bad)

    console.http.cookies.set("fa_lang", "en")
    english = console.get("/visits", view="all")
    assert 'title="No location, Too fast">⚑ 2' in row_of(english, bad)


@pytest.mark.parametrize("view", ["all", "review"])
def test_the_flag_filter_keeps_the_flagged_the_honest_or_one_code(console, two_visits, view):
    bad, good = two_visits
    shown = {choice: console.get("/visits", view=view, flag=choice) for choice in
             ("any", "none", evidence.NO_LOCATION, evidence.TOO_FAST, evidence.PHOTO_REUSED, "no_such_flag")}
    assert listed(shown[evidence.NO_LOCATION]) == [bad]
    assert listed(shown[evidence.TOO_FAST]) == [bad]
    assert listed(shown["any"]) == [bad]
    assert listed(shown["none"]) == [good]
    assert listed(shown[evidence.PHOTO_REUSED]) == []
    assert sorted(listed(shown["no_such_flag"])) == sorted([bad, good])  # an unknown choice is no filter
    assert "Найдено визитов: 1" in shown[evidence.NO_LOCATION] and "Найдено визитов: 0" in shown[evidence.PHOTO_REUSED]
    assert "Найдено визитов: 1" in shown["none"] and "К проверке (1)" in shown["none"]  # counted, not only listed
    chosen = shown[evidence.NO_LOCATION].html
    assert f'<option value="{evidence.NO_LOCATION}" selected>Нет местоположения</option>' in chosen
    # The filter goes with the visit's link, so its neighbours are those of the filtered list.
    assert f"/console/visits/{bad}?view={view}&amp;flag={evidence.NO_LOCATION}" in chosen


def test_a_visit_is_judged_by_its_latest_revision(server_store, console, phone):
    uuid = new_uuid()
    phone.send(uuid, flagged())
    console.get(f"/visits/{uuid}")
    console.post(f"/visits/{uuid}/return", {"revision": "1", "comment": "Включите геолокацию"})
    phone.send(uuid, honest(2))
    assert codes_of(server_store, uuid, 1) and codes_of(server_store, uuid, 2) == []
    assert listed(console.get("/visits", view="all", flag="none")) == [uuid]
    assert listed(console.get("/visits", view="all", flag="any")) == []
    assert "⚑" not in row_of(console.get("/visits", view="all"), uuid)


def test_the_flag_filter_pages_on_the_server(server_store, console, phone, monkeypatch):
    from server_stub.console.pages import visits as visits_page

    monkeypatch.setattr(visits_page, "PAGE_SIZE", 2)
    sent = []
    for _ in range(3):
        sent.append(new_uuid())
        phone.send(sent[-1], flagged())
    phone.send(new_uuid(), honest())
    first = console.get("/visits", view="all", flag="any")
    assert len(listed(first)) == 2 and "Найдено визитов: 3" in first
    more = re.search(r'href="(/console/visits\?after=[^"]+)"', first.html).group(1).replace("&amp;", "&")
    assert "flag=any" in more
    second = console.http.get(more)
    assert sorted(listed(first) + LISTED.findall(second.text)) == sorted(sent)


def exported(console, fmt: str, language: str) -> dict[str, dict]:
    """The export of the mini checklist read back: {visit uuid: {column: cell}}."""
    console.http.cookies.set("fa_lang", language)
    answer = console.http.get("/console/exports/file", params={"checklist": MINI.id, "format": fmt})
    assert answer.status_code == 200, answer.text[:300]
    if fmt == "csv":
        delimiter = ";" if language == "ru" else ","
        rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=delimiter))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
        header, *cells = [[c.value for c in row] for row in sheet.iter_rows()]
        rows = [dict(zip(header, row)) for row in cells]
    return {row[next(iter(row))]: row for row in rows}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("language, column", [("ru", "Флаги (коды)"), ("en", "Flags (codes)")])
def test_exports_carry_the_codes_of_the_latest_revisions_flags(console, two_visits, fmt, language, column):
    bad, good = two_visits
    rows = exported(console, fmt, language)
    assert set(rows) == {bad, good}
    header = list(rows[bad])
    assert header.index(column) == header.index("Ревизия" if language == "ru" else "Revision") + 1
    assert rows[bad][column] == "no_location, too_fast"
    assert rows[good][column] == ("" if fmt == "csv" else None)  # XLSX: no cell


def shopper_row(page, name: str) -> str:
    row = re.search(rf"<tr>(?:(?!</tr>).)*>{name}</a>.*?</tr>", page.html, flags=re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


def test_the_shoppers_page_gives_each_shoppers_share_of_visits_without_flags(server_store, console, phone):
    sent = [new_uuid() for _ in range(4)]
    phone.send(sent[0], flagged())
    for uuid in sent[1:]:
        phone.send(uuid, honest())
    Phone(console, server_store, "Борис Ничего")  # a shopper with no visit
    with server_store.db.write() as conn:  # one honest visit received 91 days ago: out of the window
        conn.execute(text("UPDATE visits SET received_at = '2026-08-23T10:00:00.000000Z' WHERE uuid = :u"),
                     {"u": sent[3]})

    page = console.get("/shoppers")
    assert "Без флагов, 90 дней" in page
    assert shopper_row(page, "Анна Петрова").endswith("2 из 3 без флагов, 67%")
    assert shopper_row(page, "Борис Ничего").endswith("0 —")  # no returned visits, no recent visits

    console.http.cookies.set("fa_lang", "en")
    assert shopper_row(console.get("/shoppers"), "Анна Петрова").endswith("2 of 3 without flags, 67%")


def test_a_corrected_visit_counts_by_its_latest_revision(server_store, console, phone):
    uuid = new_uuid()
    phone.send(uuid, flagged())
    assert shopper_row(console.get("/shoppers"), "Анна Петрова").endswith("0 из 1 без флагов, 0%")
    console.get(f"/visits/{uuid}")
    console.post(f"/visits/{uuid}/return", {"revision": "1", "comment": "Включите геолокацию"})
    phone.send(uuid, honest(2))
    assert shopper_row(console.get("/shoppers"), "Анна Петрова").endswith("1 из 1 без флагов, 100%")



def test_the_shoppers_page_reads_the_shares_in_as_many_statements_for_two_shoppers_as_for_six(
        server_store, console, phone):
    from sqlalchemy import event

    from server_stub import admin

    def statements_for_a_page(shoppers: int) -> int:
        seen = []

        def count(*args):
            seen.append(args[2])

        event.listen(server_store.db.engine, "before_cursor_execute", count)
        try:
            listing = admin.shopper_page(server_store)
        finally:
            event.remove(server_store.db.engine, "before_cursor_execute", count)
        assert [s.recent_visits for s in listing.rows if s.name.startswith("Покупатель")] == [1] * shoppers
        return len(seen)

    for n in range(6):
        Phone(console, server_store, f"Покупатель {n}").send(new_uuid(), honest())
        if n == 1:
            two = statements_for_a_page(2)
    assert statements_for_a_page(6) == two
