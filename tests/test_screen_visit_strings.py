"""The visit screen's words all come from the translation files, in both languages."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from field_app.domain.resources import app_translations

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = app_translations()

MODULES = [ROOT / "field_app" / "screens" / f"{name}.py"
           for name in ("visit", "questions", "moment", "stopwatch", "photos", "visit_widgets")]
SHOWN = {"text", "label", "tooltip", "hint_text", "helper_text", "content", "title", "value",
         "semantics_label", "suffix", "prefix", "error_text", "counter_text"}


def forms(text: str | dict[str, str]) -> list[str]:
    """A text, or each of its plural forms."""
    return list(text.values()) if isinstance(text, dict) else [text]


def literal_words(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(re.search(r"\w", node.value))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_literal_user_visible_strings(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    offenders = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        for keyword in node.keywords:
            if keyword.arg in SHOWN and (literal_words(keyword.value) or isinstance(keyword.value, ast.JoinedStr)):
                offenders.append(f"{path.name}:{node.lineno} {name}({keyword.arg}=...)")
        if name in ("Text", "Button", "FilledButton", "OutlinedButton", "TextButton", "big_button") and node.args:
            if literal_words(node.args[0]) or isinstance(node.args[0], ast.JoinedStr):
                offenders.append(f"{path.name}:{node.lineno} {name}(...)")
    assert not offenders


def test_both_languages_have_the_same_keys_and_every_used_key():
    ru = json.loads((TRANSLATIONS / "ru" / "visit.json").read_text(encoding="utf-8"))
    en = json.loads((TRANSLATIONS / "en" / "visit.json").read_text(encoding="utf-8"))
    assert set(ru) == set(en)
    assert all(form.strip() for v in [*ru.values(), *en.values()] for form in forms(v))
    used = set()
    for path in MODULES:
        used |= set(re.findall(r"""t\(\s*["']visit\.([a-z_]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys"
    assert used <= set(ru), used - set(ru)
    # placeholders match, so a translation never breaks .format()
    for key in ru:
        found = [set(re.findall(r"{(\w+)}", form)) for form in [*forms(ru[key]), *forms(en[key])]]
        assert all(f == found[0] for f in found), key
