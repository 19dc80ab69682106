"""UI strings: `field_app/translations/<lang>/<screen>.json`, keys `<screen>.<name>`.

Every string a screen shows comes from here (checklist content is data and comes from the
checklist). A key missing in a language is an error, not a silent fallback: tests render
every screen in every language.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources.abc import Traversable

from .resources import app_translations

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"


class MissingTranslationError(KeyError):
    "A UI string has no translation in the current language"


@lru_cache(maxsize=None)
def catalogue(language: str, directory: Traversable | None = None) -> dict[str, str]:
    strings: dict[str, str] = {}
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
        return text.format(**values) if values else text

    def shown(self) -> set[str]:
        """Every text this language can show (for tests that look for untranslated text)."""
        return set(self._strings.values())
