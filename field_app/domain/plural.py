"""Plural categories of the Unicode CLDR for the app's languages, and a word picked by them.

    ru  one   v = 0 and i % 10 = 1 and i % 100 != 11             1, 21, 101      гудок
        few   v = 0 and i % 10 = 2..4 and i % 100 != 12..14      2, 3, 24        гудка
        many  v = 0 and (i % 10 = 0 or 5..9, or i % 100 = 11..14) 0, 5, 11, 112   гудков
        other everything else (a fraction)                       1.5             гудка
    en  one   i = 1 and v = 0                                    1               ring
        other everything else                                    0, 2, 1.5       rings

`i` is the integer part of the number as shown, `v` the number of its shown fraction
digits (so "1.0" is `other` in English, as CLDR says). A number is taken as the app shows
it: a float with no fraction is a whole number.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

CATEGORIES = ("zero", "one", "two", "few", "many", "other")
# The categories each language uses, as its translations must give them.
USED = {"ru": ("one", "few", "many", "other"), "en": ("one", "other")}

Number = int | float | Decimal | str


def operands(number: Number) -> tuple[int, int]:
    """(i, v): the integer digits and the count of visible fraction digits."""
    if isinstance(number, bool):
        raise TypeError("a plural needs a number, not a bool")
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    text = str(number).strip().lstrip("+-").replace(",", ".").replace("\u00a0", "").replace(" ", "")
    try:
        Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {number!r}") from None
    if "e" in text.lower():
        text = format(Decimal(text), "f")
    whole, _, fraction = text.partition(".")
    return int(whole or "0"), len(fraction)


def category(language: str, number: Number) -> str:
    """The CLDR plural category of `number` in `language` ('ru' or 'en')."""
    i, v = operands(number)
    if language == "ru":
        if v:
            return "other"
        if i % 10 == 1 and i % 100 != 11:
            return "one"
        if 2 <= i % 10 <= 4 and not 12 <= i % 100 <= 14:
            return "few"
        return "many"
    if language == "en":
        return "one" if i == 1 and v == 0 else "other"
    raise ValueError(f"no plural rules for {language!r}")


def pick(language: str, number: Number, forms: Mapping[str, str]) -> str:
    """The form for `number` among `forms` (category -> text), `other` when it lacks one."""
    return forms.get(category(language, number)) or forms["other"]
