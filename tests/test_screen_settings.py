"""Settings shows the space the app takes on the phone (database, photos, thumbnails),
plainly and in the UI's language."""

from __future__ import annotations

import asyncio

import pytest

from field_app.app import build_app
from field_app.domain.i18n import Translator
from field_app.screens.settings import plain_size
from field_app.services import FieldService

from flet_harness import FletHarness


@pytest.mark.parametrize("size, ru, en", [
    (0, "0 Б", "0 B"),
    (999, "999 Б", "999 B"),
    (1_000, "1,0 КБ", "1.0 KB"),
    (12_345, "12 КБ", "12 KB"),
    (281_234, "281 КБ", "281 KB"),
    (9_960_000, "10 МБ", "10 MB"),
    (350_400_000, "350 МБ", "350 MB"),
    (999_700_000, "1,0 ГБ", "1.0 GB"),
    (1_234_567_890, "1,2 ГБ", "1.2 GB"),
    (2_500_000_000_000, "2500 ГБ", "2500 GB"),
])
def test_a_size_reads_as_a_phone_shows_it_in_each_language(size: int, ru: str, en: str) -> None:
    assert plain_size(size, Translator("ru")) == ru
    assert plain_size(size, Translator("en")) == en


async def shown_space(h: FletHarness) -> str:
    for _ in range(200):  # counted on a worker thread
        await h.settle()
        text = h.by_key("settings-space").value
        if not text.startswith(("Считаем", "Counting")):
            return text
        await asyncio.sleep(0.01)
    raise AssertionError("the space used was never shown")


async def test_settings_shows_the_space_the_app_takes_in_its_language(harnesses, service: FieldService) -> None:
    h = await FletHarness.start(build_app(service), route="/settings")
    harnesses.append(h)
    used = service.space_used()
    assert used.photos > 0 and used.thumbnails > 0 and used.database > 0  # the demo's visit has photos
    assert await shown_space(h) == f"Занято на телефоне: {plain_size(used.total, Translator('ru'))}"

    service.set_language("en")
    h2 = await FletHarness.start(build_app(service), route="/settings")
    harnesses.append(h2)
    assert await shown_space(h2) == f"Used on this phone: {plain_size(service.space_used().total, Translator('en'))}"
