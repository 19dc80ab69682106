"""The pairing screen: the address and code as a shopper types them, pairing off the event
loop with the button off and a ring meanwhile, then the sync screen and a notice; what
went wrong in plain words under the form. The sync client is `fake_sync.FakeSync`."""

from __future__ import annotations

import asyncio
import threading

import flet as ft
import pytest

from field_app.app import build_app, open_service
from field_app.screens.pair import pairing_code, server_url
from field_app.services import FieldService
from field_app.sync.errors import InvalidServerUrlError, NetworkError, ServerRefusedError

from fake_sync import SHOPPER, FakeSync
from flet_harness import FletHarness, no_failing_handlers, until  # noqa: F401 (autouse fixture)
from shown_text import data_strings, shown_strings, untranslated


@pytest.fixture
def fake(clock) -> FakeSync:
    return FakeSync(clock)


async def start(harnesses, service: FieldService, fake: FakeSync, route: str = "/pair", **props) -> FletHarness:
    h = await FletHarness.start(build_app(service, fake, auto_sync=fake.auto_sync), route=route, **props)
    harnesses.append(h)
    return h


def field(h: FletHarness, key: str) -> ft.TextField:
    return h.by_key(key)


def field_errors(h: FletHarness) -> list[str]:
    """What the fields say under them (Flet 1.0's `error`, which shown_strings does not read)."""
    return [f.error for f in h.find(ft.TextField) if isinstance(f.error, str)]


def notices(h: FletHarness) -> list[str]:
    return [d.content.value for d in h.dialogs() if isinstance(d, ft.SnackBar)]


async def fill(h: FletHarness, server: str | None = None, code: str | None = None, device: str | None = None) -> None:
    for key, text in (("pair-server", server), ("pair-code", code), ("pair-device", device)):
        if text is not None:
            await h.type(field(h, key), text)


# --- what is accepted ------------------------------------------------------------------


@pytest.mark.parametrize("typed, wanted", [
    ("https://audit.example.ru", "https://audit.example.ru"),
    ("  https://audit.example.ru/  ", "https://audit.example.ru"),
    ("http://192.168.1.20:8000", "http://192.168.1.20:8000"),
    ("HTTPS://Audit.Example.ru/base", "HTTPS://Audit.Example.ru/base"),
    ("https://", None), ("audit.example.ru", None), ("ftp://audit.example.ru", None),
    ("https://audit example.ru", None), ("https://audit.example.ru:99999", None), ("", None),
])
def test_the_server_address_must_be_an_http_url(typed, wanted):
    assert server_url(typed) == wanted


@pytest.mark.parametrize("typed, wanted", [
    ("ABCD-EFGH", "ABCDEFGH"), ("abcd-efgh", "ABCDEFGH"), ("abcdefgh", "ABCDEFGH"), (" ab cd ef 23 ", "ABCDEF23"),
    ("ABCD-EFG", None), ("ABCD-EFGHI", None), ("ABCD_EFGH", None), ("АБВГ-ДЕЖЗ", None), ("", None),
])
def test_the_code_is_eight_letters_and_digits_with_or_without_a_dash(typed, wanted):
    assert pairing_code(typed) == wanted


# --- pairing -----------------------------------------------------------------------------


async def test_the_form_starts_with_https_and_the_phones_kind(harnesses, service, fake):
    h = await start(harnesses, service, fake)
    assert h.top_view().appbar.title.value == "Подключение к серверу"
    assert field(h, "pair-server").value == "https://"
    assert field(h, "pair-server").label == "Адрес сервера"
    assert field(h, "pair-code").hint_text == "ABCD-EFGH"
    assert field(h, "pair-device").value == "Браузер"  # the harness is the web client
    h2 = await start(harnesses, service, fake, web=False, platform="android")
    assert field(h2, "pair-device").value == "Телефон Android"


async def test_pairing_sends_the_cleaned_code_then_opens_sync_with_a_notice(harnesses, service, fake):
    h = await start(harnesses, service, fake)
    await fill(h, "https://audit.example.ru/", "abcd-efgh", "Телефон Анны")
    await h.click(h.by_key("pair"))
    await until(lambda: h.top_view().route == "/sync")

    assert fake.pair_calls == [("https://audit.example.ru", "ABCDEFGH", "Телефон Анны")]
    assert h.page.route == "/sync"
    assert f"Тайный покупатель: {SHOPPER}" in h.texts()
    await until(lambda: fake.runs == 1 and not fake.running)  # the route at once, not in 30 s
    await h.settle()
    assert notices(h) == [f"Телефон подключён. Вы — {SHOPPER}."]  # and no second notice for that run
    assert h.by_key("sync-last").value == "Последняя синхронизация: только что"


async def test_the_button_is_off_with_a_ring_while_the_server_answers(harnesses, service, fake):
    fake.pair_gate = threading.Event()
    h = await start(harnesses, service, fake)
    await fill(h, "https://audit.example.ru", "ABCD-EFGH")
    button = h.by_key("pair")
    assert not button.disabled and not h.shown("pair-working")

    click = asyncio.ensure_future(h.click(button))
    await until(lambda: fake.pair_calls)
    await h.settle()
    assert button.disabled and h.shown("pair-working")
    assert "Подключаемся к серверу…" in h.texts()
    assert field(h, "pair-code").disabled  # nothing to edit under the request

    fake.pair_gate.set()
    await click
    await until(lambda: h.top_view().route == "/sync")
    assert len(fake.pair_calls) == 1


async def test_a_wrong_address_is_said_under_the_field_and_nothing_is_sent(harnesses, service, fake):
    h = await start(harnesses, service, fake)
    server = field(h, "pair-server")
    await fill(h, "audit.example.ru", "ABCD-EFGH")
    await h.blur(server)
    assert server.error == "Введите адрес сервера целиком, например https://audit.example.ru"

    await h.click(h.by_key("pair"))
    assert fake.pair_calls == [] and h.top_view().route == "/pair"

    await h.type(server, "https://audit.example.ru")  # right again: the message goes at once
    assert server.error is None


async def test_a_short_code_is_said_under_the_field_and_nothing_is_sent(harnesses, service, fake):
    h = await start(harnesses, service, fake)
    await h.click(h.by_key("pair"))  # nothing typed yet
    assert field(h, "pair-code").error == "Код — 8 латинских букв и цифр, например ABCD-EFGH"
    assert field(h, "pair-server").error is not None  # "https://" alone is no address

    await fill(h, "https://audit.example.ru", "ABC-DEF", "")
    await h.click(h.by_key("pair"))
    assert field(h, "pair-code").error == "Код — 8 латинских букв и цифр, например ABCD-EFGH"
    assert field(h, "pair-device").error == "Назовите телефон, чтобы координатор его узнал"
    assert fake.pair_calls == []


async def test_no_connection_says_check_the_address_and_the_network(harnesses, service, fake):
    fake.pair_answer = NetworkError("connection refused")
    h = await start(harnesses, service, fake)
    await fill(h, "https://audit.example.ru", "ABCD-EFGH")
    await h.click(h.by_key("pair"))
    await until(lambda: h.shown("pair-error"))

    assert h.by_key("pair-error").value == (
        "Не удалось связаться с сервером. Проверьте адрес и интернет и попробуйте ещё раз.")
    assert h.top_view().route == "/pair" and not fake.paired
    assert not h.by_key("pair").disabled and not h.shown("pair-working")


@pytest.mark.parametrize("code, reason", [
    ("pairing_code_used", "Этот код уже использован. Попросите новый у координатора."),
    ("pairing_code_expired", "Срок действия кода истёк. Попросите новый у координатора."),
    ("pairing_code_unknown", "Такого кода нет. Проверьте код или попросите новый у координатора."),
    ("teapot", "Сервер сообщил об ошибке (код teapot). Обратитесь к координатору."),
])
async def test_a_refusal_says_why_in_plain_words(harnesses, service, fake, code, reason):
    fake.pair_answer = ServerRefusedError(code, "This pairing code has already been used.", 409)
    h = await start(harnesses, service, fake)
    await fill(h, "https://audit.example.ru", "ABCD-EFGH")
    await h.click(h.by_key("pair"))
    await until(lambda: h.shown("pair-error"))
    assert h.by_key("pair-error").value == f"Сервер отказал. {reason}"

    await h.type(field(h, "pair-code"), "ABCD-EFGJ")  # editing takes the old answer away
    assert not h.shown("pair-error")


async def test_an_address_the_sync_client_refuses_is_said_in_plain_words(harnesses, service, fake):
    fake.pair_answer = InvalidServerUrlError("not an http(s) URL")
    h = await start(harnesses, service, fake)
    await fill(h, "https://audit.example.ru", "ABCD-EFGH")
    await h.click(h.by_key("pair"))
    await until(lambda: h.shown("pair-error"))
    assert h.by_key("pair-error").value == "Адрес сервера должен начинаться с https:// или http://."


async def test_the_real_sync_client_with_no_server_there_says_no_connection(harnesses, service):
    h = await FletHarness.start(build_app(service, auto_sync=None), route="/pair")  # the real SyncService
    harnesses.append(h)
    await fill(h, "http://127.0.0.1:9", "ABCD-EFGH")  # the discard port: nothing listens
    await h.click(h.by_key("pair"))
    await until(lambda: h.shown("pair-error"), timeout=30)
    assert h.by_key("pair-error").value == (
        "Не удалось связаться с сервером. Проверьте адрес и интернет и попробуйте ещё раз.")


async def test_pairing_with_a_real_server_then_the_first_sync(harnesses, tmp_path, clock, live_server):
    from server_stub import admin

    code = admin.create_shopper(live_server.store, "Мария Иванова").pairing_code  # "ABCD-EFGH"
    service = open_service(tmp_path / "phone", clock)  # a new phone: no demo visits to send
    h = await FletHarness.start(build_app(service, auto_sync=None), route="/pair")  # the real SyncService
    harnesses.append(h)
    await fill(h, live_server.url, code.lower(), "Тестовый телефон")
    await h.click(h.by_key("pair"))
    await until(lambda: h.top_view().route == "/sync", timeout=30)
    assert notices(h) == ["Телефон подключён. Вы — Мария Иванова."]
    assert "Тайный покупатель: Мария Иванова" in h.texts()
    await until(lambda: not h.by_key("sync-now").disabled, timeout=30)  # the first sync ran
    assert not h.has_key("sync-problem"), h.texts(h.by_key("sync-problem"))
    assert h.by_key("sync-last").value == "Последняя синхронизация: только что"

    # A code another phone has used is refused, and the screen says why. (This phone may
    # use its own code again: that is how a pairing whose answer was lost is retried.)
    other = admin.create_shopper(live_server.store, "Пётр Сидоров").pairing_code
    assert live_server.client().post("/devices/pair", json={"code": other, "device_name": "X"}).status_code == 200
    await h.go("/pair")
    await fill(h, live_server.url, other)
    await h.click(h.by_key("pair"))
    await until(lambda: h.shown("pair-error"), timeout=30)
    assert h.by_key("pair-error").value == (
        "Сервер отказал. Этот код уже использован. Попросите новый у координатора.")
    service.store.close()


async def test_an_unexpected_failure_gets_the_general_message(harnesses, service, fake):
    fake.pair_answer = RuntimeError("boom")
    h = await start(harnesses, service, fake)
    await fill(h, "https://audit.example.ru", "ABCD-EFGH")
    await h.click(h.by_key("pair"))
    await until(lambda: h.shown("pair-error"))
    assert h.by_key("pair-error").value == "Что-то пошло не так. Ваши ответы сохранены; попробуйте ещё раз."


async def test_a_paired_phone_is_told_that_pairing_again_replaces_it(harnesses, service, clock):
    fake = FakeSync(clock, paired=True)
    h = await start(harnesses, service, fake)
    assert h.by_key("pair-already").value == (
        f"Телефон уже подключён ({SHOPPER}, https://audit.example.ru). Новое подключение заменит его.")


async def test_back_from_pairing_is_the_sync_screen(harnesses, service, fake):
    h = await start(harnesses, service, fake)
    await h.back()
    await h.settle()
    assert h.top_view().route == "/sync"


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_the_pairing_screen_shows_only_translated_text(harnesses, service, fake, produced, language):
    service.set_language(language)
    fake.pair_answer = ServerRefusedError("pairing_code_used", "used", 409)
    h = await start(harnesses, service, fake)
    await fill(h, "ftp://x", "abc")
    await h.click(h.by_key("pair"))
    shown = shown_strings(h) + field_errors(h)
    assert len(field_errors(h)) == 2
    await fill(h, "https://audit.example.ru", "ABCD-EFGH")
    await h.click(h.by_key("pair"))
    await until(lambda: h.shown("pair-error"))
    shown += shown_strings(h)
    typed = {"ftp://x", "abc", "https://audit.example.ru", "ABCD-EFGH"}
    assert untranslated(shown, produced | data_strings() | typed) == []
    if language == "en":
        assert h.by_key("pair").content == "Pair"
        assert h.by_key("pair-error").value == (
            "The server refused. This code has already been used. Ask your coordinator for a new one.")
