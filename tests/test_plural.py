"""Numbers and the words after them: CLDR plural categories for Russian and English, unit
words of checklists declined by them, and translations with plural forms."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from field_app.domain.i18n import LANGUAGES, Translator, catalogue
from field_app.domain.plural import USED, category, operands, pick
from field_app.domain.units import KNOWN, unit_for

whole = st.integers(min_value=0, max_value=10**12)

# The sample numbers of CLDR's plurals.xml (v45) for each category.
CLDR_SAMPLES = {
    "ru": {
        "one": [1, 21, 31, 41, 51, 61, 71, 81, 101, 1001],
        "few": [2, 3, 4, 22, 23, 24, 32, 33, 34, 42, 43, 44, 52, 53, 54, 62, 102, 1002],
        "many": [0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 100, 1000, 10000, 100000, 1000000],
        "other": ["0.0", "0.1", "1.5", "10.0", "100.0", "1000.0"],
    },
    "en": {
        "one": [1],
        "other": [0, 2, 3, 16, 100, 1000, 10000, 100000, 1000000, "0.0", "0.1", "1.0", "1.5", "10.0"],
    },
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_cldr_samples_fall_in_their_categories(language):
    for expected, numbers in CLDR_SAMPLES[language].items():
        assert {n: category(language, n) for n in numbers} == {n: expected for n in numbers}


@given(whole)
def test_russian_whole_numbers_follow_their_last_two_digits(n):
    last, tens = n % 10, n % 100
    got = category("ru", n)
    assert got == category("ru", tens) == category("ru", n + 100)
    if 11 <= tens <= 14:
        assert got == "many"
    elif last == 1:
        assert got == "one"
    elif last in (2, 3, 4):
        assert got == "few"
    else:
        assert got == "many"


@given(whole, st.integers(min_value=1, max_value=3))
def test_a_shown_fraction_is_other_in_both_languages(n, digits):
    shown = f"{n}.{'5' * digits}"
    assert category("ru", shown) == category("en", shown) == "other"
    assert category("ru", Decimal(shown)) == "other"


@given(whole)
def test_english_has_one_only_for_one(n):
    assert category("en", n) == ("one" if n == 1 else "other")


@given(whole)
def test_a_float_with_no_fraction_is_the_whole_number_it_is_shown_as(n):
    assert category("ru", float(n)) == category("ru", n)
    assert category("en", float(n)) == category("en", n)


def test_operands_are_those_of_the_number_as_shown():
    assert operands(5) == (5, 0)
    assert operands("1.50") == (1, 2)
    assert operands("3,5") == (3, 1)
    assert operands(-21) == (21, 0)
    assert operands(2.0) == (2, 0)
    assert operands(1e20) == (10**20, 0)
    with pytest.raises(TypeError):
        operands(True)
    with pytest.raises(ValueError):
        operands("пять")


@given(st.sampled_from(["ru", "en"]), whole)
def test_pick_gives_the_category_s_form_or_other(language, n):
    forms = {c: f"<{c}>" for c in USED[language]}
    assert pick(language, n, forms) == f"<{category(language, n)}>"
    assert pick(language, n, {"other": "x"}) == "x"


@pytest.mark.parametrize("given_as", ["гудок", "гудка", "гудков", "Гудков"])
def test_a_unit_word_in_any_form_is_declined(given_as):
    shown = [f"{n} {unit_for(n, given_as, 'ru').lower()}" for n in (1, 2, 5, 11, 21, 22, 25, 112)]
    assert shown == ["1 гудок", "2 гудка", "5 гудков", "11 гудков", "21 гудок", "22 гудка", "25 гудков",
                     "112 гудков"]


def test_units_of_the_shipped_checklists():
    assert [unit_for(n, "попытка", "ru") for n in (1, 2, 3, 5, 11)] == [
        "попытка", "попытки", "попытки", "попыток", "попыток"]
    assert [unit_for(n, "ring", "en") for n in (0, 1, 2)] == ["rings", "ring", "rings"]
    assert unit_for(1, "rings", "en") == "ring"
    assert unit_for(3, "с", "ru") == "с"  # an abbreviation, or any unknown word, as written
    assert unit_for(3, "гудков", "en") == "гудков"  # the checklist's language decides


@given(st.sampled_from(sorted(KNOWN)), st.data())
def test_every_known_unit_has_each_category_its_language_uses(language, data):
    forms = data.draw(st.sampled_from(KNOWN[language]))
    assert set(forms) == set(USED[language])
    n = data.draw(whole)
    assert unit_for(n, forms["other"], language) == forms[category(language, n)]


@given(whole)
def test_translations_with_plural_forms_decline_in_russian(n):
    text = Translator("ru")("review.missing_title", count=n)
    word = {"one": "пункт", "few": "пункта", "many": "пунктов"}[category("ru", n)]
    assert f"{n} {word}" in text


def test_translations_with_plural_forms_decline_in_english():
    t = Translator("en")
    assert t("review.missing_title", count=1) != t("review.missing_title", count=2).replace("2", "1")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_text_has_its_language_s_categories(language):
    plural = {key: text for key, text in catalogue(language).items() if isinstance(text, dict)}
    assert plural, "no translation has plural forms"
    assert {key: sorted(text) for key, text in plural.items()} == {key: sorted(USED[language]) for key in plural}


def test_a_plural_text_needs_its_count():
    with pytest.raises(TypeError):
        Translator("ru")("review.missing_title")
