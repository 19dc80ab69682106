"""Units of counters and measures, declined with the number they follow ("1 гудок",
"2 гудка", "5 гудков"; "1 ring", "2 rings").

A checklist names a unit with one word in its own language (`unit: гудков`); a word known
here, in any of its forms, is shown in the form the number asks for; any other word is
shown as written. The checklist's language decides, not the interface's: its questions
stay in their language too.
"""

from __future__ import annotations

from .plural import Number, pick

# Every form of each known unit word, by the checklist's language.
KNOWN: dict[str, list[dict[str, str]]] = {
    "ru": [
        {"one": "попытка", "few": "попытки", "many": "попыток", "other": "попытки"},
        {"one": "гудок", "few": "гудка", "many": "гудков", "other": "гудка"},
        {"one": "звонок", "few": "звонка", "many": "звонков", "other": "звонка"},
        {"one": "раз", "few": "раза", "many": "раз", "other": "раза"},
        {"one": "секунда", "few": "секунды", "many": "секунд", "other": "секунды"},
        {"one": "минута", "few": "минуты", "many": "минут", "other": "минуты"},
        {"one": "час", "few": "часа", "many": "часов", "other": "часа"},
        {"one": "день", "few": "дня", "many": "дней", "other": "дня"},
        {"one": "человек", "few": "человека", "many": "человек", "other": "человека"},
        {"one": "сотрудник", "few": "сотрудника", "many": "сотрудников", "other": "сотрудника"},
        {"one": "автомобиль", "few": "автомобиля", "many": "автомобилей", "other": "автомобиля"},
    ],
    "en": [
        {"one": "attempt", "other": "attempts"},
        {"one": "ring", "other": "rings"},
        {"one": "call", "other": "calls"},
        {"one": "time", "other": "times"},
        {"one": "second", "other": "seconds"},
        {"one": "minute", "other": "minutes"},
        {"one": "hour", "other": "hours"},
        {"one": "day", "other": "days"},
        {"one": "person", "other": "people"},
        {"one": "car", "other": "cars"},
    ],
}


def forms_of(word: str, language: str) -> dict[str, str] | None:
    """All forms of a known unit word (given in any of its forms), or None."""
    wanted = word.strip().lower()
    for forms in KNOWN.get(language, []):
        if wanted in forms.values():
            return forms
    return None


def unit_for(number: Number, word: str, language: str) -> str:
    """`word` in the form `number` asks for; an unknown word as written."""
    forms = forms_of(word, language)
    if forms is None:
        return word
    shown = pick(language, number, forms)
    return shown[:1].upper() + shown[1:] if word.strip()[:1].isupper() else shown
