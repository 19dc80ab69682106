"""The UI strings live in translation files; a test fails if a screen shows a string that
has no translation.

Three checks, each with a self-test proving it can fail:
1. the files: every language has the same files and keys, no empty text, the same
   `{placeholders}`;
2. a static scan of `field_app/screens/*.py`: no literal with a letter is passed as a
   user-visible text (a control's text field, a helper's `label`/`message`... argument, an
   assignment to `.value`/`.content`...), and no Cyrillic anywhere in the code but
   docstrings;
3. every screen rendered with the demo route in both languages: each string shown is the
   translator's output, checklist or dealership data, or a mix of these with no other
   letters (numbers, times, punctuation).
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import flet as ft
import pytest
from flet.controls.base_control import BaseControl

import field_app
from field_app.app import build_app
from field_app.demo import DEALERSHIPS
from field_app.domain.records import VisitStatus
from field_app.domain.i18n import LANGUAGES, Translator, catalogue
from field_app.domain.plural import USED as PLURALS_USED
from field_app.domain.resources import app_translations

TRANSLATIONS = app_translations()
from field_app.screens.today import TodayScreen
from field_app.services import FieldService

from flet_harness import FletHarness
from shown_text import data_strings, has_letter, shown_strings, untranslated
from samples import DEMO_NOW, answer_all

SCREENS = Path(field_app.__file__).parent / "screens"
NOW = DEMO_NOW
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


# --- 1. the files --------------------------------------------------------------------


def files_of(language: str) -> dict[str, dict[str, str]]:
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((TRANSLATIONS / language).glob("*.json"))
    }


def forms_of(text: object) -> list[str]:
    """A text's forms: itself, or each of its plural forms."""
    if isinstance(text, str):
        return [text]
    if isinstance(text, dict) and all(isinstance(form, str) for form in text.values()):
        return list(text.values())
    return []


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def catalogue_problems(languages: dict[str, dict[str, dict[str, str]]]) -> list[str]:
    """What is wrong between the languages' files (`{language: {file: {key: text}}}`)."""
    problems = []
    names = {lang: set(files) for lang, files in languages.items()}
    every_file = set().union(*names.values())
    for lang, files in languages.items():
        for missing in sorted(every_file - names[lang]):
            problems.append(f"{lang}: no file {missing}")
    for name in sorted(every_file):
        present = {lang: files[name] for lang, files in languages.items() if name in files}
        every_key = set().union(*(set(strings) for strings in present.values()))
        for lang, strings in present.items():
            for key in sorted(every_key - set(strings)):
                problems.append(f"{lang}/{name}: no key {key!r}")
            for key, text in strings.items():
                if isinstance(text, dict):  # plural forms: the language's CLDR categories, each with {count}
                    if set(text) != set(PLURALS_USED.get(lang, ("other",))):
                        problems.append(f"{lang}/{name}: {key!r} has forms {sorted(text)}, "
                                        f"not {list(PLURALS_USED.get(lang, ('other',)))}")
                    if any(not isinstance(form, str) or "{count}" not in form for form in text.values()):
                        problems.append(f"{lang}/{name}: {key!r} has a form without {{count}}")
                if not forms_of(text) or not all(form.strip() for form in forms_of(text)):
                    problems.append(f"{lang}/{name}: {key!r} is empty")
        for key in sorted(every_key):
            found = {lang: set().union(*map(placeholders, forms_of(strings[key]))) for lang, strings in present.items()
                     if forms_of(strings.get(key))}
            if len({frozenset(p) for p in found.values()}) > 1:
                problems.append(f"{name}: {key!r} has different placeholders: {found}")
    return problems


def test_every_language_has_the_same_files_keys_and_placeholders():
    languages = {lang: files_of(lang) for lang in LANGUAGES}
    assert all(languages.values()), "no translation files found"
    assert catalogue_problems(languages) == []


def test_the_catalogue_check_can_fail():
    languages = {
        "ru": {"a.json": {"x": "Привет, {name}", "y": "Да", "z": "  ",
                          "p": {"one": "{count} гудок", "few": "{count} гудка", "other": "гудков"}}},
        "en": {"a.json": {"x": "Hello, {who}", "w": "Extra", "p": {"one": "{count} ring", "other": "{count} rings"}},
               "b.json": {"k": "Only here"}},
    }
    problems = catalogue_problems(languages)
    assert "ru/a.json: 'p' has forms ['few', 'one', 'other'], not ['one', 'few', 'many', 'other']" in problems
    assert "ru/a.json: 'p' has a form without {count}" in problems
    assert not any(p.startswith("en/a.json: 'p'") for p in problems)
    assert "ru: no file b.json" in problems
    assert "ru/a.json: no key 'w'" in problems
    assert "en/a.json: no key 'y'" in problems and "en/a.json: no key 'z'" in problems
    assert "ru/a.json: 'z' is empty" in problems
    assert any(p.startswith("a.json: 'x' has different placeholders") for p in problems)


def test_the_translator_raises_on_a_missing_key():
    from field_app.domain.i18n import MissingTranslationError

    with pytest.raises(MissingTranslationError):
        Translator("en")("today.no_such_key")


# --- 2. the static scan ----------------------------------------------------------------

# Fields of flet controls (and keyword arguments of any call) that the user reads.
TEXT_FIELDS = {
    "content", "text", "label", "tooltip", "hint_text", "helper_text", "error_text", "title",
    "subtitle", "semantics_label", "prefix_text", "suffix_text", "counter_text", "message",
    "placeholder_text", "confirm_label", "cancel_label",
}
# `value` is read by the user only on text controls (on a Radio or a Segment it is data).
VALUE_IS_TEXT = (ft.Text, ft.TextField, ft.Markdown, ft.CupertinoTextField)
# Parameters of the screens' own helpers (`big_button(label, ...)`, `ctx.notify(message)`,
# `ctx.confirm(title, message, confirm_label, ...)`) that end up on the screen.
HELPER_TEXT_PARAMS = TEXT_FIELDS | {"caption", "heading"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def literal_parts(node: ast.AST) -> Iterator[ast.Constant]:
    """The string literals an expression puts into its result (not those of calls inside
    it: `t("key")` gives a translation, whatever its key looks like)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.JoinedStr):  # f-string: only its own text, not `{x:%d.%m}` specs
        for part in node.values:
            if isinstance(part, ast.Constant):
                yield part
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        yield from literal_parts(node.left)
        if isinstance(node.op, ast.Add):
            yield from literal_parts(node.right)
    elif isinstance(node, ast.IfExp):
        yield from literal_parts(node.body)
        yield from literal_parts(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from literal_parts(value)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        yield from literal_parts(node.func.value)  # "Всего {n}".format(...), " и ".join(...)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for item in node.elts:
            yield from literal_parts(item)


def helper_signatures(sources: Iterable[str]) -> dict[str, list[tuple[list[str], bool]]]:
    """Every function the screens define: name -> (parameter names, is a method)."""
    found: dict[str, list[tuple[list[str], bool]]] = {}
    for source in sources:
        tree = ast.parse(source)
        methods = {id(f) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for f in c.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                params = [a.arg for a in node.args.posonlyargs + node.args.args]
                is_method = id(node) in methods and not any(
                    isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
                found.setdefault(node.name, []).append((params, is_method))
    return found


class Scanner(ast.NodeVisitor):
    def __init__(self, path: str, helpers: dict[str, list[tuple[list[str], bool]]]) -> None:
        self.path = path
        self.helpers = helpers
        self.flet_modules: set[str] = set()
        self.flet_names: dict[str, str] = {}
        self.findings: list[Finding] = []
        self.docstrings: set[int] = set()

    # names bound to flet
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "flet":
                self.flet_modules.add(alias.asname or "flet")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "flet":
            for alias in node.names:
                self.flet_names[alias.asname or alias.name] = alias.name

    def flet_class(self, func: ast.AST) -> type | None:
        chain: list[str] = []
        while isinstance(func, ast.Attribute):
            chain.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            return None
        if func.id in self.flet_modules:
            target: object = ft
        elif func.id in self.flet_names:
            target = getattr(ft, self.flet_names[func.id], None)
        else:
            return None
        for name in reversed(chain):
            target = getattr(target, name, None)
        return target if isinstance(target, type) and issubclass(target, BaseControl) else None

    def flag(self, node: ast.AST) -> None:
        for part in literal_parts(node):
            if has_letter(part.value):
                self.findings.append(Finding(self.path, part.lineno, part.value))

    def visit_Call(self, node: ast.Call) -> None:
        cls = self.flet_class(node.func)
        if cls is not None:
            params = [p.name for p in inspect.signature(cls).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            for name, arg in zip(params, node.args):
                if self.is_text(cls, name):
                    self.flag(arg)
            for keyword in node.keywords:
                if keyword.arg and self.is_text(cls, keyword.arg):
                    self.flag(keyword.value)
        else:
            for keyword in node.keywords:
                if keyword.arg in TEXT_FIELDS:
                    self.flag(keyword.value)
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            for params, is_method in self.helpers.get(name, []):
                if is_method and isinstance(node.func, ast.Attribute):
                    params = params[1:]  # self
                for param, arg in zip(params, node.args):
                    if param in HELPER_TEXT_PARAMS:
                        self.flag(arg)
        self.generic_visit(node)

    @staticmethod
    def is_text(cls: type, field: str) -> bool:
        return field in TEXT_FIELDS or (field == "value" and issubclass(cls, VALUE_IS_TEXT))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and (target.attr in TEXT_FIELDS or target.attr == "value"):
                self.flag(node.value)
        self.generic_visit(node)

    def mark_docstring(self, node: ast.AST) -> None:
        body = getattr(node, "body", [])
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            self.docstrings.add(id(body[0].value))

    def cyrillic(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                self.mark_docstring(node)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in self.docstrings and CYRILLIC.search(node.value)):
                finding = Finding(self.path, node.lineno, node.value)
                if finding not in self.findings:
                    self.findings.append(finding)


def scan(sources: dict[str, str]) -> list[Finding]:
    """Untranslated literals in the given modules (`{path: source}`)."""
    helpers = helper_signatures(sources.values())
    findings: list[Finding] = []
    for path, source in sources.items():
        tree = ast.parse(source, filename=path)
        scanner = Scanner(path, helpers)
        scanner.visit(tree)
        scanner.cyrillic(tree)
        findings.extend(scanner.findings)
    return findings


def screen_sources() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SCREENS.glob("*.py"))}


def test_no_screen_passes_a_literal_as_user_visible_text():
    sources = screen_sources()
    assert {"today.py", "settings.py", "review.py", "follow_ups.py", "context.py"} <= set(sources)
    findings = scan(sources)
    assert findings == [], "untranslated text in the screens:\n" + "\n".join(map(str, findings))


PLANTED = '''
"""Module docstring: Модуль, allowed."""
import flet as ft
from flet import Text as Label


def big_button(label, *, key, filled=False):
    """Helper docstring."""
    return ft.FilledButton(content=label, key=key)


class Screen:
    def notify(self, message):
        pass

    def view(self, t, ctx, n, d, name):
        bad = [
            ft.Text("Назад"),
            ft.Button(content="Save"),
            ft.FilledButton("OK now"),
            ft.TextField(label="Имя"),
            ft.Text(f"{n} pcs"),
            ft.Text(t("visit.count") + " total"),
            Label("Imported"),
            ft.IconButton(icon=ft.Icons.ADD, tooltip="Add one"),
            ft.AppBar(title=ft.Text(value="Title")),
            ft.Text("Yes" if n else t("x")),
            ft.Text("Всего {n}".format(n=n)),
            big_button("Next", key="next-section"),
            ft.dropdown.Option(key="ru", text="Russian"),
        ]
        self.notify("Saved")
        ctx.notify("Stored")
        bad[0].value = "Done"
        statuses = {"planned": "Запланирован"}
        good = [
            ft.Container(key="next-section"),
            ft.Text(t("today.title")),
            ft.Text(f"{t('a')}: {n}"),
            ft.Text(f"{n}. {name}"),
            ft.Text(f"{d:%d.%m %H:%M}"),
            ft.Text("—"),
            ft.Text(" · ".join([name, t("b")])),
            ft.Radio(value="ru", label=t("settings.language_ru")),
            ft.Segment(value="yes", label=ft.Text(name)),
            ft.Icon(ft.Icons.HOME, color=ft.Colors.GREEN),
            ft.Button(content=t("x"), url=f"tel:{n}", key=f"call-{n}"),
            big_button(t("visit.next"), key="next"),
            ctx.go("/visit"),
            ft.Text(value="0:00", key="timer-time"),
        ]
        return bad, good, statuses
'''


def test_the_static_scan_catches_planted_literals():
    texts = [f.text for f in scan({"planted.py": PLANTED})]
    assert set(texts) == {
        "Назад", "Save", "OK now", "Имя", " pcs", " total", "Imported", "Add one", "Title", "Yes",
        "Всего {n}", "Next", "Russian", "Saved", "Stored", "Done", "Запланирован",
    }
    assert len(texts) == len(set(texts))


def keys_used(source: str) -> list[tuple[int, str, bool]]:
    """Keys the code asks the translator for: `t("a.b")`, `ctx.t("a.b")`, and the literal
    start of `t(f"today.month_{n}")` (line, key or prefix, is a prefix)."""
    used = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        if not ((isinstance(func, ast.Name) and func.id == "t") or (isinstance(func, ast.Attribute) and func.attr == "t")):
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            used.append((node.lineno, arg.value, False))
        elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
            used.append((node.lineno, arg.values[0].value, True))
    return used


def unknown_keys(sources: dict[str, str], language: str) -> list[str]:
    known = catalogue(language)
    problems = []
    for path, source in sources.items():
        for line, key, prefix in keys_used(source):
            if (prefix and not any(k.startswith(key) for k in known)) or (not prefix and key not in known):
                problems.append(f"{path}:{line}: {key!r}")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_screens_ask_for_exists(language):
    assert unknown_keys(screen_sources(), language) == []


def test_the_key_check_can_fail():
    source = 'def f(t, ctx, n):\n    t("today.title"); ctx.t("today.nope"); t(f"common.month_{n}"); t(f"gone.{n}")\n'
    assert unknown_keys({"x.py": source}, "ru") == ["x.py:2: 'today.nope'", "x.py:2: 'gone.'"]


# --- 3. every screen, both languages ---------------------------------------------------





class Tour:
    """One language's walk through every screen, collecting what is shown."""

    def __init__(self, h: FletHarness, service: FieldService) -> None:
        self.h, self.service = h, service
        self.shown: dict[str, set[str]] = {}

    def collect(self, where: str) -> None:
        self.shown.setdefault(where, set()).update(shown_strings(self.h))

    async def visit(self, route: str) -> None:
        await self.h.go(route)
        await self.h.settle()
        assert self.h.routes()[-1] == route, f"{route} did not open: {self.h.routes()[-1]}"
        self.collect(route)

    async def sections(self, uuid: str) -> None:
        for section in self.service.visit(uuid).checklist.sections:
            await self.visit(f"/visit/{uuid}/{section.id}")


def visit_for(service: FieldService, checklist_id: str) -> str:
    stops = service.overview()
    stop = next(s for s in stops.today + stops.later if s.assignment.checklist_id == checklist_id)
    return service.open_stop(stop.assignment.id)


async def tour(language: str, service: FieldService) -> Tour:
    service.set_language(language)
    h = await FletHarness.start(build_app(service), route="/")
    walk = Tour(h, service)
    try:
        walk.collect("/")
        await walk.visit("/settings")
        finalized = next(v.uuid for v in service.store.visits() if v.status == VisitStatus.FINALIZED)
        await walk.visit(f"/follow-ups/{finalized}")  # all due
        await walk.visit(f"/review/{finalized}")  # read-only, follow-ups to answer

        checklists = ("dealer_call", "showroom_visit", "service_visit", "roadside_assistance_call")
        uuids = {cid: visit_for(service, cid) for cid in checklists}
        for uuid in uuids.values():  # empty
            await walk.sections(uuid)
            await walk.visit(f"/review/{uuid}")
            await walk.visit(f"/follow-ups/{uuid}")  # not finalized yet
        for uuid in uuids.values():  # answered, stopwatches left running
            answer_all(service, uuid, good=False, wait=400, stop_timers=False)
            await walk.sections(uuid)
            await walk.visit(f"/review/{uuid}")
        for uuid in uuids.values():  # stopwatches stopped: ready to finalize
            visit = service.visit(uuid)
            for qid in visit.running_timers(service.now()):
                service.timer(uuid, qid, "stop")
            await walk.sections(uuid)
            await walk.visit(f"/review/{uuid}")

        # finalize one through the screen: the question and the notice
        showroom = uuids["showroom_visit"]
        service.answer(showroom, "left_contacts", "yes")  # so that its callback is asked later
        await walk.visit(f"/review/{showroom}")
        await h.click(h.by_key("finalize"))
        walk.collect("finalize dialog")
        [dialog] = [d for d in h.dialogs() if isinstance(d, ft.AlertDialog)]
        await h.click(dialog.actions[-1])
        await h.settle()
        walk.collect("finalized notice")
        await walk.visit(f"/follow-ups/{showroom}")  # only later ones
        assert h.has_key("upcoming-callback_7_working_days")
        await walk.visit(f"/visit/{showroom}/{service.visit(showroom).checklist.sections[0].id}")  # read-only

        # answer the follow-up on the screen: the notice, then its answered state
        await walk.visit(f"/follow-ups/{finalized}")
        await h.click(h.by_key("answer-callback_48_hours-false"))
        await h.click(h.by_key("follow-ups-done"))
        await h.settle()
        walk.collect("follow-ups saved")
        await walk.visit(f"/follow-ups/{finalized}")
        assert h.has_key("answered-callback_48_hours")
        await walk.visit("/")
    finally:
        h.close()
    return walk


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_screen_shows_only_translated_text_or_data(language, service, produced):
    walk = await tour(language, service)
    everything = set().union(*walk.shown.values())
    assert len(walk.shown) > 30 and len(everything) > 200  # the tour really saw the screens

    allowed = produced | data_strings()
    problems = {where: bad for where, seen in walk.shown.items() if (bad := untranslated(seen, allowed))}
    assert problems == {}

    # and no text of another language's catalogue slipped in (a stale translator)
    others = set().union(*(Translator(other).shown() for other in LANGUAGES if other != language))
    own = Translator(language).shown()
    leaked = {s for s in everything if s in others and s not in own and s not in data_strings()}
    assert leaked == set()


async def test_after_switching_language_no_old_text_remains(service, produced):
    h = await FletHarness.start(build_app(service), route="/settings")
    try:
        [group] = h.find(ft.RadioGroup)
        h.session.apply_patch(group._i, {"value": "en"})
        await h.event(group, "change", "en")
        produced.clear()  # from here on only English may be produced
        await h.back()
        await h.settle()
        assert h.top_view().route == "/"
        shown = shown_strings(h)
        produced_now = set(produced)
    finally:
        h.close()
    assert untranslated(shown, produced_now | data_strings()) == []
    assert not {s for s in shown if s in Translator("ru").shown() - Translator("en").shown()}


async def test_the_screen_check_catches_an_untranslated_control(service, produced, monkeypatch):
    original = TodayScreen.view

    def with_literals(self):
        view = original(self)
        view.controls.append(ft.Text("Черновик сохранён"))
        view.controls.append(ft.FilledButton(content="Sync now"))
        view.controls.append(ft.Text(f"{self.ctx.t('today.later')}: 3 stops"))
        view.controls.append(ft.Text(f"{self.ctx.t('today.later')}: 3 · {DEALERSHIPS[0].name}"))  # fine
        return view

    monkeypatch.setattr(TodayScreen, "view", with_literals)
    h = await FletHarness.start(build_app(service), route="/")
    try:
        shown = shown_strings(h)
    finally:
        h.close()
    assert untranslated(shown, produced | data_strings()) == [
        "Черновик сохранён", "Sync now", "Следующие дни: 3 stops"]
