"""Analytics pages: each dealership's share of standards met and each item's share beside
its market rank, counted over approved visits unless another status is chosen, filtered by
period, city, brand and shopper; every figure with the visits behind it and a warning
below the minimum sample; bars coloured by share; a dealership's month-by-month trend."""

from __future__ import annotations

import copy
import html
import re

import pytest

from field_app.domain.checklist import Checklist
from field_app.domain.records import VisitRevision
from field_app.domain.route import Dealership
from server_stub import admin, analytics, devices
from server_stub.visits import put_revision, review_visit

from samples import SHOWROOM
from server_support import DAY, MINI, new_uuid, publish_mini, revision, seed_dealers

DEALER_D1 = f"/analytics/{MINI.id}/dealers/D1"


class Field:
    """A shopper whose phone sends visits, each on an assignment at a dealership."""

    def __init__(self, store, name: str = "Анна Петрова"):
        self.store = store
        code = admin.create_shopper(store, name)
        token = devices.pair(store, code.pairing_code, "Pixel 8").token
        with store.db.read() as conn:
            self.device = devices.recognise(conn, token)
        self.assignments: dict[str, str] = {}

    def visit(self, dealer: str, *, number: int = 1, uuid: str | None = None, answers: dict | None = None,
              approve: bool = False, **changes) -> str:
        """Send revision `number` of a visit (a new one unless `uuid`); `answers` replace some of
        `server_support.revision()`'s, `changes` its other fields (greeted=, started_at=...);
        `approve`: a coordinator approves it then."""
        uuid = uuid or new_uuid()
        if uuid not in self.assignments:
            plan = admin.assign(self.store, self.device.shopper_id, DAY, dealer, MINI.id)
            self.assignments[uuid] = plan.assignment_id
        body = revision(number, assignment_id=self.assignments[uuid], **changes)
        for qid, value in (answers or {}).items():
            body["answers"][qid] = {"value": value, "answered_at": "2026-11-22T10:05:00Z"}
        put_revision(self.store, self.device, uuid, VisitRevision.model_validate(body))
        if approve:
            review_visit(self.store, uuid, "approve", "", by="coordinator")
        return uuid


def row_of(page, label: str) -> str:
    """The text of the table row that holds `label`."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page.html, flags=re.S):
        if label in row:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    raise AssertionError(f"no row with {label!r}")


def bars(page) -> list[str]:
    """The SVG of each bar of the page's bar charts, in order."""
    found = []
    for chart in re.findall(r'<svg class="bars".*?</svg>', page.html, flags=re.S):
        found.extend(re.split(r'(?=<g class="bar[ "])', chart)[1:])
    return found


def label_of(bar: str) -> str:
    return " ".join(re.findall(r"<tspan [^>]*>([^<]*)</tspan>", bar.split('<text class="note"')[0]))


def bar_of(page, label: str) -> str:
    """The SVG of the chart's bar whose label starts with `label`."""
    for bar in bars(page):
        if label_of(bar).startswith(label):
            return bar
    raise AssertionError(f"no bar labelled {label!r}")


def test_an_items_share_is_the_approved_visits_that_met_it_of_those_that_counted_it(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2")
    field = Field(server_store)
    for greeted in (True, True, False):
        field.visit("D1", greeted=greeted, approve=True)
    field.visit("D2", greeted=False, approve=True)

    page = console.get(DEALER_D1)
    assert page.status == 200
    # greeted: 2 of 3 here, 2 of 4 at all dealerships; mirrors (never met) 0 of 3.
    assert row_of(page, "Поприветствовал") == "Поприветствовал высокий (TOP) 2 3 67% ⚠ мало визитов 50% 4"
    assert row_of(page, "Зеркала") == "Зеркала нет в исследовании 0 3 0% ⚠ мало визитов 0% 4"
    assert "Всего по чек-листу «Мини-визит»: 73% (11 из 15 пунктов), визитов: 3." in page
    assert "Все дилерские центры за тот же период и с тем же статусом: 70%, визитов: 4." in page
    assert "Парковка" not in page  # answered N/A in every visit: it never counted
    assert "Встреча" in page and "Тест-драйв" in page  # grouped by section


def test_only_approved_visits_count_unless_another_status_is_chosen(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    field = Field(server_store)
    field.visit("D1", greeted=True, approve=True)
    field.visit("D1", greeted=False)  # waiting for a verdict
    returned = field.visit("D1", greeted=False)
    review_visit(server_store, returned, "return", "Проверьте приветствие", by="coordinator")

    page = console.get(DEALER_D1)
    assert "Считаются только принятые визиты." in page
    assert row_of(page, "Поприветствовал").startswith("Поприветствовал высокий (TOP) 1 1 100%")
    waiting = console.get(DEALER_D1, status="received_approved")
    assert "Считаются принятые визиты и ждущие проверки." in waiting
    assert row_of(waiting, "Поприветствовал").startswith("Поприветствовал высокий (TOP) 1 2 50%")
    everything = console.get(DEALER_D1, status="all")
    assert row_of(everything, "Поприветствовал").startswith("Поприветствовал высокий (TOP) 1 3 33%")
    assert row_of(console.get("/analytics", checklist=MINI.id, status="all"), "Дилер D1").endswith(
        "10 15 3 67% ⚠ мало визитов")
    assert '<option value="all" selected>' in everything.html

    nonsense = console.get(DEALER_D1, status="everything")
    assert "Нет такого выбора статуса: «everything». Считаются только принятые визиты." in nonsense
    assert row_of(nonsense, "Поприветствовал").startswith("Поприветствовал высокий (TOP) 1 1 100%")


def test_a_review_moves_the_visit_between_statuses(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    field = Field(server_store)
    uuid = field.visit("D1", greeted=True)
    assert "пока нет засчитанных визитов" in console.get("/analytics", checklist=MINI.id)

    review_visit(server_store, uuid, "approve", "", by="coordinator")
    assert row_of(console.get("/analytics", checklist=MINI.id), "Дилер D1").startswith(
        "Дилер D1 D1 Москва Kia 4 5 1 80%")
    review_visit(server_store, uuid, "return", "Нет фото", by="coordinator")
    assert "пока нет засчитанных визитов" in console.get("/analytics", checklist=MINI.id)
    assert "Дилер D1" in console.get("/analytics", checklist=MINI.id, status="all")

    field.visit("D1", number=2, uuid=uuid, greeted=False)  # the correction waits for a verdict
    assert row_of(console.get(DEALER_D1, status="received_approved"), "Поприветствовал").startswith(
        "Поприветствовал высокий (TOP) 0 1 0%")


def test_the_overview_shows_every_dealerships_share_as_coloured_bars_and_as_a_table(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2", "D3")
    field = Field(server_store)
    field.visit("D1", greeted=True, approve=True)
    field.visit("D2", greeted=False, approve=True)

    page = console.get("/analytics", checklist=MINI.id)
    assert page.status == 200
    assert row_of(page, "Дилер D1") == "Дилер D1 D1 Москва Kia 4 5 1 80% ⚠ мало визитов"
    assert row_of(page, "Дилер D2") == "Дилер D2 D2 Москва Kia 3 5 1 60% ⚠ мало визитов"
    assert "Дилер D3" not in page  # nothing counted there
    assert "Всего по выбранным визитам: 70% (7 из 10 пунктов); визитов: 2, дилерских центров: 2." in page
    svg = re.search(r"<svg .*?</svg>", page.html, flags=re.S).group(0)
    assert 'role="img"' in svg and "<title>Доля выполненных стандартов по дилерским центрам" in svg
    widths = [float(w) for w in re.findall(r'class="fill"[^>]*width="([\d.]+)"', svg)]
    assert widths == [208.0, 156.0]  # 80% and 60% of 260, best first
    assert 'class="bar share-high few"' in bar_of(page, "Дилер D1")  # 80%: green, not a rank's red
    assert 'class="bar share-mid few"' in bar_of(page, "Дилер D2")
    assert f'href="/console/analytics/{MINI.id}/dealers/D1"' in svg
    assert [label_of(b) for b in bars(console.get("/analytics", checklist=MINI.id, order="worst"))] == [
        "Дилер D2", "Дилер D1"]


def test_a_share_is_coloured_by_how_much_was_met_and_a_zero_bar_is_drawn(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    field = Field(server_store)
    for _ in range(5):
        field.visit("D1", greeted=True, approve=True)

    page = console.get(DEALER_D1)
    greeted = bar_of(page, "Поприветствовал")  # 100%, a top-ranked item
    assert 'class="bar share-high"' in greeted and 'class="fill" x="300" y="26" width="260.0"' in greeted
    assert '<g class="mark rank-top">' in greeted and "▲ TOP" in greeted  # the rank: a mark of its own
    mirrors = bar_of(page, "Зеркала")  # 0%, not in the study
    assert 'class="bar share-low"' in mirrors
    assert re.search(r'<rect class="fill" [^>]*width="3.0"', mirrors)  # a stub, not nothing
    assert '<g class="mark' not in mirrors
    assert row_of(page, "Поприветствовал") == "Поприветствовал высокий (TOP) 5 5 100% 100% 5"
    assert '<td class="num share-text-high">100%</td>' in page.html
    assert '<td class="num share-text-low">0%</td>' in page.html
    assert "80% и выше" in page and "ниже 50%" in page and "0% — короткая черта" in page  # the legend


def test_an_item_no_visit_counted_has_an_empty_dashed_track(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    Field(server_store).visit("D1", approve=True)
    newer = copy.deepcopy(SHOWROOM)
    newer["version"] = 2
    newer["sections"][0]["questions"].append(
        {"id": "offered_coffee", "text": "Предложил кофе", "type": "yes_no", "benchmark": "average"})
    server_store.catalog.publish(Checklist.model_validate(newer), server_store.now())

    coffee = bar_of(console.get(DEALER_D1), "Предложил кофе")
    assert 'class="track empty"' in coffee and 'class="fill"' not in coffee
    assert ">нет данных<" in coffee and ">n = 0<" in coffee and "◆ AVERAGE" in coffee


def test_the_visits_behind_every_figure_are_shown_and_too_few_are_warned_of(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2")
    field = Field(server_store)
    for _ in range(analytics.MIN_SAMPLE - 1):
        field.visit("D1", approve=True)
    for _ in range(analytics.MIN_SAMPLE):
        field.visit("D2", approve=True)

    overview = console.get("/analytics", checklist=MINI.id)
    few, enough = bar_of(overview, "Дилер D1"), bar_of(overview, "Дилер D2")
    assert ">n = 4 ⚠<" in few and "⚠ мало визитов: 4, нужно от 5" in few and " few" in few
    assert ">n = 5<" in enough and "мало визитов" not in enough and " few" not in enough
    assert "Если их меньше 5, доля почти случайна" in overview  # the minimum, explained
    assert row_of(overview, "Дилер D1") == "Дилер D1 D1 Москва Kia 16 20 4 80% ⚠ мало визитов"
    assert "Дилер D1" not in console.get("/analytics", checklist=MINI.id, enough="1")

    dealer = console.get(f"/analytics/{MINI.id}/dealers/D1")
    assert "⚠ мало визитов: 4, нужно от 5" in dealer  # the dealership's total too
    assert ">n = 4 ⚠<" in bar_of(dealer, "Поприветствовал")
    assert "⚠" not in row_of(console.get(f"/analytics/{MINI.id}/dealers/D2"), "Поприветствовал")


def test_the_overview_filters_by_period_city_brand_and_shopper(server_store, console):
    publish_mini(server_store)
    admin.save_dealers(server_store, [
        Dealership(code="MSK", name="Киа Москва", brand="Kia", city="Москва"),
        Dealership(code="KZN", name="Киа Казань", brand="Kia", city="Казань"),
        Dealership(code="HYU", name="Хендэ Казань", brand="Hyundai", city="Казань"),
    ])
    anna, oleg = Field(server_store), Field(server_store, "Олег Сидоров")
    anna.visit("MSK", approve=True, started_at="2026-09-10T10:00:00Z")
    anna.visit("KZN", approve=True, started_at="2026-10-10T10:00:00Z")
    oleg.visit("HYU", approve=True, started_at="2026-11-10T10:00:00Z")

    def dealers(**query) -> list[str]:
        page = console.get("/analytics", checklist=MINI.id, **query)
        assert page.status == 200
        return sorted(re.findall(r"<td><a [^>]*>([^<]+)</a>", page.html))

    assert dealers() == ["Киа Казань", "Киа Москва", "Хендэ Казань"]
    assert dealers(city="Казань") == ["Киа Казань", "Хендэ Казань"]
    assert dealers(brand="Kia") == ["Киа Казань", "Киа Москва"]
    assert dealers(city="Казань", brand="Kia") == ["Киа Казань"]
    assert dealers(shopper=oleg.device.shopper_id) == ["Хендэ Казань"]
    assert dealers(**{"from": "2026-10"}) == ["Киа Казань", "Хендэ Казань"]
    assert dealers(**{"to": "2026-10"}) == ["Киа Казань", "Киа Москва"]
    assert dealers(**{"from": "2026-10", "to": "2026-10"}) == ["Киа Казань"]
    assert dealers(**{"from": "2026-11", "to": "2026-10"}) == ["Киа Казань", "Хендэ Казань"]  # swapped

    page = console.get("/analytics", checklist=MINI.id, city="Казань", shopper=anna.device.shopper_id, to="2026-10")
    assert '<option value="Казань" selected>' in page.html
    # namesakes are told apart by the end of the id, as in every picker
    assert f'<option value="{anna.device.shopper_id}" selected>Анна Петрова · #{anna.device.shopper_id[-4:]}</option>' \
        in page.html
    assert '<input type="month" name="to" value="2026-10"' in page.html
    # A dealership's link keeps the choice, and its page the way back.
    link = html.unescape(re.search(r'<td><a href="([^"]+)">Киа Казань', page.html).group(1))
    assert "to=2026-10" in link and "city=" in link and f"shopper={anna.device.shopper_id}" in link
    dealer = console.get(link.removeprefix("/console"))
    assert "только визиты тайного покупателя Анна Петрова" in dealer
    back = html.unescape(re.search(r'<a href="([^"]+)">← Все дилерские центры', dealer.html).group(1))
    assert "to=2026-10" in back and f"shopper={anna.device.shopper_id}" in back

    bad = console.get("/analytics", checklist=MINI.id, **{"from": "сентябрь"})
    assert "Не понятен месяц «сентябрь» в поле «С месяца»" in bad
    assert len(re.findall(r"<td><a ", bad.html)) == 3  # not applied


def test_the_shopper_filter_applies_on_a_dealerships_page_and_all_dealerships_stay_everyones(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    anna, oleg = Field(server_store), Field(server_store, "Олег Сидоров")
    anna.visit("D1", greeted=True, approve=True)
    oleg.visit("D1", greeted=False, approve=True)
    oleg.visit("D1", greeted=False, approve=True)

    page = console.get(DEALER_D1, shopper=anna.device.shopper_id)
    assert row_of(page, "Поприветствовал").startswith("Поприветствовал высокий (TOP) 1 1 100%")
    assert row_of(page, "Поприветствовал").endswith("33% 3")  # all dealerships: every shopper


def test_deactivated_shoppers_are_still_offered_apart(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    anna = Field(server_store)
    Field(server_store, "Олег Сидоров")
    with server_store.db.write() as conn:  # as the shoppers page's deactivation leaves the row
        from sqlalchemy import text
        conn.execute(text("UPDATE shoppers SET deactivated_at = '2026-11-01T00:00:00.000000Z' WHERE id = :id"),
                     {"id": anna.device.shopper_id})
    page = console.get("/analytics", checklist=MINI.id)
    options = page.html[page.html.index('<select name="shopper">'):]
    options = options[:options.index("</select>")]
    assert options.index("Олег Сидоров") < options.index('<optgroup label="Деактивированные">') \
        < options.index("Анна Петрова")


def test_a_dealerships_trend_shows_twelve_months_with_the_visits_of_each(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    field = Field(server_store)
    field.visit("D1", greeted=True, approve=True, started_at="2026-11-02T10:00:00Z")
    field.visit("D1", greeted=False, approve=True, started_at="2026-11-03T10:00:00Z")
    field.visit("D1", greeted=False, answers={"test_drive_now": "no", "rings": 9}, approve=True,
                started_at="2026-09-15T10:00:00Z")
    field.visit("D1", approve=False, started_at="2026-10-15T10:00:00Z")  # not approved: not counted

    page = console.get(DEALER_D1, to="2026-11")
    svg = re.search(r'<svg class="months".*?</svg>', page.html, flags=re.S).group(0)
    columns = re.findall(r'<g class="column[^"]*">.*?</g>', svg, flags=re.S)
    assert len(columns) == 12
    assert "декабрь 2025: визитов нет" in columns[0] and ">дек<" in columns[0] and ">2025<" in columns[0]
    assert ">2026<" in columns[1]  # the year again under January
    october, november = columns[10], columns[11]
    assert "октябрь 2026: визитов нет" in october and ">n=0<" in october and 'class="empty"' in october
    assert "ноябрь 2026: 70% (7 из 10 пунктов), визитов: 2" in november and ">n=2 ⚠<" in november
    assert 'class="column share-mid few"' in november
    assert 'class="column share-low few"' in columns[9]  # September: 1 of 5, only the wait met
    assert "Доля выполненных стандартов в этом дилерском центре по месяцам, декабрь 2025 — ноябрь 2026" in page
    assert row_of(page, "ноябрь 2026") == "ноябрь 2026 7 10 2 70% ⚠ мало визитов"
    assert row_of(page, "октябрь 2026") == "октябрь 2026 0 0 0 —"
    # Without a period, the twelve months end with this one (the clock's November 2026).
    assert "декабрь 2025 — ноябрь 2026" in console.get(DEALER_D1)


def test_a_visit_counts_in_the_month_it_started_on_its_dealerships_clock(server_store, console, clock):
    """06:30 on 1 October in Vladivostok (UTC+10) is 30 September in UTC: an October visit
    in the overview, a period's items at all dealerships, and the trend, until the
    dealership's time zone becomes one where it was still September."""
    publish_mini(server_store)
    vladivostok = Dealership(code="VVO", name="Тойота Владивосток", brand="Toyota", city="Владивосток",
                             timezone="Asia/Vladivostok")
    admin.save_dealers(server_store, [vladivostok])
    Field(server_store).visit("VVO", greeted=True, approve=True, started_at="2026-09-30T20:30:00Z")
    page_of_vvo = f"/analytics/{MINI.id}/dealers/VVO"
    september, october = {"from": "2026-09", "to": "2026-09"}, {"from": "2026-10", "to": "2026-10"}

    def dealers(**period) -> list[str]:
        return re.findall(r"<td><a [^>]*>([^<]+)</a>", console.get("/analytics", checklist=MINI.id, **period).html)

    def counted_in(month: str) -> tuple[str, str, str]:
        """The trend's row of the month, and the greeting's row (here, then everywhere) in it."""
        trend = console.get(page_of_vvo, to="2026-11")
        items = console.get(page_of_vvo, **{"from": month, "to": month})
        return row_of(trend, "сентябрь 2026"), row_of(trend, "октябрь 2026"), row_of(items, "Поприветствовал")

    assert dealers(**october) == ["Тойота Владивосток"] and dealers(**september) == []
    assert counted_in("2026-10") == ("сентябрь 2026 0 0 0 —", "октябрь 2026 4 5 1 80% ⚠ мало визитов",
                                     "Поприветствовал высокий (TOP) 1 1 100% ⚠ мало визитов 100% 1")
    assert row_of(console.get(page_of_vvo, **september), "Поприветствовал") == \
        "Поприветствовал высокий (TOP) 0 0 — — 0"

    admin.edit_dealer(server_store, vladivostok.model_copy(update={"timezone": "Europe/Moscow"}))  # 23:30 on 30 Sep
    assert dealers(**october) == [] and dealers(**september) == ["Тойота Владивосток"]
    assert counted_in("2026-09") == ("сентябрь 2026 4 5 1 80% ⚠ мало визитов", "октябрь 2026 0 0 0 —",
                                     "Поприветствовал высокий (TOP) 1 1 100% ⚠ мало визитов 100% 1")
    assert row_of(console.get(page_of_vvo, **october), "Поприветствовал") == "Поприветствовал высокий (TOP) 0 0 — — 0"

    # Without a period, the twelve months end with the month it is at the dealership now.
    clock.advance((8 * 24 + 11) * 3600)  # 20:00 on 30 November in UTC, 23:00 in Moscow
    assert analytics.dealer_report(server_store, MINI.id, "VVO").trend[-1].month == "2026-11"
    admin.edit_dealer(server_store, vladivostok)  # 06:00 on 1 December in Vladivostok
    assert analytics.dealer_report(server_store, MINI.id, "VVO").trend[-1].month == "2026-12"


def test_long_labels_are_wrapped_whole(server_store, console):
    long_text = ("Консультант предложил клиенту тест-драйв выбранной модели и рассказал о программах "
                 "кредитования и трейд-ин")
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    Field(server_store).visit("D1", approve=True)
    data = copy.deepcopy(SHOWROOM) | {"version": 2}
    data["sections"][0]["questions"][1]["text"] = long_text
    server_store.catalog.publish(Checklist.model_validate(data), server_store.now())

    bar = bar_of(console.get(DEALER_D1), "Консультант")
    lines = re.findall(r"<tspan [^>]*>([^<]*)</tspan>", bar)
    assert len(lines) >= 3 and "…" not in bar
    assert " ".join(lines).startswith(long_text)


def test_pages_of_dealerships_keep_the_filters(server_store, console, monkeypatch):
    monkeypatch.setattr(analytics, "PAGE_SIZE", 2)
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2", "D3")
    field = Field(server_store)
    for code in ("D1", "D2", "D3"):
        field.visit(code, approve=True)

    first = console.get("/analytics", checklist=MINI.id, brand="Kia")
    assert "Страница 1 из 2" in first and len(re.findall(r"<td><a ", first.html)) == 2
    link = html.unescape(re.search(r'<a href="([^"]+)" rel="next">', first.html).group(1))
    assert "brand=Kia" in link and "page=2" in link
    second = console.get(link.removeprefix("/console"))
    assert "Страница 2 из 2" in second and len(re.findall(r"<td><a ", second.html)) == 1
    assert "Всего по выбранным визитам: 80% (12 из 15 пунктов); визитов: 3, дилерских центров: 3." in second
    assert "Страница 2 из 2" in console.get("/analytics", checklist=MINI.id, page="9")  # past the end: the last


def test_chart_text_is_escaped(server_store, console):
    publish_mini(server_store)
    admin.save_dealers(server_store, [Dealership(code="X1", name='<script>alert("x")</script> & Co')])
    Field(server_store).visit("X1", approve=True)

    for path in ("/analytics?checklist=" + MINI.id, f"/analytics/{MINI.id}/dealers/X1"):
        page = console.get(path)
        assert "<script>alert" not in page.html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page.html
        assert '<script>alert("x")</script> & Co' in page.text


def test_texts_and_ranks_come_from_the_newest_version(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    Field(server_store).visit("D1", approve=True)
    newer = copy.deepcopy(SHOWROOM)
    newer["version"] = 2
    meeting, test_drive = newer["sections"]
    meeting["questions"][1].update(text="Поприветствовал первым", benchmark="bottom")
    test_drive["questions"] = [q for q in test_drive["questions"] if q["id"] != "mirrors"]
    server_store.catalog.publish(Checklist.model_validate(newer), server_store.now())

    page = console.get(DEALER_D1)
    # The mini checklist's items have no ref: each is its version's own, counted apart
    # (tests/test_standards_across_versions.py adds up a standard over versions).
    assert row_of(page, "Поприветствовал первым") == "Поприветствовал первым низкий (BOTTOM) 0 0 — — 0"
    assert "Пункты, которых нет в последней версии чек-листа" in page
    assert row_of(page, "<td>Поприветствовал <span") == \
        "Поприветствовал (версия 1) высокий (TOP) 1 1 100% ⚠ мало визитов 100% 1"
    assert row_of(page, "Зеркала").endswith("0 1 0% ⚠ мало визитов 0% 1")


def test_the_default_checklist_without_visits_says_so(server_store, console):
    page = console.get("/analytics")
    assert page.status == 200
    assert "Визит в автосалон: доля выполненных стандартов" in page
    assert "пока нет засчитанных визитов" in page
    assert "<svg" not in page.html


def test_an_unknown_dealership_or_checklist_is_not_found(server_store, console):
    publish_mini(server_store)
    assert console.get(f"/analytics/{MINI.id}/dealers/NOPE").status == 404
    assert console.get("/analytics/nope/dealers/D1").status == 404
    assert console.get("/analytics", checklist="nope").status == 404


def test_the_pages_read_in_english(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    Field(server_store).visit("D1", approve=True)
    console.http.get("/console/language/en", params={"next": "/console/analytics"})
    overview = console.get("/analytics", checklist=MINI.id)
    assert "share of standards met per dealership" in overview and "Only approved visits count." in overview
    assert "Approved and waiting for review" in overview and "All mystery shoppers" in overview
    assert "⚠ few visits: 1, 5 needed" in overview and "80% and above" in overview
    dealer = console.get(DEALER_D1)
    assert "Market rank" in dealer and "Month by month" in dealer and "December 2025 to November 2026" in dealer
    assert "November 2026: 80% (4 of 5 items), visits: 1" in dealer
    for russian in ("Всего", "Считаются", "визитов", "Доля", "мало"):  # only the data is in Russian
        assert russian not in dealer.text and russian not in overview.text


@pytest.mark.parametrize("path", ["/analytics", DEALER_D1])
def test_the_pages_have_no_inline_style_or_script(server_store, console, path):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    Field(server_store).visit("D1", approve=True)
    page = console.get(path, checklist=MINI.id) if path == "/analytics" else console.get(path)
    assert "<script" not in page.html and "style=" not in page.html and "<style" not in page.html
