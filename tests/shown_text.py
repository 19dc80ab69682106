"""What a screen shows, and where each string may come from: the checks behind
test_translations.py, shared with the tests of screens it does not tour."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import flet as ft

from field_app.demo import DEALERSHIPS
from field_app.domain.checklist import Checklist, YesNoLabels
from field_app.domain.registry import Registry
from field_app.domain.i18n import Translator
from field_app.domain.resources import shipped_checklists
from field_app.domain.units import forms_of

from flet_harness import FletHarness

def has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


SHOWN_FIELDS = ("content", "text", "label", "tooltip", "hint_text", "helper_text", "error_text", "title",
                "subtitle", "semantics_label", "prefix_text", "suffix_text", "counter_text", "message")


def shown_strings(h: FletHarness) -> list[str]:
    """Every string the user can read on the page now: all views of the stack and the open
    dialogs and notices (a wider net than `FletHarness.texts`)."""
    found = []
    roots = list(h.page.views) + [d for d in h.page._dialogs.controls if getattr(d, "open", False)]
    for control in h.walk(roots):
        for name in ("value", *SHOWN_FIELDS):
            if name == "value" and not isinstance(control, (ft.Text, ft.Markdown)):
                continue
            value = getattr(control, name, None)
            if isinstance(value, ft.Tooltip):
                value = value.message
            if isinstance(value, str) and value.strip():
                found.append(value)
    return found


def checklist_strings(checklist: Checklist) -> set[str]:
    found = {checklist.title, checklist.description or ""}
    items = [*checklist.questions(), *checklist.follow_ups]
    for section in checklist.sections:
        found.add(section.title)
    for item in items:
        unit = getattr(item, "unit", None) or ""
        found.update({item.text, item.hint or "", unit, *(forms_of(unit, checklist.locale) or {}).values()})
        found.update(o.label for o in item.options or [])
        found.update(b.label for b in getattr(item, "bands", None) or [])
        labels = item.labels or YesNoLabels()
        found.update({labels.yes, labels.no})
    return found - {""}


def data_strings() -> set[str]:
    """What the demo route's data may put on screen: checklist and dealership texts."""
    found: set[str] = set()
    for entry in Registry.from_directory(shipped_checklists()):
        found |= checklist_strings(entry.checklist)
    for d in DEALERSHIPS:
        found.update({d.name, d.brand, d.city, d.address, d.phone, d.code})
    return found - {""}


def untranslated(shown: Iterable[str], allowed: set[str]) -> list[str]:
    """Shown strings that still have letters once every allowed piece (a translation as
    given, a data string) is taken out: "1. Сервис-Юг" passes, "Сохранить: 3" does not."""
    pieces = sorted((p for p in allowed if p), key=len, reverse=True)
    bad = []
    for text in dict.fromkeys(shown):
        rest = text
        for piece in pieces:
            if piece in rest:
                rest = rest.replace(piece, "\x00")
        if has_letter(rest):
            bad.append(text)
    return bad


def recording_translators(monkeypatch) -> set[str]:
    """Make every translator of the app record what it returns; gives the growing set."""
    seen: set[str] = set()

    class RecordingTranslator(Translator):
        def __call__(self, key: str, **values: object) -> str:
            text = super().__call__(key, **values)
            seen.add(text)
            return text

    for name, module in list(sys.modules.items()):
        if name.startswith("field_app") and getattr(module, "Translator", None) is Translator:
            monkeypatch.setattr(module, "Translator", RecordingTranslator)
    return seen
