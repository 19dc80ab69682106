"""The evidence panel of a visit's page (issue 17, point 5), through the phone's real PUT
and upload and the console, on SQLite and PostgreSQL: flags in words with their numbers,
the other visit linked, the fixes drawn around the dealership's pin, photo capture times
on the timeline; and a flagged visit approved only with a comment, alone or not at all
in a bulk approval."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import text

from server_stub import admin
from server_stub.console import fix_map

from console_support import Phone
from server_support import DAY, MINI, new_uuid, publish_mini, seed_dealers, sha
from test_server_evidence import camera_photo, fix, honest, north

SVG = "{http://www.w3.org/2000/svg}"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


@pytest.fixture
def phone(server_store, console, clock) -> Phone:
    """A paired phone; the server's clock at 11:00 UTC on the visits' day, dealership D1
    pinned at test_server_evidence.PIN, with the default radius of 300 m."""
    clock.advance(2 * 3600)
    publish_mini(server_store)
    seed_dealers(server_store, "D1")
    return Phone(console, server_store)


def planned(store) -> str:
    """A stop of the phone's shopper at D1: the visit's assignment."""
    with store.db.read() as conn:
        shopper_id = conn.execute(text("SELECT id FROM shoppers")).scalar_one()
    return admin.assign(store, shopper_id, DAY, "D1", MINI.id).assignment_id


def visit(phone, store, photo: bytes, **changes) -> str:
    """An honest visit at D1 (test_server_evidence.honest) with these changes, its photo
    uploaded unless the server holds it already."""
    uuid = new_uuid()
    receipt = phone.send(uuid, honest(photo, assignment_id=planned(store), **changes))
    if sha(photo) in receipt["missing_photos"]:
        phone.upload(photo)
    return uuid


def panel_of(page) -> str:
    """The evidence panel's text, as a reader sees it."""
    found = re.search(r'<section id="evidence".*?</section>', page.html, re.S)
    assert found, "no evidence panel"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))).strip()


def drawing(page) -> ET.Element:
    found = re.search(r'<svg class="fixes".*?</svg>', page.html, re.S)
    assert found, "no drawing of the fixes"
    return ET.fromstring(found.group(0))


def dots(svg: ET.Element) -> list[tuple[str, float, float, str]]:
    """(classes, cx, cy, label) of each fix drawn."""
    found = []
    for group in svg.iter(SVG + "g"):
        if "fix" in group.get("class", "").split():
            dot = next(c for c in group.iter(SVG + "circle") if c.get("class") == "dot")
            found.append((group.get("class"), float(dot.get("cx")), float(dot.get("cy")),
                          group.find(SVG + "text").text))
    return found


def radius_px(svg: ET.Element) -> float:
    return float(next(c for c in svg.iter(SVG + "circle") if c.get("class") == "radius").get("r"))


def test_an_honest_visit_says_no_flags_and_draws_its_fixes_to_scale(console, phone, server_store):
    photo = camera_photo(1)
    uuid = visit(phone, server_store, photo)
    page = console.get(f"/visits/{uuid}")
    panel = panel_of(page)
    assert "Флагов нет: проверки не нашли в этой версии ничего подозрительного." in panel
    assert "⚑" not in panel and "ещё не выполнены" not in panel

    svg = drawing(page)
    drawn = dots(svg)
    assert [(classes, label) for classes, _, _, label in drawn] == [
        ("fix fix-start", "начало"), ("fix fix-photo", "фото 1"), ("fix fix-finish", "конец")]
    # The pin in the middle; the finish 90 m north and the start 40 m north of it, the radius
    # 300 m: each as far from the middle, in px, as its share of the radius says.
    centre, r = fix_map.SIZE / 2, radius_px(svg)
    start, finish = drawn[0], drawn[2]
    assert start[1] == pytest.approx(centre, abs=0.01) and finish[1] == pytest.approx(centre, abs=0.01)
    assert (centre - finish[2]) / r == pytest.approx(90 / 300, rel=0.01)
    assert (centre - start[2]) / r == pytest.approx(40 / 300, rel=0.01)
    assert "300 м" in panel  # the radius written on its circle


def test_a_far_visit_says_how_far_in_words_and_draws_the_fix_on_the_edge(console, phone, server_store):
    photo = camera_photo(2)
    body_start = fix("start", "2026-11-22T10:00:04Z", north(2_000))
    uuid = visit(phone, server_store, photo, locations=[
        body_start, fix("photo", "2026-11-22T10:20:02Z", photo_sha256=sha(photo)),
        fix("finish", "2026-11-22T10:48:03Z", north(90))])
    page = console.get(f"/visits/{uuid}")
    panel = panel_of(page)
    assert "⚑ 1 флаг: посмотрите его, прежде чем принять визит." in panel
    assert ("Точка при начале визита — в 2,0 км от метки дилерского центра: за пределами его радиуса 300 м, "
            "даже с учётом точности ±20 м.") in panel

    svg = drawing(page)
    drawn = dots(svg)
    assert len(drawn) == 3
    far = drawn[0]
    assert far[0] == "fix fix-start clamped" and far[3] == "начало · 2,0 км"
    # on the plot's top edge, straight north of the pin
    assert far[2] == pytest.approx(fix_map.SIZE / 2 - fix_map.HALF) and far[1] == pytest.approx(fix_map.SIZE / 2)
    # The view reaches VIEW_RADII radii at most: the radius circle keeps its proportion to it.
    assert radius_px(svg) == pytest.approx(fix_map.HALF / fix_map.VIEW_RADII, rel=0.001)


def test_a_reused_photo_links_the_other_visit(console, phone, server_store):
    photo = camera_photo(3)
    first = visit(phone, server_store, photo)
    second = visit(phone, server_store, photo)
    page = console.get(f"/visits/{second}")
    panel = panel_of(page)
    assert "Фото к вопросу «Фото фасада» — тот же файл, что и фото другого визита." in panel
    assert "Другой визит: 2026-11-22 10:00 · Дилер D1 · Анна Петрова" in panel
    assert f'href="/console/visits/{first}"' in page.html
    # and the first visit names the second
    assert f'href="/console/visits/{second}"' in console.get(f"/visits/{first}").html


def test_photo_capture_times_are_on_the_timeline_in_the_dealerships_zone(console, phone, server_store):
    early = camera_photo(4, taken="2026:11:22 12:00:00")  # 09:00 UTC: an hour before the start
    uuid = visit(phone, server_store, early)
    page = console.get(f"/visits/{uuid}")
    assert ("Хронология версии 1 Время в часовом поясе дилерского центра, Europe/Moscow. "
            "Время фото — по самой камере (EXIF). Время Что "
            "2026-11-22 12:00 Снято фото: «Фото фасада» ⚑ до начала, за 60 мин "
            "2026-11-22 13:00 Визит начат 2026-11-22 13:48 Визит завершён") in page
    assert "Фото к вопросу «Фото фасада» снято в 2026-11-22 12:00, за 60 мин до начала визита." in panel_of(page)

    inside = camera_photo(5)  # 13:20 Moscow: mid-visit
    page = console.get(f"/visits/{visit(phone, server_store, inside)}")
    assert "2026-11-22 13:00 Визит начат 2026-11-22 13:20 Снято фото: «Фото фасада» 2026-11-22 13:48" in page
    assert "до начала" not in page.text


def verdicts(store, uuid: str) -> list[tuple[str, str]]:
    with store.db.read() as conn:
        rows = conn.execute(text("SELECT action, comment FROM visit_reviews WHERE visit_uuid = :u ORDER BY reviewed_at"),
                            {"u": uuid})
        return [(r.action, r.comment) for r in rows]


def test_a_flagged_visit_is_approved_only_with_a_comment(console, phone, server_store):
    photo = camera_photo(6)
    uuid = visit(phone, server_store, photo, locations=[fix("start", "2026-11-22T10:00:04Z", north(2_000))])
    page = console.get(f"/visits/{uuid}")
    approve_form = page.html.split("/approve")[1].split("</form>")[0]
    assert re.search(r'<textarea name="comment" rows="3" cols="50" maxlength="\d+" required>', approve_form)
    assert "Почему принять, несмотря на флаги (сохранится вместе с решением)" in approve_form

    for comment in ("", "   "):  # the browser's `required` aside, the server refuses
        refused = console.post(f"/visits/{uuid}/approve", {"revision": "1", "comment": comment})
        assert refused.status == 400
        assert "У этой версии есть флаги: напишите, почему вы всё же принимаете визит." in refused
        assert phone.status(uuid) == "received" and verdicts(server_store, uuid) == []

    done = console.post(f"/visits/{uuid}/approve", {"revision": "1", "comment": "  Точка старта с парковки ТЦ.  "})
    assert done.status == 200 and "Визит принят." in done
    assert phone.status(uuid) == "approved"
    assert verdicts(server_store, uuid) == [("approve", "Точка старта с парковки ТЦ.")]
    assert "Точка старта с парковки ТЦ." in done  # among the verdicts on the page


def test_an_honest_visit_is_approved_without_a_comment(console, phone, server_store):
    uuid = visit(phone, server_store, camera_photo(7))
    page = console.get(f"/visits/{uuid}")
    assert 'name="comment"' not in page.html.split("/approve")[1].split("</form>")[0]
    assert console.post(f"/visits/{uuid}/approve", {"revision": "1"}).status == 200
    assert verdicts(server_store, uuid) == [("approve", "")]


def test_approving_several_leaves_the_flagged_ones_and_names_them(console, phone, server_store):
    honest_one = visit(phone, server_store, camera_photo(8))
    flagged = visit(phone, server_store, camera_photo(9), locations=[])  # no location at all
    chosen = [f"{honest_one}:1", f"{flagged}:1"]
    confirm = console.post("/visits/approve", {"visit": chosen, "view": "review"})
    assert "Будет принят 1 визит:" in confirm
    assert "1 визит с флагами — решение на его странице" in confirm
    assert re.findall(r'name="visit" value="([^"]+)"', confirm.html) == [f"{honest_one}:1"]
    assert f'href="/console/visits/{flagged}?view=review"' in confirm.html

    # Sent anyway (flags computed between the confirmation and the click): the library checks.
    page = console.post("/visits/approve", {"visit": chosen, "view": "review", "confirm": "yes"})
    assert page.url.endswith(f"/console/visits?view=review&approved=1&flagged={flagged}")
    assert "1 визит не принят: у него есть флаги. Откройте его, посмотрите доказательства и примите там" in page
    assert f'href="/console/visits/{flagged}?view=review"' in page.html
    assert phone.status(honest_one) == "approved" and phone.status(flagged) == "received"
    assert verdicts(server_store, flagged) == []


def test_not_computed_flags_and_a_visit_off_route_are_said_so(console, phone, server_store):
    uuid = new_uuid()
    phone.send(uuid, honest(camera_photo(10)))  # no assignment: no dealership
    with server_store.db.write() as conn:  # as a revision whose flags failed to compute
        conn.execute(text("UPDATE visit_revisions SET flags_at = NULL WHERE visit_uuid = :u"), {"u": uuid})
        conn.execute(text("DELETE FROM revision_flags WHERE visit_uuid = :u"), {"u": uuid})
    panel = panel_of(console.get(f"/visits/{uuid}"))
    assert "Проверки этой версии ещё не выполнены" in panel and "Флагов нет" not in panel
    assert "Визит не из маршрута: нет дилерского центра, вокруг которого показать точки." in panel
    assert "1 фото" not in panel


def test_the_panel_reads_in_one_language(console, phone, server_store):
    photo = camera_photo(11, taken="2026:11:22 12:00:00")
    first = visit(phone, server_store, photo, locations=[fix("start", "2026-11-22T10:00:04Z", north(2_000))])
    uuid = visit(phone, server_store, photo)  # the same photo: reused, and taken early
    russian = panel_of(console.get(f"/visits/{uuid}"))
    assert "тот же файл" in russian and "за 60 мин до начала" in russian
    # Latin words only from the data: the dealership's code D1 is two letters.
    assert LATIN_WORD.findall(russian) == []

    console.http.get("/console/language/en", params={"next": f"/console/visits/{uuid}"})
    page = console.get(f"/visits/{uuid}")
    english = panel_of(page)
    assert ("The photo for “Фото фасада” is the same file as a photo of another visit." in english
            and "was taken at 2026-11-22 12:00, 60 min before the visit started." in english)
    # Cyrillic only from the data: the question, the dealership's and the shopper's names.
    assert CYRILLIC.findall(english.replace("Фото фасада", "").replace("Дилер", "").replace("Анна Петрова", "")) == []
    first_panel = panel_of(console.get(f"/visits/{first}"))
    assert "The fix at the start is 2.0 km from the dealership's pin" in first_panel and "start · 2.0 km" in first_panel
