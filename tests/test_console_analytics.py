"""Analytics pages: each dealership's share of standards met and each item's share beside
its market rank, read from the tally; bar charts drawn as SVG with escaped text."""

from __future__ import annotations

import copy
import re

from field_app.domain.checklist import Checklist
from field_app.domain.records import VisitRevision
from field_app.domain.route import Dealership
from server_stub import admin, devices
from server_stub.visits import put_revision, review_visit

from samples import SHOWROOM
from server_support import DAY, MINI, new_uuid, publish_mini, revision, seed_dealers


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
              **changes) -> str:
        """Send revision `number` of a visit (a new one unless `uuid`); `answers` replace some of
        `server_support.revision()`'s, `changes` its other fields (greeted=, started_at=...)."""
        uuid = uuid or new_uuid()
        if uuid not in self.assignments:
            plan = admin.assign(self.store, self.device.shopper_id, DAY, dealer, MINI.id)
            self.assignments[uuid] = plan.assignment_id
        body = revision(number, assignment_id=self.assignments[uuid], **changes)
        for qid, value in (answers or {}).items():
            body["answers"][qid] = {"value": value, "answered_at": "2026-11-22T10:05:00Z"}
        put_revision(self.store, self.device, uuid, VisitRevision.model_validate(body))
        return uuid


def row_of(page, label: str) -> str:
    """The text of the table row that holds `label`."""
    for row in re.findall(r"<tr>(.*?)</tr>", page.html, flags=re.S):
        if label in row:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    raise AssertionError(f"no row with {label!r}")


def test_an_items_share_is_the_visits_that_met_it_of_those_that_counted_it(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2")
    field = Field(server_store)
    for greeted in (True, True, False):
        field.visit("D1", greeted=greeted)
    field.visit("D2", greeted=False)

    page = console.get(f"/analytics/{MINI.id}/dealers/D1")
    assert page.status == 200
    # greeted: 2 of 3; mirrors (never met) 0 of 3; stopwatch, test drive and rings always met.
    assert row_of(page, "Поприветствовал") == "Поприветствовал высокий (TOP) 2 3 67% 50%"
    assert row_of(page, "Зеркала") == "Зеркала нет в исследовании 0 3 0% 0%"
    assert "Всего по чек-листу «Мини-визит»: 73% (11 из 15)" in page
    assert "Парковка" not in page  # answered N/A in every visit: it never counted
    assert "Встреча" in page and "Тест-драйв" in page  # grouped by section


def test_the_overview_shows_every_dealerships_share_as_bars_and_as_a_table(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2", "D3")
    field = Field(server_store)
    field.visit("D1", greeted=True)
    field.visit("D2", greeted=False)

    page = console.get("/analytics", checklist=MINI.id)
    assert page.status == 200
    assert row_of(page, "Дилер D1").endswith("4 5 80%")
    assert row_of(page, "Дилер D2").endswith("3 5 60%")
    assert "Дилер D3" not in page  # nothing counted there
    svg = re.search(r"<svg .*?</svg>", page.html, flags=re.S).group(0)
    assert 'role="img"' in svg and "<title>Доля выполненных стандартов по дилерским центрам" in svg
    widths = [float(w) for w in re.findall(r'class="fill"[^>]*width="([\d.]+)"', svg)]
    assert widths == [320.0, 240.0]  # 80% and 60% of 400, best first
    assert f'href="/console/analytics/{MINI.id}/dealers/D1"' in svg


def test_chart_text_is_escaped(server_store, console):
    publish_mini(server_store)
    admin.save_dealers(server_store, [Dealership(code="X1", name='<script>alert("x")</script> & Co')])
    Field(server_store).visit("X1")

    for path in ("/analytics?checklist=" + MINI.id, f"/analytics/{MINI.id}/dealers/X1"):
        page = console.get(path)
        assert "<script>alert" not in page.html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page.html
        assert '<script>alert("x")</script> & Co' in page.text


def test_a_returned_visit_leaves_the_shares_until_its_correction_arrives(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    field = Field(server_store)
    field.visit("D1", greeted=True)
    returned = field.visit("D1", greeted=True)
    field.visit("D1", greeted=False)
    assert row_of(console.get(f"/analytics/{MINI.id}/dealers/D1"), "Поприветствовал").endswith("2 3 67% 67%")

    review_visit(server_store, returned, "return", "Проверьте приветствие", by="coordinator")
    assert row_of(console.get(f"/analytics/{MINI.id}/dealers/D1"), "Поприветствовал").endswith("1 2 50% 50%")

    field.visit("D1", number=2, uuid=returned, greeted=False)
    assert row_of(console.get(f"/analytics/{MINI.id}/dealers/D1"), "Поприветствовал").endswith("1 3 33% 33%")


def test_texts_and_ranks_come_from_the_newest_version(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    Field(server_store).visit("D1")
    newer = copy.deepcopy(SHOWROOM)
    newer["version"] = 2
    meeting, test_drive = newer["sections"]
    meeting["questions"][1].update(text="Поприветствовал первым", benchmark="bottom")
    test_drive["questions"] = [q for q in test_drive["questions"] if q["id"] != "mirrors"]
    server_store.catalog.publish(Checklist.model_validate(newer), server_store.now())

    page = console.get(f"/analytics/{MINI.id}/dealers/D1")
    # The mini checklist's items have no ref: each is its version's own, counted apart
    # (tests/test_standards_across_versions.py adds up a standard over versions).
    assert row_of(page, "Поприветствовал первым") == "Поприветствовал первым низкий (BOTTOM) 0 0 — —"
    assert "Пункты, которых нет в последней версии чек-листа" in page
    assert row_of(page, "<td>Поприветствовал <span") == "Поприветствовал (версия 1) высокий (TOP) 1 1 100% 100%"
    assert row_of(page, "Зеркала").endswith("0 1 0% 0%")


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
    Field(server_store).visit("D1")
    console.http.get("/console/language/en", params={"next": "/console/analytics"})
    assert "share of standards met per dealership" in console.get("/analytics", checklist=MINI.id)
    assert "Market rank" in console.get(f"/analytics/{MINI.id}/dealers/D1")
