"""UI strings: `field_app/translations/<lang>/<screen>.json`, keys `<screen>.<name>`.

Every string a screen shows comes from here (checklist content is data and comes from the
checklist). A key missing in a language is an error, not a silent fallback: tests render
every screen in every language.

A text that follows a number gives its plural forms by CLDR category, and is asked for
with that number as `count`:

    "missing_title": {"one": "Остался {count} пункт", "few": "Осталось {count} пункта",
                      "many": "Осталось {count} пунктов", "other": "Осталось {count} пункта"}
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources.abc import Traversable

from .plural import pick
from .resources import app_translations

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"


class MissingTranslationError(KeyError):
    "A UI string has no translation in the current language"


@lru_cache(maxsize=None)
def catalogue(language: str, directory: Traversable | None = None) -> dict[str, str | dict[str, str]]:
    strings: dict[str, str | dict[str, str]] = {}
    folder = (directory or app_translations()) / language
    for item in sorted(folder.iterdir(), key=lambda item: item.name):
        if item.name.endswith(".json"):
            screen = item.name.removesuffix(".json")
            for key, text in json.loads(item.read_text(encoding="utf-8")).items():
                strings[f"{screen}.{key}"] = text
    return strings


class Translator:
    def __init__(self, language: str = DEFAULT_LANGUAGE, directory: Traversable | None = None) -> None:
        """`directory` holds a folder per language (the console keeps its own)."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")
        self.language = language
        self._strings = catalogue(language, directory)

    def __call__(self, key: str, **values: object) -> str:
        try:
            text = self._strings[key]
        except KeyError:
            raise MissingTranslationError(f"no {self.language} text for {key!r}") from None
        if isinstance(text, dict):  # plural forms, picked by `count`
            if "count" not in values:
                raise TypeError(f"{key!r} has plural forms: give it count=")
            text = pick(self.language, values["count"], text)  # type: ignore[arg-type]
        return text.format(**values) if values else text

    def shown(self) -> set[str]:
        """Every text this language can show (for tests that look for untranslated text)."""
        found: set[str] = set()
        for text in self._strings.values():
            found.update(text.values() if isinstance(text, dict) else [text])
        return found
