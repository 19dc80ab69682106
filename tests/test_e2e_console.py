"""The coordinator console in real headless Chromium at a laptop viewport, against a real
server on loopback: log in, create a shopper, import dealerships, plan a route; a visit
arrives through the sync API as a phone sends it; open it, return it with a comment,
read the corrected revision's evidence (a start 1.6 km away: flagged) and approve it with
a comment, download the XLSX and read it back. The analytics of a
year of showroom visits, filtered in the browser, at a laptop's and a tablet's width."""

from __future__ import annotations

import hashlib
import io
import random
import re
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from playwright.sync_api import expect

from field_app.app import open_service
from field_app.domain.clock import ManualClock
from field_app.domain.records import VisitRevision
from field_app.domain.registry import Registry
from field_app.domain.resources import shipped_checklists
from field_app.domain.route import Dealership
from server_stub import admin, devices
from server_stub.visits import put_revision, review_visit

from console_support import PASSWORD, USERNAME
from e2e_support import chromium, needs_chromium, screenshot
from samples import answer_all
from server_support import DAY, MINI, LiveServer, noisy_photo, publish_mini, revision, upload

pytestmark = needs_chromium
LAPTOP = {"width": 1280, "height": 800}
SMALL_LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}
DEALERS_CSV = (
    "code,name,brand,city,address,phone,lat,lon\n"
    "MSK-07,Авто Плюс Север,Kia,Москва,Дмитровское ш. 1,+7 495 000-07-07,55.88,37.55\n"
)


@pytest.fixture
def server(tmp_path, clock):
    from server_stub.settings import Settings

    with LiveServer.start(Settings(data_dir=tmp_path / "server", clock=clock)) as live:
        publish_mini(live.store)
        admin.create_coordinator(live.store, USERNAME, PASSWORD)
        yield live


def test_a_coordinator_plans_reviews_and_exports_a_visit_in_a_browser(server, tmp_path):
    with chromium() as browser:
        page = browser.new_context(viewport=LAPTOP, accept_downloads=True).new_page()
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())  # no internet
        # Every response carries a Content-Security-Policy: nothing on any page may need more.
        refused_by_policy: list[str] = []
        page.on("console", lambda m: refused_by_policy.append(m.text) if "Content Security Policy" in m.text else None)

        page.goto(server.url + "/console/")
        page.get_by_label("Логин").fill(USERNAME)
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        expect(page.get_by_role("heading", name="Визиты")).to_be_visible()

        page.get_by_role("link", name="Тайные покупатели").click()
        page.get_by_label("Имя").fill("Анна Петрова")
        page.get_by_role("button", name="Создать и получить код").click()
        code = page.locator("#pairing-code").inner_text().strip()
        expect(page.locator("figure.qr svg")).to_be_visible()
        screenshot(page, "console_pairing_code")

        page.get_by_role("link", name="Дилерские центры").click()
        csv_path = tmp_path / "dealers.csv"
        csv_path.write_text(DEALERS_CSV, encoding="utf-8")
        page.locator("input[type=file][name=file]").set_input_files(str(csv_path))
        page.get_by_role("button", name="Загрузить").click()
        expect(page.get_by_text("Авто Плюс Север").first).to_be_visible()

        shopper_id = admin.list_shoppers(server.store)[0].id
        page.goto(f"{server.url}/console/routes/{shopper_id}/{DAY.isoformat()}")
        page.locator("input[name=dealer]").fill("MSK-07")
        page.locator("select[name=checklist]").select_option(MINI.id)
        page.locator("input[name=window]").fill("10:00-12:00")
        page.get_by_role("button", name="Добавить").click()
        expect(page.get_by_text("Авто Плюс Север").first).to_be_visible()
        screenshot(page, "console_route_day")

        # The phone: pair with the code from the page, pull the route, send the visit.
        phone = server.client()
        token = phone.post("/devices/pair", json={"code": code, "device_name": "Pixel 8"}).json()["token"]
        phone = server.client(token)
        stops = phone.get("/sync/pull").json()["assignments"]
        assert [s["dealer_code"] for s in stops] == ["MSK-07"]
        uuid = "5a1f0c7e-4b7d-4e0a-9f51-3b1f0e5b2d11"
        picture = noisy_photo((640, 480), seed=3)
        sent = phone.put(f"/visits/{uuid}", json=revision(1, greeted=False, photos=[picture],
                                                          assignment_id=stops[0]["id"]))
        assert sent.status_code == 200, sent.text
        assert upload(phone, picture).status_code == 204

        page.get_by_role("link", name="Визиты").click()
        page.get_by_role("link", name=re.compile(DAY.isoformat())).first.click()
        expect(page.get_by_text("Анна Петрова").first).to_be_visible()
        expect(page.locator("img[src*='/thumb']").first).to_be_visible()
        screenshot(page, "console_visit")
        page.get_by_label("Что исправить").fill("Уточните приветствие <b>консультанта</b>")
        page.get_by_role("button", name="Вернуть на исправление").click()
        expect(page.get_by_text("Уточните приветствие <b>консультанта</b>").first).to_be_visible()

        returned = phone.get("/sync/pull").json()["returned"]
        assert [(r["visit_uuid"], r["comment"]) for r in returned] == [
            (uuid, "Уточните приветствие <b>консультанта</b>")]
        # The correction says where the phone was: it started 1.6 km south of the dealership.
        where = [{"event": "start", "at": "2026-11-22T10:00:04Z", "lat": 55.8656, "lon": 37.55, "accuracy_m": 35},
                 {"event": "photo", "at": "2026-11-22T10:20:02Z", "lat": 55.8803, "lon": 37.5512,
                  "accuracy_m": 12, "photo_sha256": hashlib.sha256(picture).hexdigest()},
                 {"event": "finish", "at": "2026-11-22T10:49:03Z", "lat": 55.8794, "lon": 37.5493, "accuracy_m": 20}]
        again = phone.put(f"/visits/{uuid}", json=revision(2, greeted=True, photos=[picture],
                                                           assignment_id=stops[0]["id"], locations=where))
        assert again.status_code == 200, again.text

        page.set_viewport_size(SMALL_LAPTOP)
        page.reload()
        evidence = page.locator("#evidence")
        expect(evidence.get_by_text("в 1,6 км от метки дилерского центра")).to_be_visible()
        expect(evidence.locator("svg.fixes .fix")).to_have_count(3)
        page.evaluate("document.getElementById('evidence').scrollIntoView()")
        screenshot(page, "console_evidence")
        # Flagged: approved with a comment saying why.
        page.get_by_label("Почему принять").fill("Старт у ТЦ через дорогу, фото и финиш у салона.")
        page.get_by_role("button", name="Принять визит").click()
        expect(page.get_by_text("принят").first).to_be_visible()
        page.set_viewport_size(LAPTOP)

        page.get_by_role("link", name="Выгрузка").click()
        page.locator("select[name=checklist]").select_option(MINI.id)
        page.locator("input[name=format][value=xlsx]").check()
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Скачать").click()
        workbook = openpyxl.load_workbook(io.BytesIO(open(download_info.value.path(), "rb").read()), read_only=True)
        rows = list(workbook.active.iter_rows(values_only=True))
        assert len(rows) == 2, rows
        record = dict(zip(rows[0], rows[1]))
        assert uuid in rows[1]
        assert record["Тайный покупатель"] == "Анна Петрова"
        assert (record["Статус"], record["Ревизия"]) == ("принят", 2)

        # A newer version of the showroom checklist is out (3: evidence photos taken live): the
        # week's planned showroom stops move to it.
        newest = server.store.catalog.newest("showroom_visit").checklist.version
        for days in (0, 1, 2):
            admin.assign(server.store, shopper_id, DAY + timedelta(days=days), "MSK-07", "showroom_visit@1")
        page.get_by_role("link", name="Чек-листы").click()
        repin = page.locator("form[action$='/checklists/showroom_visit/repin']")
        repin.get_by_role("button", name="Посчитать остановки").click()
        expect(page.get_by_text("3 запланированные остановки showroom_visit").first).to_be_visible()
        screenshot(page, "console_repin")
        page.get_by_role("button", name="Перевести 3 остановки").click()
        expect(page.get_by_role("status").filter(has_text=f"showroom_visit@{newest}")).to_be_visible()
        assert {s["checklist_version"] for s in phone.get("/sync/pull").json()["assignments"]
                if s["checklist_id"] == "showroom_visit"} == {newest}

        # On a tablet held upright every page fits its width (wide tables scroll inside).
        page.set_viewport_size(TABLET)
        for path in ("/visits", "/routes", "/shoppers", "/dealers", "/checklists", "/analytics", f"/visits/{uuid}"):
            page.goto(server.url + "/console" + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, overflow)
        screenshot(page, "console_visit_tablet")
        assert refused_by_policy == []


# --- analytics ---------------------------------------------------------------------------

ANALYTICS_DEALERS = [  # code, name, brand, city, how often a shopper finds a standard met
    ("MSK-07", "Авто Плюс Север", "Kia", "Москва", 0.8),
    ("MSK-12", "Киа Центр Юг", "Kia", "Москва", 0.92),
    ("KZN-03", "Хендэ Казань Премиум", "Hyundai", "Казань", 0.6),
    ("KZN-08", "Киа Казань", "Kia", "Казань", 0.35),
    ("SPB-01", "Хендэ Нева", "Hyundai", "Санкт-Петербург", 0.7),
]


def send_showroom_year(store, folder) -> None:
    """Showroom visits over the year to the clock's November at five dealerships, answered as
    a phone answers them (the shipped checklist's newest version), most of them approved."""
    rng = random.Random(16)
    checklist = store.catalog.newest("showroom_visit").checklist
    admin.save_dealers(store, [Dealership(code=code, name=name, brand=brand, city=city)
                               for code, name, brand, city, _ in ANALYTICS_DEALERS])
    shoppers = []
    for name in ("Анна Петрова", "Олег Сидоров"):
        code = admin.create_shopper(store, name)
        token = devices.pair(store, code.pairing_code, "Pixel 8").token
        with store.db.read() as conn:
            shoppers.append(devices.recognise(conn, token))
    first = datetime(2025, 12, 2, 10, 0, tzinfo=timezone.utc)
    plan = sorted((rng.uniform(0, 350), code, good)
                  for (code, _, _, _, good), count in zip(ANALYTICS_DEALERS, (18, 8, 6, 4, 2)) for _ in range(count))
    for days, code, good in plan:
        clock = ManualClock(first + timedelta(days=days))
        phone = open_service(folder / f"phone-{days:.3f}", clock)
        phone.store.save_checklist(Registry.from_directory(shipped_checklists()).get(
            "showroom_visit", checklist.version).checklist)
        uuid = phone.store.start_visit("showroom_visit", checklist.version, at=clock.now()).uuid
        answer_all(phone, uuid, wait=rng.choice([30, 200, 400]))
        for question in checklist.questions():
            if question.type == "yes_no" and question.id in phone.visit(uuid).visible(clock.now()) \
                    and rng.random() > good:
                phone.answer(uuid, question.id, False)
        clock.advance(60)
        device = rng.choice(shoppers)
        stop = admin.assign(store, device.shopper_id, clock.now().date(), code, "showroom_visit")
        sent = phone.finalize(uuid).model_dump() | {"assignment_id": stop.assignment_id}
        put_revision(store, device, uuid, VisitRevision.model_validate(sent))
        if rng.random() < 0.85:
            review_visit(store, uuid, "approve", "", by="coordinator")
        phone.store.close()


LABELS_WHOLE = """() => [...document.querySelectorAll('svg.bars')].flatMap(svg => {
    const view = svg.viewBox.baseVal;
    return [...svg.querySelectorAll('text.label tspan, text.note tspan')]
        .filter(t => { const b = t.getBBox();
                       return b.x < 0 || b.x + b.width > 296 || b.y < 0 || b.y + b.height > view.height; })
        .map(t => t.textContent);
})"""


def test_the_analytics_read_right_in_a_browser(server, tmp_path):
    send_showroom_year(server.store, tmp_path)
    with chromium() as browser:
        page = browser.new_context(viewport=SMALL_LAPTOP).new_page()
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
        refused_by_policy: list[str] = []
        page.on("console", lambda m: refused_by_policy.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(server.url + "/console/login")
        page.get_by_label("Логин").fill(USERNAME)
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()

        page.get_by_role("link", name="Аналитика").click()
        expect(page.get_by_text("Считаются только принятые визиты.")).to_be_visible()
        chart = page.locator("figure.chart svg.bars")
        expect(chart).to_be_visible()
        assert chart.locator("g.bar").count() == 5
        assert chart.locator("g.share-high, g.share-mid, g.share-low").count() == 5  # coloured by share
        assert chart.locator("text.count").first.text_content().startswith("n = ")
        assert page.evaluate(LABELS_WHOLE) == []
        page.locator("section[aria-labelledby=dealers-heading]").evaluate("section => section.scrollIntoView()")
        screenshot(page, "console_analytics")

        page.locator("select[name=city]").select_option("Казань")
        page.get_by_role("button", name="Показать").click()
        expect(page.locator("select[name=city]")).to_have_value("Казань")
        assert "city=" in page.url and page.locator("figure.chart g.bar").count() == 2

        page.locator("select[name=city]").select_option("")
        page.get_by_role("button", name="Показать").click()
        page.get_by_role("link", name="Авто Плюс Север", exact=True).click()
        expect(page.get_by_role("heading", name="По месяцам")).to_be_visible()
        assert page.locator("svg.months g.column").count() == 12
        assert page.locator("svg.bars g.mark").count() > 10  # the market rank, a mark of its own
        assert page.evaluate(LABELS_WHOLE) == []
        page.locator("section[aria-labelledby=trend-heading]").evaluate("section => section.scrollIntoView()")
        screenshot(page, "console_analytics_dealer")

        # A tablet held upright: the pages fit its width, and the labels are still whole.
        page.set_viewport_size(TABLET)
        for path in ("/analytics", "/analytics/showroom_visit/dealers/MSK-07?status=all"):
            page.goto(server.url + "/console" + path)
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, path
            assert page.evaluate(LABELS_WHOLE) == [], path
        assert refused_by_policy == []
