"""UI strings: `assets/translations/<lang>/<screen>.json`, keys `<screen>.<name>`.

Every string a screen shows comes from here (checklist content is data and comes from the
checklist). A key missing in a language is an error, not a silent fallback: tests render
every screen in every language.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .paths import TRANSLATIONS
LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"


class MissingTranslationError(KeyError):
    "A UI string has no translation in the current language"


@lru_cache(maxsize=None)
def catalogue(language: str, directory: Path = TRANSLATIONS) -> dict[str, str]:
    strings: dict[str, str] = {}
    for path in sorted((directory / language).glob("*.json")):
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            strings[f"{path.stem}.{key}"] = text
    return strings


class Translator:
    def __init__(self, language: str = DEFAULT_LANGUAGE, directory: Path = TRANSLATIONS) -> None:
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
