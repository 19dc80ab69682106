"""The review queue: visits whose newest revision waits for a verdict, the one waiting
longest first, paged on the server with its filters in the address; a visit's previous
and next in the list it was opened from; a verdict that goes on to the next visit
waiting; approving several at once, confirmed, each as approving one does, with a visit
changed meanwhile left alone and reported."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import text

from server_stub import admin, reviewing, visits
from server_stub.console.pages import visits as visits_page
from server_stub.database import Database
from server_stub.errors import AlreadyReviewedError
from server_stub.migrations import MIGRATIONS, migrate
from server_stub.settings import Settings

from console_support import Phone
from server_support import DAY, MINI, new_uuid, publish_mini, revision, seed_dealers


@pytest.fixture
def server_settings(server_settings):
    """These visits are not about their evidence: they are stored without flags, so they are
    approved without a comment, alone or several at once (tests/test_console_evidence.py
    approves flagged ones)."""
    return dataclasses.replace(server_settings, compute_flags=False)


LISTED = re.compile(r'id="at-([0-9a-f-]{36})"')


@pytest.fixture
def phone(server_store, console) -> Phone:
    publish_mini(server_store)
    return Phone(console, server_store)


def listed(page) -> list[str]:
    """The visits a list page shows, in its order."""
    return LISTED.findall(page.html)


def links(page, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="/console/visits/([0-9a-f-]{{36}})\?([^"]*)"', page.html)
    return found.group(1) if found else None


def send_in_turn(phone: Phone, clock, count: int, **fields) -> list[str]:
    """`count` new visits, each arriving a minute after the one before."""
    sent = []
    for _ in range(count):
        uuid = new_uuid()
        phone.send(uuid, revision(1, **fields))
        sent.append(uuid)
        clock.advance(60)
    return sent


def test_the_queue_lists_the_waiting_visits_the_one_waiting_longest_first(console, phone, clock):
    a, b, c, d = send_in_turn(phone, clock, 4)
    console.get(f"/visits/{d}")
    console.post(f"/visits/{d}/approve", {"revision": "1"})
    console.post(f"/visits/{b}/return", {"revision": "1", "comment": "Добавьте фото"})
    clock.advance(60)
    phone.send(b, revision(2))  # the correction takes its turn behind what came before it

    page = console.get("/visits")  # the queue is what the list opens with while anything waits
    assert page.status == 200
    assert "К проверке (3)" in page and 'aria-current="page">К проверке (3)' in page.html
    assert listed(page) == [a, c, b]
    assert "Найдено визитов: 3" in page and "сначала те, что ждут дольше" in page
    assert "2026-11-22 09:00" in page  # when the first one arrived (the test's clock)

    every = console.get("/visits", view="all")
    assert sorted(listed(every)) == sorted([a, b, c, d]) and "принят" in every

    console.get(f"/visits/{a}")
    for uuid in (a, c, b):
        console.post(f"/visits/{uuid}/approve", {"revision": "2" if uuid == b else "1"})
    page = console.get("/visits")
    assert listed(page) == sorted([a, b, c, d], reverse=True)  # one start: by uuid, newest first
    assert "К проверке (0)" in page and 'aria-current="page">Все визиты' in page.html
    assert console.get("/visits", view="review").text.count("Визитов, ждущих проверки, нет.") == 1


def test_the_queue_is_paged_with_its_filters_kept_in_the_address(console, server_store, phone, clock, monkeypatch):
    monkeypatch.setattr(visits_page, "PAGE_SIZE", 2)
    other = Phone(console, server_store, "Борис Иванов")
    mine = send_in_turn(phone, clock, 5)
    send_in_turn(other, clock, 2)
    shopper = re.search(r'<option value="([^"]+)">Анна Петрова · #\w{4}</option>', console.get("/visits").html).group(1)

    seen, page = [], console.get("/visits", view="review", shopper=shopper)
    while True:
        assert "Найдено визитов: 5" in page
        rows = listed(page)
        assert len(rows) <= 2
        seen += rows
        for uuid in rows:  # each visit's link names the list it is in
            assert f'href="/console/visits/{uuid}?view=review&amp;shopper={shopper}"' in page.html
        more = re.search(r'<a href="(/console/visits\?[^"]+)">Следующая страница</a>', page.html)
        if not more:
            break
        assert "view=review" in more.group(1) and f"shopper={shopper}" in more.group(1)
        page = console.get(more.group(1).replace("&amp;", "&").removeprefix("/console"))
    assert seen == mine


def test_a_bad_date_filter_is_named_and_left_out(console, phone, clock):
    [a] = send_in_turn(phone, clock, 1)
    page = console.get("/visits", view="review", date_from="22.11.2026")
    assert "Дата «с» не распознана" in page and listed(page) == [a]
    assert listed(console.get("/visits", view="review", date_from="2026-11-23")) == []


def test_previous_and_next_follow_the_list_the_visit_was_opened_from(console, phone, clock):
    # Arrival order a, b, c; start order (the list of every visit, newest first) c, a, b.
    a = new_uuid()
    phone.send(a, revision(1, started_at="2026-11-21T10:00:00Z"))
    clock.advance(60)
    b = new_uuid()
    phone.send(b, revision(1, started_at="2026-11-20T10:00:00Z"))
    clock.advance(60)
    c = new_uuid()
    phone.send(c, revision(1, started_at="2026-11-22T10:00:00Z"))

    page = console.get(f"/visits/{b}", view="review")
    assert (links(page, "prev"), links(page, "next")) == (a, c)
    assert "К проверке: 2 из 3" in page
    assert "← К проверке" in page and 'href="/console/visits?view=review"' in page.html
    first = console.get(f"/visits/{a}", view="review")
    assert links(first, "prev") is None and links(first, "next") == b
    assert "‹ Предыдущий" in first  # shown, not a link

    page = console.get(f"/visits/{b}", view="all")
    assert (links(page, "prev"), links(page, "next")) == (a, None)
    assert "Визит 3 из 3" in page
    # the list's filters go with it
    page = console.get(f"/visits/{c}", view="all", date_to="2026-11-21")
    assert "В списке: 2" in page and links(page, "next") == a
    # opened from elsewhere: no neighbours
    page = console.get(f"/visits/{b}")
    assert links(page, "next") is None and "← Все визиты" in page


def test_a_verdict_goes_on_to_the_next_visit_waiting_and_says_what_was_done(console, phone, clock):
    a, b, c = send_in_turn(phone, clock, 3)
    console.get(f"/visits/{a}", view="review")

    page = console.post(f"/visits/{a}/approve", {"revision": "1", "view": "review"})
    assert page.status == 200
    assert page.url.endswith(f"/console/visits/{b}?view=review&reviewed=approve&reviewed_visit={a}")
    assert "Визит принят: 2026-11-22 10:00 · вне маршрута · Анна Петрова" in page
    assert "К проверке: 1 из 2" in page and links(page, "prev") is None  # a is no longer in the queue
    assert phone.status(a) == "approved"

    page = console.post(f"/visits/{b}/return", {"revision": "1", "comment": "Нет фото фасада", "view": "review"})
    assert page.url.endswith(f"/console/visits/{c}?view=review&reviewed=return&reviewed_visit={b}")
    assert "Визит возвращён на исправление: 2026-11-22 10:00" in page
    assert phone.pull()["returned"][0]["comment"] == "Нет фото фасада"

    page = console.post(f"/visits/{c}/approve", {"revision": "1", "view": "review"})  # the last one stays
    assert page.url.endswith(f"/console/visits/{c}?view=review&reviewed=approve")
    assert "Визит принят. Больше визитов к проверке нет. К списку" in page
    assert "Принять визит" not in page
    assert listed(console.get("/visits", view="review")) == []


def test_after_a_verdict_the_next_visit_is_of_the_same_filtered_list(console, server_store, phone, clock):
    other = Phone(console, server_store, "Борис Иванов")
    a = send_in_turn(phone, clock, 1)[0]
    skipped = send_in_turn(other, clock, 1)[0]
    b = send_in_turn(phone, clock, 1)[0]
    shopper = re.search(r'<option value="([^"]+)">Анна Петрова · #\w{4}</option>', console.get("/visits").html).group(1)
    page = console.post(f"/visits/{a}/approve", {"revision": "1", "view": "review", "shopper": shopper})
    assert page.url.endswith(f"/console/visits/{b}?view=review&shopper={shopper}&reviewed=approve&reviewed_visit={a}")
    assert skipped not in page.url

    # From the list of every visit: the next one after it that waits (an approved one is passed over).
    console.post(f"/visits/{b}/approve", {"revision": "1"})  # no list: it stays on the visit
    c, d, e = send_in_turn(phone, clock, 3)  # the same start: the list runs by uuid, newest first
    first, middle, last = sorted([c, d, e], reverse=True)
    console.post(f"/visits/{middle}/approve", {"revision": "1"})
    page = console.post(f"/visits/{first}/approve", {"revision": "1", "view": "all", "shopper": shopper})
    assert f"/console/visits/{last}?view=all&shopper={shopper}&reviewed=approve" in page.url


def test_a_verdict_shown_is_only_one_that_was_passed(console, phone, clock):
    a, b = send_in_turn(phone, clock, 2)
    page = console.get(f"/visits/{b}", view="review", reviewed="approve", reviewed_visit=a)
    assert "Визит принят" not in page  # a is still waiting: the address says something untrue
    page = console.get("/visits", view="review", reviewed="approve", reviewed_visit=a)
    assert "Визит принят" not in page


def test_several_visits_are_approved_at_once_after_a_confirmation(console, phone, clock):
    a, b, c = send_in_turn(phone, clock, 3)
    page = console.get("/visits", view="review")
    for uuid in (a, b, c):
        assert f'name="visit" value="{uuid}:1"' in page.html
    assert "Принять выбранные" in page
    assert 'checked' not in page.html and 'checked' in console.get("/visits", view="review", select="all").html

    confirm = console.post("/visits/approve", {"visit": [f"{a}:1", f"{c}:1"], "view": "review"})
    assert confirm.status == 200
    assert "Будут приняты 2 визита:" in confirm and "Принять 2 визита" in confirm
    assert phone.status(a) == "received"  # nothing is done before the confirmation
    assert re.findall(r'name="visit" value="([^"]+)"', confirm.html) == [f"{a}:1", f"{c}:1"]

    page = console.post("/visits/approve", {"visit": [f"{a}:1", f"{c}:1"], "view": "review", "confirm": "yes"})
    assert page.url.endswith("/console/visits?view=review&approved=2")
    assert "Принято 2 визита." in page and listed(page) == [b]
    assert phone.status(a) == phone.status(c) == "approved" and phone.status(b) == "received"
    # each recorded as approving one visit records it
    assert "1 принят coordinator" in console.get(f"/visits/{a}")


def test_a_visit_changed_since_the_list_was_drawn_is_not_approved_and_is_named(console, phone, clock):
    a, b, c, d = send_in_turn(phone, clock, 4)
    console.get("/visits", view="review")  # the list shows revision 1 of each ...
    phone.send(b, revision(2))  # ... when revision 2 of b arrives
    console.get(f"/visits/{d}")
    console.post(f"/visits/{d}/return", {"revision": "1", "comment": "Исправьте"})  # and d is returned

    chosen = [f"{a}:1", f"{b}:1", f"{c}:1", f"{d}:1"]
    confirm = console.post("/visits/approve", {"visit": chosen, "view": "review"})
    assert "Будут приняты 2 визита:" in confirm and "2 визита приняты не будут" in confirm
    assert "1, теперь 2" in confirm
    assert re.findall(r'name="visit" value="([^"]+)"', confirm.html) == [f"{a}:1", f"{c}:1"]

    # Sent as the list drew them (or changed between the confirmation and the click):
    # the library checks each again.
    page = console.post("/visits/approve", {"visit": chosen, "view": "review", "confirm": "yes"})
    assert page.url.endswith(f"/console/visits?view=review&approved=2&changed={b}&skipped={d}")
    assert "Принято 2 визита." in page
    assert "1 визит не принят: после того как список был открыт, пришла его новая версия." in page
    assert "1 визит не принят: его уже проверили." in page and "возвращён" in page
    assert f'href="/console/visits/{b}?view=review"' in page.html
    assert [phone.status(u) for u in (a, b, c, d)] == ["approved", "received", "approved", "returned"]
    assert listed(page) == [b]


def verdicts(store, uuid: str) -> list[tuple[int, str, str]]:
    """(revision, action, by) of each verdict the visit has had, in order."""
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT revision, action, reviewed_by FROM visit_reviews WHERE visit_uuid = :u "
                                 "ORDER BY reviewed_at, id"), {"u": uuid})
        return [(r.revision, r.action, r.reviewed_by) for r in rows]


def counted_by_status(store) -> dict[str, int]:
    """Items counted in the month tally, per status."""
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT status, SUM(counted) AS n FROM month_tally GROUP BY status"))
        return {r.status: int(r.n) for r in rows if r.n}


def test_a_verdict_passed_while_several_are_approved_is_the_only_one(server_store, phone, clock, monkeypatch):
    """Olga returns b, and revision 2 of c arrives, after Ivan's bulk approval has taken them
    and before it writes their verdicts: b keeps Olga's return alone, c waits, a is approved."""
    seed_dealers(server_store, "D1")
    with server_store.db.read() as conn:
        shopper_id = conn.execute(text("SELECT id FROM shoppers")).scalar_one()  # the phone's
    plans = [admin.assign(server_store, shopper_id, DAY, "D1", MINI.id) for _ in range(3)]
    a, b, c = (new_uuid() for _ in range(3))
    for uuid, plan in zip((a, b, c), plans):
        phone.send(uuid, revision(1, assignment_id=plan.assignment_id))
    one_verdict = visits.review_visit
    meanwhile = {b: lambda: one_verdict(server_store, b, "return", "Нет фото", by="olga"),
                 c: lambda: phone.send(c, revision(2, assignment_id=plans[2].assignment_id))}

    def interleaved(store, uuid, *args, **kwargs):
        if uuid in meanwhile:
            meanwhile.pop(uuid)()  # lands between the choice and the verdict
        return one_verdict(store, uuid, *args, **kwargs)

    monkeypatch.setattr(visits, "review_visit", interleaved)
    done = reviewing.approve_selected(server_store, [(a, 1), (b, 1), (c, 1)], by="ivan")

    assert (done.approved, done.changed, done.reviewed) == ([a], [c], [b])
    assert verdicts(server_store, a) == [(1, "approve", "ivan")]
    assert verdicts(server_store, b) == [(1, "return", "olga")]
    assert verdicts(server_store, c) == []
    assert [phone.status(u) for u in (a, b, c)] == ["approved", "returned", "received"]
    counted = counted_by_status(server_store)  # each visit counted once, under its own status
    assert counted["approved"] == counted["returned"] == counted["received"] > 0 and len(counted) == 3


def test_a_verdict_only_while_waiting_is_refused_once_the_visit_has_one(server_store, phone, clock):
    a, = send_in_turn(phone, clock, 1)
    visits.review_visit(server_store, a, "approve", "", by="olga", only_waiting=True)
    with pytest.raises(AlreadyReviewedError):
        visits.review_visit(server_store, a, "approve", "", by="ivan", revision=1, only_waiting=True)
    assert verdicts(server_store, a) == [(1, "approve", "olga")]
    # One visit's page may still change a verdict: it asks for no such condition.
    clock.advance(60)
    visits.review_visit(server_store, a, "return", "Нет фото", by="ivan", revision=1)
    assert [action for _, action, _ in verdicts(server_store, a)] == ["approve", "return"]


def test_approving_several_needs_the_forms_csrf_token_and_a_choice(console, phone, clock):
    a, = send_in_turn(phone, clock, 1)
    console.get("/visits")
    for csrf in (False, "forged"):
        page = console.post("/visits/approve", {"visit": f"{a}:1", "confirm": "yes"}, csrf=csrf)
        assert page.status == 403 and "Форма устарела" in page
    assert phone.status(a) == "received"

    for chosen in ([], ["nonsense"], [f"{a}:x"], [f"{a}:-1"]):
        page = console.post("/visits/approve", {"visit": chosen, "confirm": "yes"})
        assert page.status == 400 and "Не выбрано ни одного визита" in page, chosen
    # a visit the server does not hold is not approved, whatever the form says
    unknown = new_uuid()
    assert console.post("/visits/approve", {"visit": f"{unknown}:1"}).status == 400
    page = console.post("/visits/approve", {"visit": f"{unknown}:1", "confirm": "yes"})
    assert page.url.endswith(f"approved=0&skipped={unknown}") and "Принято 0 визитов." in page
    assert phone.status(a) == "received"


def test_the_queue_reads_in_english(console, phone, clock):
    a, b = send_in_turn(phone, clock, 2)
    console.http.get("/console/language/en", params={"next": "/console/visits"})
    page = console.get("/visits")
    assert "To review (2)" in page and "Approve selected" in page and "those waiting longest first" in page
    assert "1 visit will be approved:" in console.post("/visits/approve", {"visit": f"{a}:1", "view": "review"})
    page = console.post(f"/visits/{a}/approve", {"revision": "1", "view": "review"})
    assert "Visit approved: 2026-11-22 10:00" in page and "To review: 1 of 1" in page and "Next ›" in page


def test_the_migration_fills_when_each_visits_newest_revision_arrived(server_db, tmp_path):
    db = Database(Settings(data_dir=tmp_path, db_url=server_db).database_url)
    try:
        migrate(db, migrations=tuple(m for m in MIGRATIONS if m.version < 9))
        with db.write() as conn:
            conn.execute(text("INSERT INTO shoppers VALUES ('s1', 'Анна', '2026-11-22T09:00:00.000000Z')"))
            conn.execute(text("INSERT INTO checklists VALUES ('c', 1, 'x', '{}', '2026-11-22T09:00:00.000000Z')"))
            conn.execute(text("INSERT INTO visits (uuid, shopper_id, latest_revision, status, created_at, updated_at) "
                              "VALUES ('v1', 's1', 2, 'received', 'a', 'b')"))
            for number, at in ((1, "2026-11-22T10:00:00.000000Z"), (2, "2026-11-23T08:30:00.000000Z")):
                conn.execute(text("INSERT INTO visit_revisions VALUES ('v1', :n, '{}', 'h', NULL, 'c', 1, "
                                  "'2026-11-22T10:00:00.000000Z', :at, 'd1')"), {"n": number, "at": at})
        # Up to migration 9 only: migration 12 scores each stored revision, and '{}' is none.
        assert 9 in migrate(db, migrations=tuple(m for m in MIGRATIONS if m.version <= 9))
        with db.read() as conn:
            assert conn.execute(text("SELECT received_at FROM visits")).scalar_one() == "2026-11-23T08:30:00.000000Z"
    finally:
        db.close()


def test_the_dealership_filter_is_a_search_field_not_a_list_of_every_dealership(console, server_store, phone, clock):
    seed_dealers(server_store, "D1", "D2", "K9")
    send_in_turn(phone, clock, 1)
    page = console.get("/visits")
    assert '<select name="dealer">' not in page.html and 'name="dealer" value=""' in page.html
    assert "Дилер D2" not in page  # 60,000 dealerships would be megabytes of options

    chosen = console.get("/visits", view="all", dealer="D2")
    assert 'name="dealer" value="D2"' in chosen.html and "Дилер D2" in chosen and "Дилер D1" not in chosen

    # Words instead of a code: the dealerships they find, each a link to its own filter.
    found = console.get("/visits", view="all", dealer="дилер d", status="approved")
    assert "Дилерского центра с кодом «дилер d» нет. Найдено по словам: 2; показано: 2." in found
    assert 'href="/console/visits?dealer=D1&amp;view=all&amp;status=approved"' in found.html
    assert "Дилер K9" not in found and listed(found) == []
