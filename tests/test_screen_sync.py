"""The sync screen and the ways to it: who and which server, when the last sync was, what
waits (visits, and photos with a bar each that moves during a run), problems in plain
words (no connection vs refused and why), unpairing behind a question, Today's badge,
Settings, the background loop, and correcting a returned visit. The sync client is
`fake_sync.FakeSync`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import flet as ft
import pytest

from field_app.app import build_app
from field_app.domain import problems
from field_app.domain.records import VisitStatus
from field_app.domain.i18n import LANGUAGES, Translator, catalogue
from field_app.screens.sync_text import reason, size_text, when_text
from field_app.services import FieldService

from fake_sync import DEVICE, SERVER, SHOPPER, FakeSync, problem
from flet_harness import FletHarness, no_failing_handlers, until  # noqa: F401 (autouse fixture)
from samples import answer_all
from shown_text import data_strings, shown_strings, untranslated
from test_screen_semantics import hidden_semantics_content

A, B = "a" * 64, "b" * 64  # two photos' sha256


@pytest.fixture
def fake(clock) -> FakeSync:
    return FakeSync(clock, paired=True)


async def start(harnesses, service: FieldService, fake: FakeSync, route: str = "/sync") -> FletHarness:
    h = await FletHarness.start(build_app(service, fake, auto_sync=fake.auto_sync, sync_interval_s=12),
                                route=route)
    harnesses.append(h)
    return h


def notices(h: FletHarness) -> list[str]:
    return [d.content.value for d in h.dialogs() if isinstance(d, ft.SnackBar)]


async def run_finished(h: FletHarness, fake: FakeSync, runs: int = 1) -> None:
    await until(lambda: fake.runs >= runs and not fake.running)
    await h.settle()
    await until(lambda: not h.by_key("sync-now").disabled)


async def step(h: FletHarness, fake: FakeSync) -> None:
    """Let the run report one more progress, and the screen show it."""
    reported = len(fake.emitted)
    fake.step()
    await until(lambda: len(fake.emitted) > reported)
    await h.settle()


def returned_visit(service: FieldService) -> str:
    """Today's showroom visit, finalized and sent back by the coordinator."""
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == "dealer_call")
    uuid = service.open_stop(stop.assignment.id)
    answer_all(service, uuid)
    service.finalize(uuid)
    service.store.mark_returned(uuid)
    return uuid


# --- words ---------------------------------------------------------------------------------


def test_every_problem_code_has_plain_words_in_every_language():
    for language in LANGUAGES:
        strings = catalogue(language)
        assert [c for c in problems.ALL if f"sync.problem.{c}" not in strings] == [], language
    assert reason(Translator("ru"), "no_such_code") == (
        "Сервер сообщил об ошибке (код no_such_code). Обратитесь к координатору.")


def test_sizes_and_times_in_the_shoppers_language(clock):
    ru, en = Translator("ru"), Translator("en")
    assert [size_text(ru, n) for n in (512, 250_000, 1_572_864)] == ["512 Б", "244 КБ", "1,5 МБ"]
    assert size_text(en, 1_572_864) == "1.5 MB"
    now = clock.now()
    assert when_text(ru, None, now) == "ещё не было" and when_text(en, None, now) == "never"
    assert when_text(ru, now - timedelta(seconds=20), now) == "только что"
    assert when_text(ru, now - timedelta(minutes=7), now) == "7 мин назад"
    two_hours = (now - timedelta(hours=2)).astimezone()
    if two_hours.date() == now.astimezone().date():
        assert when_text(ru, two_hours, now) == f"сегодня в {two_hours:%H:%M}"
    days_ago = (now - timedelta(days=3)).astimezone()
    assert when_text(en, days_ago, now) == f"{days_ago:%B} {days_ago.day}, {days_ago.year} at {days_ago:%H:%M}"
    assert when_text(ru, days_ago, now).startswith(f"{days_ago.day} ")  # 19 ноября 2026 в ..., never 19.11.2026


# --- what is shown -------------------------------------------------------------------------


async def test_unpaired_explains_and_leads_to_pairing(harnesses, service, clock):
    fake = FakeSync(clock)
    h = await start(harnesses, service, fake)
    assert h.top_view().appbar.title.value == "Синхронизация"
    card = h.by_key("sync-unpaired")
    assert h.texts(card)[0] == "Телефон не подключён к серверу"
    assert "Визиты и фото сохраняются на телефоне" in h.texts(card)[1]
    assert not h.has_key("sync-now") and not h.has_key("unpair")

    await h.click(h.button("Подключить телефон"))
    await h.settle()
    assert h.top_view().route == "/pair"


async def test_paired_shows_who_where_and_when(harnesses, service, fake, clock):
    fake.last_success_at = clock.now() - timedelta(minutes=5)
    h = await start(harnesses, service, fake)
    assert h.texts(h.by_key("sync-account")) == [
        f"Тайный покупатель: {SHOPPER}", f"Сервер: {SERVER}", f"Телефон: {DEVICE}",
        "Последняя синхронизация: 5 мин назад",
    ]
    assert h.by_key("sync-nothing-waiting").value == "Всё отправлено."
    assert not h.has_key("sync-problem")
    button = h.by_key("sync-now")
    assert button.content == "Синхронизировать сейчас" and button.height >= 56 and not button.disabled


async def test_never_synced_says_so(harnesses, service, fake):
    h = await start(harnesses, service, fake)
    assert h.by_key("sync-last").value == "Последняя синхронизация: ещё не было"


async def test_what_waits_visits_and_each_photo_with_how_much_the_server_has(harnesses, service, fake):
    fake.wait({A: (2_097_152, 1_048_576), B: (307_200, 0)}, visits=2)
    h = await start(harnesses, service, fake)
    assert h.by_key("sync-waiting-visits").value == "Визиты: 2"
    assert h.by_key("sync-waiting-size").value == "Всего к отправке: 1,3 МБ"
    assert h.by_key("sync-waiting-photos").value == "Фото: 2"
    assert h.texts(h.by_key(f"sync-photo-{A}")) == ["Фото 1 · 2,0 МБ", "На сервере: 1,0 МБ из 2,0 МБ"]
    assert h.texts(h.by_key(f"sync-photo-{B}")) == ["Фото 2 · 300 КБ", "На сервере: 0 Б из 300 КБ"]
    assert h.by_key(f"sync-photo-bar-{A}").value == 0.5
    assert h.by_key(f"sync-photo-bar-{B}").value == 0.0
    assert not h.shown("sync-progress")


async def test_call_recordings_wait_apart_from_photos_and_a_refused_one_is_named(harnesses, service, fake, clock):
    C = "c" * 64
    fake.wait({A: (307_200, 0), C: (2_097_152, 524_288)}, visits=1, recordings=(C,))
    fake.refused = [problem("refused", "audio_too_long", clock.now(), f"recording {C}")]
    h = await start(harnesses, service, fake)
    assert h.by_key("sync-waiting-photos").value == "Фото: 1"
    assert h.by_key("sync-waiting-recordings").value == "Записи звонков: 1"
    assert h.texts(h.by_key(f"sync-photo-{C}")) == ["Запись 1 · 2,0 МБ", "На сервере: 512 КБ из 2,0 МБ"]
    assert h.texts(h.by_key(f"sync-photo-{A}"))[0] == "Фото 1 · 300 КБ"
    assert [i.icon for i in h.find(ft.Icon, root=h.by_key(f"sync-photo-{C}"))] == [ft.Icons.MIC]
    assert h.texts(h.by_key("sync-refused-0"))[1] == "Запись звонка · только что"


@pytest.mark.parametrize("language, held", [
    ("ru", "Визиты, сделанные под учётной записью другого покупателя: 2. "
           "Они ждут, когда телефон снова подключат к этой учётной записи."),
    ("en", "Visits made under another shopper's account: 2. They wait for that account to be paired again."),
])
async def test_another_shoppers_visits_are_listed_apart_so_nothing_looks_lost(harnesses, service, fake, language,
                                                                             held):
    service.set_language(language)
    fake.held_visits = 2
    h = await start(harnesses, service, fake)
    assert h.by_key("sync-held-visits").value == held
    assert not h.has_key("sync-nothing-waiting")  # they are not sent

    fake.wait({A: (1000, 0)})
    await h.go("/")
    await h.go("/sync")
    assert h.by_key("sync-held-visits").value == held
    assert h.by_key("sync-waiting-visits").value.endswith(": 1") and h.has_key(f"sync-photo-{A}")


# --- a run ---------------------------------------------------------------------------------


async def test_sync_now_moves_the_bars_then_shows_the_final_state(harnesses, service, fake):
    fake.wait({A: (1000, 200), B: (600, 0)})
    fake.plan_upload(chunks=2)
    fake.stepping = True
    h = await start(harnesses, service, fake)
    button = h.by_key("sync-now")
    bar_a, bar_b = h.by_key(f"sync-photo-bar-{A}"), h.by_key(f"sync-photo-bar-{B}")

    await h.click(button)
    assert button.disabled and h.by_key("unpair").disabled
    assert h.shown("sync-progress") and h.by_key("sync-phase").value == "Начинаем…"

    await step(h, fake)  # pull
    assert h.by_key("sync-phase").value == "Получаем маршрут…"
    await step(h, fake)  # visits
    assert h.by_key("sync-phase").value == "Отправляем визиты…"
    seen = []
    for _ in range(4):  # two chunks of each photo
        await step(h, fake)
        seen.append((bar_a.value, bar_b.value, h.by_key("sync-overall").value))
    assert h.by_key("sync-phase").value == "Отправляем фото…"
    assert seen == [(0.6, 0.0, 400 / 1400), (1.0, 0.0, 800 / 1400), (1.0, 0.5, 1100 / 1400), (1.0, 1.0, 1.0)]
    assert h.texts(h.by_key(f"sync-photo-{B}"))[1] == "На сервере: 600 Б из 600 Б"
    assert button.disabled

    await step(h, fake)  # done
    await run_finished(h, fake)
    assert h.by_key("sync-nothing-waiting").value == "Всё отправлено."
    assert h.by_key("sync-last").value == "Последняя синхронизация: только что"
    assert not h.has_key(f"sync-photo-{A}") and not h.shown("sync-progress")
    assert notices(h) == ["Синхронизация завершена."]


async def test_a_second_tap_during_a_run_starts_nothing(harnesses, service, fake):
    fake.wait({A: (1000, 0)})
    fake.plan_upload(chunks=1)
    fake.stepping = True
    h = await start(harnesses, service, fake)
    await h.click(h.by_key("sync-now"))
    await step(h, fake)
    await h.go("/")  # away and back: the new screen shows the run under way
    await h.go("/sync")
    assert h.by_key("sync-now").disabled and h.shown("sync-progress")
    assert h.by_key("sync-phase").value == "Получаем маршрут…"
    for _ in range(3):
        await step(h, fake)
    await run_finished(h, fake)
    assert fake.runs == 1


async def test_no_connection_says_it_will_retry_by_itself(harnesses, service, fake, clock):
    fake.wait({A: (1000, 0)})
    fake.plan = fake.plan_upload(chunks=2)[:3]  # cut during the first photo
    fake.outcome = "network"
    h = await start(harnesses, service, fake)
    await h.click(h.by_key("sync-now"))
    await run_finished(h, fake)

    assert h.by_key("sync-problem-text").value == (
        "Нет связи с сервером. Приложение повторит отправку само, когда связь появится.")
    assert "Когда: только что" in h.texts(h.by_key("sync-problem"))
    assert h.by_key(f"sync-photo-bar-{A}").value == 0.5  # what got there stays got there
    assert h.by_key("sync-waiting-visits").value == "Визиты: 1"
    assert notices(h) == ["Нет связи с сервером. Приложение повторит само."]


async def test_a_refusal_says_why_and_lists_what_was_refused(harnesses, service, fake, clock):
    now = clock.now()
    fake.outcome = [problem("refused", "revision_conflict", now), problem("refused", "image_corrupt", now)]
    h = await start(harnesses, service, fake)
    await h.click(h.by_key("sync-now"))
    await run_finished(h, fake)

    assert h.by_key("sync-problem-text").value == (
        "Сервер не принял данные. Фото повреждено, сервер не может его открыть. Переснимите фото.")
    assert "Сервер не принял" in h.texts()
    assert h.texts(h.by_key("sync-refused-0"))[0] == (
        "На сервере уже есть эта версия визита с другими ответами. Обратитесь к координатору.")
    assert h.texts(h.by_key("sync-refused-1"))[0] == (
        "Фото повреждено, сервер не может его открыть. Переснимите фото.")
    assert notices(h) == ["Сервер не принял часть данных (2). Подробности — на экране синхронизации."]


async def test_a_refused_item_says_which_visit_or_photo_it_was(harnesses, service, fake, clock):
    uuid = returned_visit(service)
    now = clock.now()
    fake.refused = [problem("refused", "revision_invalid", now, f"visit {uuid} r1"),
                    problem("refused", "image_corrupt", now, f"photo {A}"),
                    problem("refused", "checklist_not_found", now, "pull"),
                    problem("refused", "revision_invalid", now, "visit 00000000-0000-4000-8000-00000000dead r1")]
    h = await start(harnesses, service, fake)
    assert [h.texts(h.by_key(f"sync-refused-{i}"))[1] for i in range(4)] == [
        "Визит: Автоцентр «Северный» · только что", "Фото · только что", "Получение маршрута · только что",
        "только что"]


@pytest.mark.parametrize("language, again, at_once", [
    ("ru", "Приложение само отправит снова завтра в {time}; «Синхронизировать сейчас» отправит сразу.",
     "Приложение само отправит снова при следующей синхронизации; «Синхронизировать сейчас» отправит сразу."),
    ("en", "The app will send it again by itself tomorrow at {time}; “Sync now” sends it at once.",
     "The app will send it again with the next sync; “Sync now” sends it at once."),
])
async def test_a_refused_item_says_when_it_is_sent_again_by_itself(harnesses, service, fake, clock, language, again,
                                                                   at_once):
    service.set_language(language)
    now = clock.now()
    tomorrow = now + timedelta(hours=24)
    fake.refused = [replace(problem("refused", "image_corrupt", now, f"photo {A}"), retry_at=tomorrow),
                    replace(problem("refused", "revision_invalid", now, "pull"), retry_at=now)]
    h = await start(harnesses, service, fake)
    assert h.by_key("sync-refused-retry-0").value == again.format(time=f"{tomorrow.astimezone():%H:%M}")
    assert h.by_key("sync-refused-retry-1").value == at_once
    assert h.texts(h.by_key("sync-refused-0"))[0] == reason(Translator(language), "image_corrupt")


async def test_a_revoked_phone_is_told_to_pair_again(harnesses, service, clock):
    fake = FakeSync(clock)
    fake.last_problem = problem("unpaired", "token_revoked", clock.now())
    h = await start(harnesses, service, fake)
    assert h.has_key("sync-unpaired")
    assert h.by_key("sync-problem-text").value == (
        "Сервер больше не принимает этот телефон. Подключите его заново кодом от координатора.")


async def test_an_unexpected_failure_of_a_run_is_a_notice_not_a_crash(harnesses, service, fake):
    def fail() -> None:
        raise RuntimeError("disk gone")

    fake.after_run = fail
    h = await start(harnesses, service, fake)
    await h.click(h.by_key("sync-now"))
    await until(lambda: notices(h))
    assert notices(h) == ["Что-то пошло не так. Ваши ответы сохранены; попробуйте ещё раз."]
    assert not h.by_key("sync-now").disabled


# --- unpairing -----------------------------------------------------------------------------


async def test_unpairing_asks_first_and_keeps_the_data(harnesses, service, fake):
    fake.wait({A: (1000, 0)})
    visits_before = service.store.visits()
    h = await start(harnesses, service, fake)

    await h.click(h.by_key("unpair"))
    [dialog] = h.dialogs()
    assert dialog.title.value == "Отключить телефон?"
    assert "Визиты и фото останутся на телефоне" in dialog.content.value
    assert "снова подключат к учётной записи этого покупателя" in dialog.content.value
    await h.click(h.button("Отмена", root=dialog))
    assert fake.unpair_calls == 0 and fake.paired

    await h.click(h.by_key("unpair"))
    [dialog] = h.dialogs()
    await h.click(h.button("Отключить", root=dialog))
    await until(lambda: notices(h))
    assert fake.unpair_calls == 1
    assert notices(h) == ["Телефон отключён. Все данные остались на телефоне."]
    assert h.has_key("sync-unpaired") and h.has_key(f"sync-photo-{A}")  # still waiting, still here
    assert service.store.visits() == visits_before


def test_the_unpair_question_says_unsent_visits_wait_for_this_shoppers_account():
    assert Translator("ru")("sync.unpair_message").endswith(
        "неотправленные уйдут, когда телефон снова подключат к учётной записи этого покупателя "
        "(подключение другого покупателя их не отправит).")
    assert Translator("en")("sync.unpair_message").endswith(
        "those not yet sent go when this phone is paired again with this shopper's account "
        "(pairing it as another shopper does not send them).")


# --- the ways in ---------------------------------------------------------------------------


async def test_today_shows_what_waits_and_opens_sync(harnesses, service, fake):
    fake.wait({A: (1000, 0), B: (1000, 0)}, visits=1)
    h = await start(harnesses, service, fake, route="/")
    button = h.by_key("open-sync")
    assert button.badge == "3"
    [wrapper] = [s for s in h.find(ft.Semantics) if s.content is button]
    assert wrapper.label == "Синхронизация: ждут отправки визиты: 1, фото: 2" == button.tooltip
    assert wrapper.button

    await h.click(button)
    await h.settle()
    assert h.top_view().route == "/sync"
    await h.back()
    await h.settle()
    assert h.top_view().route == "/"


async def test_today_says_when_the_phone_is_unpaired_or_all_is_sent(harnesses, service, clock):
    h = await start(harnesses, service, FakeSync(clock), route="/")
    assert h.by_key("open-sync").tooltip == "Синхронизация: телефон не подключён. Ждут отправки визиты: 0, фото: 0"
    h2 = await start(harnesses, service, FakeSync(clock, paired=True), route="/")
    assert h2.by_key("open-sync").tooltip == "Синхронизация: всё отправлено" and h2.by_key("open-sync").badge is None
    assert hidden_semantics_content(h2) == []


async def test_settings_shows_the_pairing_and_opens_sync(harnesses, service, fake):
    h = await start(harnesses, service, fake, route="/settings")
    tile = h.by_key("settings-sync")
    assert h.texts(tile) == [f"Подключён: {SHOPPER}", f"{SERVER} · синхронизация"]
    assert tile.min_height >= 48
    await h.click(tile)
    await h.settle()
    assert h.top_view().route == "/sync"


# --- in the background -----------------------------------------------------------------------


async def test_the_background_loop_starts_with_the_session_and_stops_with_it(harnesses, service, fake):
    h = await start(harnesses, service, fake, route="/")
    await until(lambda: fake.auto_running)
    assert fake.auto_interval == 12
    await h.event(h.page, "close")
    await until(lambda: not fake.auto_running)


async def test_a_background_run_moves_the_sync_screen_too(harnesses, service, fake):
    fake.wait({A: (1000, 0)})
    fake.plan_upload(chunks=2)
    fake.stepping = True
    h = await start(harnesses, service, fake)
    await until(lambda: fake.auto_running)
    fake.kick()
    for _ in range(3):
        await step(h, fake)
    assert h.by_key("sync-now").disabled
    assert h.by_key(f"sync-photo-bar-{A}").value == 0.5
    for _ in range(2):
        await step(h, fake)
    await run_finished(h, fake)
    assert h.by_key("sync-nothing-waiting").value == "Всё отправлено."
    assert notices(h) == []  # only a run the shopper started tells how it went


async def test_a_background_run_that_fails_does_not_leave_the_screen_running(harnesses, service, fake):
    def fail() -> None:
        raise RuntimeError("disk gone")

    fake.wait({A: (1000, 0)})
    fake.plan_upload(chunks=1)
    fake.after_run = fail
    h = await start(harnesses, service, fake)
    await until(lambda: fake.auto_running)
    fake.kick()
    await until(lambda: fake.runs == 1 and not fake.running)
    await until(lambda: not h.by_key("sync-now").disabled)
    assert not h.shown("sync-progress") and notices(h) == []
    assert fake.auto_running  # and the loop goes on


async def test_a_pull_that_returns_a_visit_redraws_today(harnesses, service, fake):
    stop = next(s for s in service.overview().today if s.assignment.checklist_id == "dealer_call")
    uuid = service.open_stop(stop.assignment.id)
    answer_all(service, uuid)
    service.finalize(uuid)
    fake.after_run = lambda: service.store.mark_returned(uuid)
    h = await start(harnesses, service, fake, route="/")
    card = h.by_key(f"stop-{stop.assignment.id}")
    assert "Завершён" in h.texts(card)

    await until(lambda: fake.auto_running)
    fake.kick()
    await until(lambda: fake.runs == 1 and not fake.running)
    await until(lambda: h.by_key(f"stop-{stop.assignment.id}") is not card)
    card = h.by_key(f"stop-{stop.assignment.id}")
    assert "Возвращён на исправление" in h.texts(card)
    assert h.button("Исправить", root=card)


async def test_a_run_that_changes_nothing_leaves_today_alone(harnesses, service, fake):
    h = await start(harnesses, service, fake, route="/")
    view = h.top_view()
    await until(lambda: fake.auto_running)
    fake.kick()
    await until(lambda: fake.runs == 1 and not fake.running)
    await h.settle()
    assert h.top_view() is view


# --- a returned visit ------------------------------------------------------------------------


async def test_a_returned_visit_shows_the_comment_and_correcting_reopens_it(harnesses, service, fake):
    uuid = returned_visit(service)
    revision = service.visit(uuid).revision
    fake.comments[uuid] = "Нет фото визитки консультанта, добавьте, пожалуйста."
    h = await start(harnesses, service, fake, route=f"/review/{uuid}")

    assert h.texts(h.by_key("finalized")) == ["Координатор вернул звонок на исправление."]  # a call
    assert h.texts(h.by_key("returned-comment")) == [
        "Комментарий координатора", "Нет фото визитки консультанта, добавьте, пожалуйста."]
    button = h.by_key("reopen")
    assert button.content == "Исправить звонок" and button.height >= 48

    await h.click(button)
    await h.settle()
    visit = service.visit(uuid)
    assert visit.status == VisitStatus.IN_PROGRESS and visit.revision == revision + 1
    assert h.page.route == f"/visit/{uuid}"
    assert service.open_visit() == (uuid, service.current_section(uuid))


async def test_today_leads_a_returned_visit_to_its_review(harnesses, service, fake):
    uuid = returned_visit(service)
    stop = next(s for s in service.overview().today if s.visit_uuid == uuid)
    h = await start(harnesses, service, fake, route="/")
    await h.click(h.button("Исправить", root=h.by_key(f"stop-{stop.assignment.id}")))
    await h.settle()
    assert h.top_view().route == f"/review/{uuid}"
    assert service.visit(uuid).status == VisitStatus.RETURNED  # nothing changes before "correct it"


async def test_no_comment_when_the_sync_client_keeps_none(harnesses, service, clock):
    class Older(FakeSync):
        returned_comment = None  # a sync client without the method

    uuid = returned_visit(service)
    h = await start(harnesses, service, Older(clock, paired=True), route=f"/review/{uuid}")
    assert not h.has_key("returned-comment") and h.has_key("reopen")


# --- languages -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_sync_screens_show_only_translated_text(harnesses, service, fake, clock, produced, language):
    service.set_language(language)
    uuid = returned_visit(service)
    fake.comments[uuid] = "Добавьте фото."
    fake.wait({A: (2_000_000, 500_000), B: (1000, 0)}, visits=2)
    fake.last_success_at = clock.now() - timedelta(days=2)
    fake.outcome = [problem("refused", "hash_mismatch", clock.now()), problem("refused", "mystery", clock.now())]
    fake.plan_upload(chunks=2)
    h = await start(harnesses, service, fake)
    shown = shown_strings(h)
    await h.click(h.by_key("sync-now"))
    await run_finished(h, fake)
    shown += shown_strings(h)
    fake.outcome = "network"
    await h.click(h.by_key("sync-now"))
    await run_finished(h, fake, runs=2)
    shown += shown_strings(h)
    await h.click(h.by_key("unpair"))
    shown += shown_strings(h)
    [dialog] = [d for d in h.dialogs() if isinstance(d, ft.AlertDialog)]
    await h.click(dialog.actions[0])  # cancel
    for route in ("/", "/settings", f"/review/{uuid}", "/pair"):
        await h.go(route)
        await h.settle()
        shown += shown_strings(h)
    await h.go("/sync")
    await h.click(h.by_key("unpair"))
    [dialog] = [d for d in h.dialogs() if isinstance(d, ft.AlertDialog)]
    await h.click(dialog.actions[-1])
    await until(lambda: h.has_key("sync-unpaired"))
    shown += shown_strings(h)

    data = data_strings() | {SHOPPER, SERVER, DEVICE, "Добавьте фото."}
    assert untranslated(shown, produced | data) == []
    own = Translator(language).shown()
    others = set().union(*(Translator(o).shown() for o in LANGUAGES if o != language))
    assert {s for s in shown if s in others - own and s not in data} == set()
