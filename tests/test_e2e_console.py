"""The coordinator console in real headless Chromium at a laptop viewport, against a real
server on loopback: log in, create a shopper, import dealerships, plan a route; a visit
arrives through the sync API as a phone sends it; open it, return it with a comment,
approve the corrected revision, download the XLSX and read it back."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from playwright.sync_api import expect

from server_stub import admin

from console_support import PASSWORD, USERNAME
from e2e_support import chromium, needs_chromium, screenshot
from server_support import DAY, MINI, LiveServer, noisy_photo, publish_mini, revision, upload

pytestmark = needs_chromium
LAPTOP = {"width": 1280, "height": 800}
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
        again = phone.put(f"/visits/{uuid}", json=revision(2, greeted=True, photos=[picture],
                                                           assignment_id=stops[0]["id"]))
        assert again.status_code == 200, again.text

        page.reload()
        page.get_by_role("button", name="Принять визит").click()
        expect(page.get_by_text("принят").first).to_be_visible()

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

        # Version 2 of the showroom checklist is out: the week's planned showroom stops move to it.
        for days in (0, 1, 2):
            admin.assign(server.store, shopper_id, DAY + timedelta(days=days), "MSK-07", "showroom_visit@1")
        page.get_by_role("link", name="Чек-листы").click()
        repin = page.locator("form[action$='/checklists/showroom_visit/repin']")
        repin.get_by_role("button", name="Посчитать остановки").click()
        expect(page.get_by_text("3 запланированные остановки showroom_visit").first).to_be_visible()
        screenshot(page, "console_repin")
        page.get_by_role("button", name="Перевести 3 остановки").click()
        expect(page.get_by_role("status").filter(has_text="showroom_visit@2")).to_be_visible()
        assert {s["checklist_version"] for s in phone.get("/sync/pull").json()["assignments"]
                if s["checklist_id"] == "showroom_visit"} == {2}

        # On a tablet held upright every page fits its width (wide tables scroll inside).
        page.set_viewport_size(TABLET)
        for path in ("/visits", "/routes", "/shoppers", "/dealers", "/checklists", "/analytics", f"/visits/{uuid}"):
            page.goto(server.url + "/console" + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, overflow)
        screenshot(page, "console_visit_tablet")
        assert refused_by_policy == []
