"""The console's re-pin: on the checklists page, a checklist with several versions offers to
move planned stops to a newer version; the count comes first on a confirmation page, the
move is a form with the session's CSRF token, and the list then says how many moved."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from server_stub import admin

from samples import SHOWROOM, checklist, evidence_checklist
from server_support import publish_mini, seed_dealers

TODAY = date(2026, 11, 22)  # the test clock's day (samples.DEMO_NOW)
MINI_2 = checklist(SHOWROOM | {"version": 2, "title": "Мини-визит, версия 2"})


@pytest.fixture
def planned(server_store):
    """The mini checklist in versions 1 and 2; Anna has stops on version 1 yesterday, today
    and tomorrow, Boris one today."""
    store = server_store
    publish_mini(store)
    store.catalog.publish(MINI_2, store.now())
    seed_dealers(store, "D1")
    anna = admin.create_shopper(store, "Анна Петрова").shopper_id
    boris = admin.create_shopper(store, "Борис").shopper_id
    stops = {name: admin.assign(store, shopper, TODAY + timedelta(days=offset), "D1", "mini_showroom@1").assignment_id
             for name, shopper, offset in (("yesterday", anna, -1), ("today", anna, 0), ("tomorrow", anna, 1),
                                           ("boris", boris, 0))}
    return store, anna, boris, stops


def versions(store) -> dict[str, int]:
    with store.db.read() as conn:
        return {r.id: r.checklist_version for r in conn.execute(text("SELECT id, checklist_version FROM assignments"))}


def section_of(page, checklist_id: str) -> str:
    """The HTML of one checklist's section of the list."""
    return next(part for part in page.html.split("<section>") if f'mono">{checklist_id}</span>' in part)


def test_a_checklist_with_several_versions_offers_the_move_with_date_and_shopper(console, planned):
    store, *_ = planned
    store.catalog.publish(evidence_checklist(), store.now())
    page = console.get("/checklists")
    mini = section_of(page, "mini_showroom")
    assert "Перевести запланированные остановки на новую версию" in mini
    assert 'action="/console/checklists/mini_showroom/repin"' in mini and 'method="get"' in mini
    # Only newer versions to move to, the newest chosen; today's date; every shopper.
    choice = re.search(r'<select name="version">(.*?)</select>', mini, re.S).group(1)
    assert re.findall(r'value="(\d+)"', choice) == ["2"] and "selected" in choice
    assert f'name="from_day" value="{TODAY.isoformat()}"' in mini
    assert "Анна Петрова" in mini and "Борис" in mini and "все тайные покупатели" in mini
    assert "/repin" not in section_of(page, "mini_evidence")  # one version: nothing to move to


def test_the_count_comes_first_then_the_move_then_a_message_with_the_count(console, planned):
    store, anna, boris, stops = planned
    before = versions(store)

    confirm = console.get("/checklists/mini_showroom/repin", version="2", from_day=TODAY.isoformat(), shopper="")
    assert confirm.status == 200
    assert ("3 запланированные остановки mini_showroom начиная с 2026-11-22, всех тайных покупателей, "
            "перейдут на версию 2 («Мини-визит, версия 2»).") in confirm
    assert "Перевести 3 остановки" in confirm
    assert 'name="csrf"' in confirm.html
    assert versions(store) == before  # counting changes nothing

    done = console.post("/checklists/mini_showroom/repin",
                        {"version": "2", "from_day": TODAY.isoformat(), "shopper": ""})
    assert done.status == 200 and done.url.endswith("/console/checklists?moved=3&to=mini_showroom%402")
    assert ("3 запланированные остановки переведены на mini_showroom@2; телефоны получат их при следующей "
            "синхронизации.") in done
    after = versions(store)
    assert [after[stops[n]] for n in ("yesterday", "today", "tomorrow", "boris")] == [1, 2, 2, 2]


def test_one_shoppers_stops_from_an_earlier_day(console, planned):
    store, anna, boris, stops = planned
    confirm = console.get("/checklists/mini_showroom/repin", version="2",
                          from_day=(TODAY - timedelta(days=1)).isoformat(), shopper=anna)
    assert "3 запланированные остановки mini_showroom начиная с 2026-11-21 (Анна Петрова) перейдут" in confirm
    done = console.post("/checklists/mini_showroom/repin",
                        {"version": "2", "from_day": "2026-11-21", "shopper": anna})
    assert "3 запланированные остановки переведены" in done
    after = versions(store)
    assert [after[stops[n]] for n in ("yesterday", "today", "tomorrow", "boris")] == [2, 2, 2, 1]


def test_the_move_needs_the_sessions_csrf_token(console, planned):
    store, *_ = planned
    before = versions(store)
    console.get("/checklists/mini_showroom/repin", version="2")
    for token in (False, "not-the-token"):
        refused = console.post("/checklists/mini_showroom/repin", {"version": "2"}, csrf=token)
        assert refused.status == 403
    assert versions(store) == before


def test_nothing_to_move_says_so_and_offers_no_button(console, planned):
    store, *_ = planned
    page = console.get("/checklists/mini_showroom/repin", version="2", from_day="2030-01-01")
    assert page.status == 200
    assert "Нет запланированных остановок mini_showroom начиная с 2030-01-01" in page
    assert 'method="post"' not in page.html.split("<main", 1)[-1].split("</main>", 1)[0]


@pytest.mark.parametrize(("query", "message"), [
    ({"version": "9"}, "У чек-листа mini_showroom нет опубликованной версии 9."),
    ({"version": "1"}, "Версия 1 — самая ранняя версия mini_showroom"),
    ({"version": "2", "from_day": "22.11.2026"}, "Дата «22.11.2026» не распознана"),
    ({"version": "2", "shopper": "sh_nobody"}, "Тайного покупателя sh_nobody нет."),
])
def test_a_refusal_is_shown_and_nothing_moves(console, planned, query, message):
    store, *_ = planned
    before = versions(store)
    page = console.get("/checklists/mini_showroom/repin", **query)
    assert page.status == 422
    assert message in page
    posted = console.post("/checklists/mini_showroom/repin", {"from_day": "", "shopper": "", **query})
    assert posted.status == 422 and message in posted
    assert versions(store) == before


def test_the_move_reads_in_english(console, planned):
    console.http.get("/console/language/en", params={"next": "/console/checklists"})
    assert "Move planned stops to a newer version" in console.get("/checklists")
    confirm = console.get("/checklists/mini_showroom/repin", version="2")
    assert "3 planned stops of mini_showroom from 2026-11-22 on, of all shoppers, will move to version 2" in confirm
    done = console.post("/checklists/mini_showroom/repin", {"version": "2", "from_day": "2026-11-22", "shopper": ""})
    assert "3 planned stops moved to mini_showroom@2; phones get them on their next sync." in done
