"""The real checklists against the study they come from.

The three tables of the TNS study (call to a showroom, showroom visit, service-centre
visit) are parsed out of the seed text itself, so that every row of the source is
checked to be in its checklist, with its number, its wording and its market rank.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from field_app.domain.checklist import Checklist, Question, QuestionIs

ROOT = Path(__file__).resolve().parents[1]
CHECKLISTS = ROOT / "field_app" / "checklists"
SEEDS = ROOT.parent / "shared" / "seeds"
STUDY_GLOB = "000_*.txt"

# The seed's three tables, in order, and the checklist each one became.
TABLE_FILES = ("dealer_call", "showroom_visit", "service_visit")
EXPECTED_ROWS = {"dealer_call": 22, "showroom_visit": 42, "service_visit": 30}
ALL_FILES = (*TABLE_FILES, "roadside_assistance_call")

TABLE_HEADER = "N NN БЛОК ВОПРОС"
ROW = re.compile(r"^(\d+) (\d+) (.*) (TOP|AVERAGE|BOTTOM)$")
CHANNEL_MARK = re.compile(r"\s*\((ЗВОНОК|ВИЗИТ|ВИЗИТ СЕРВИС)\)$")
TRAILING_OPTIONS = re.compile(r"\s*\(([^()]*)\)$")

# Words broken by the PDF text extraction, corrected in the checklists (and only these).
CORRECTIONS = {
    "подезда": "подъезда",
    "автомобля": "автомобиля",
    "Разьяснения": "Разъяснения",
    "согласованые": "согласованные",
    "доп.работ": "доп. работ",
}


def normalise(text: str) -> str:
    """Same text whatever the spaces (the seed uses no-break spaces) and hyphens."""
    text = re.sub(r"[\u2010\u2011\u2012]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def corrected(text: str) -> str:
    for broken, fixed in CORRECTIONS.items():
        text = text.replace(broken, fixed)
    return text


class Row:
    def __init__(self, n: str, nn: str, body: str, rank: str) -> None:
        self.ref = f"{n}.{nn}"
        self.rank = rank.lower()
        body = corrected(normalise(body))
        self.body = body  # block, question and options
        match = TRAILING_OPTIONS.search(body)
        assert match, f"row {self.ref} has no options in parentheses: {body!r}"
        self.options = [normalise(o) for o in match.group(1).split("/")]
        self.block_and_question = body[: match.start()].strip()

    def __repr__(self) -> str:
        return f"Row({self.ref} {self.body!r} {self.rank})"


@lru_cache(maxsize=1)
def seed_tables() -> tuple[list[Row], ...]:
    found = sorted(SEEDS.glob(STUDY_GLOB)) if SEEDS.is_dir() else []
    if not found:
        pytest.skip(f"the study seed {SEEDS / STUDY_GLOB} is not on this machine")
    tables: list[list[Row]] = []
    for raw in found[0].read_text(encoding="utf-8").splitlines():
        line = raw.rstrip()
        if line.startswith(TABLE_HEADER):
            tables.append([])
            continue
        match = ROW.match(line)
        if match and tables:
            tables[-1].append(Row(*match.groups()))
    return tuple(tables)


def rows_of(name: str) -> list[Row]:
    tables = seed_tables()
    assert len(tables) == len(TABLE_FILES), f"expected 3 tables in the seed, found {len(tables)}"
    return tables[TABLE_FILES.index(name)]


@lru_cache(maxsize=None)
def checklist(name: str) -> Checklist:
    path = CHECKLISTS / name / "1.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Checklist.model_validate(data)


def by_ref(name: str, ref: str) -> Question:
    matches = [q for q in checklist(name).questions() if q.ref == ref]
    assert len(matches) == 1, f"{name}: {len(matches)} questions with ref {ref!r}"
    return matches[0]


# --- the files themselves ---------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FILES)
def test_file_is_a_valid_checklist_named_after_its_folder(name: str) -> None:
    cl = checklist(name)
    assert cl.id == name
    assert cl.version == 1
    assert cl.locale == "ru"
    assert cl.title and cl.description
    assert cl.channel == ("call" if name.endswith("_call") else "visit")
    ids = [q.id for q in cl.questions()] + [f.id for f in cl.follow_ups]
    assert len(ids) == len(set(ids)), "question ids must be unique within a file"


@pytest.mark.parametrize("name", ALL_FILES)
def test_file_passes_the_loader(name: str) -> None:
    loader = pytest.importorskip("field_app.domain.loader")
    loaded = loader.load_checklist(CHECKLISTS / name / "1.yaml")
    assert loaded == checklist(name)


@pytest.mark.parametrize("name", ALL_FILES)
def test_photo_questions_are_evidence_not_study_items(name: str) -> None:
    for q in checklist(name).questions():
        if q.type == "photo":
            assert q.ref is None and q.benchmark is None, q.id
            assert q.photos is not None, q.id
            assert q.required == (q.photos.min > 0), q.id


# --- every row of the study, once, as worded, with its rank ---------------------------


@pytest.mark.parametrize("name", TABLE_FILES)
def test_seed_table_has_the_expected_rows(name: str) -> None:
    assert len(rows_of(name)) == EXPECTED_ROWS[name]
    refs = [r.ref for r in rows_of(name)]
    assert len(refs) == len(set(refs)), "a ref is printed twice in the seed"


@pytest.mark.parametrize("name", TABLE_FILES)
def test_every_seed_row_is_one_question(name: str) -> None:
    rows = rows_of(name)
    cl = checklist(name)
    for row in rows:
        q = by_ref(name, row.ref)
        assert q.benchmark == row.rank, f"{row.ref}: benchmark {q.benchmark} != {row.rank}"
        text = normalise(q.text)
        assert text in row.block_and_question, f"{row.ref}: {text!r} not in {row!r}"
        assert row.block_and_question.endswith(text), f"{row.ref}: {text!r} is not the question of {row!r}"
        block = CHANNEL_MARK.sub("", row.block_and_question[: -len(text)].strip())
        assert normalise(cl.section_of(q.id).title) == block, f"{row.ref}: in the wrong section"
    refd = [q for q in cl.questions() if q.ref is not None]
    assert len(refd) == len(rows)
    assert {q.ref for q in refd} == {r.ref for r in rows}


@pytest.mark.parametrize("name", TABLE_FILES)
def test_sections_follow_the_seed_blocks_in_order(name: str) -> None:
    cl = checklist(name)
    order = []
    for row in rows_of(name):
        section = cl.section_of(by_ref(name, row.ref).id).id
        if not order or order[-1] != section:
            order.append(section)
    assert order == [s.id for s in cl.sections]


@pytest.mark.parametrize("name", TABLE_FILES)
def test_answers_are_worded_as_in_the_seed(name: str) -> None:
    for row in rows_of(name):
        q = by_ref(name, row.ref)
        seed = [o.lower() for o in row.options]
        if q.type == "yes_no":
            if len(seed) == 1:  # "(вежливое приветствие первым)": one option worded
                assert q.labels is not None and q.labels.yes.lower().startswith("вежливо")
                continue
            yes, no = (q.labels.yes, q.labels.no) if q.labels else ("Да", "Нет")
            assert [yes.lower(), no.lower()] == seed, f"{row.ref}: {yes}/{no} vs {row.options}"
            assert yes[0].isupper() and no[0].isupper(), row.ref
        elif q.type == "choice":
            assert [normalise(o.label).lower() for o in q.options or []] == seed, row.ref
        else:
            assert q.type in ("timer", "counter"), f"{row.ref}: unexpected type {q.type}"


# --- timers and counters ---------------------------------------------------------------

BANDED = [
    ("dealer_call", "1.1", "counter", [1, None], [1, 0]),
    ("dealer_call", "1.2", "counter", [5, None], [1, 0]),
    ("dealer_call", "1.3", "timer", [30, 60, None], [1, 0.5, 0]),
    ("showroom_visit", "2.2", "timer", [300, None], [1, 0]),
]


@pytest.mark.parametrize(("name", "ref", "kind", "maxima", "scores"), BANDED)
def test_measured_items_pick_their_band(name, ref, kind, maxima, scores) -> None:
    q = by_ref(name, ref)
    assert q.type == kind
    assert [b.max for b in q.bands or []] == maxima
    assert [b.score for b in q.bands or []] == scores
    assert q.unit and q.hint
    if kind == "timer":
        assert q.unit == "с"


def test_which_attempt_counts_from_one() -> None:
    assert by_ref("dealer_call", "1.1").min_value == 1


# --- skip logic ----------------------------------------------------------------------


def shown(q: Question, answers: dict) -> bool:
    """A minimal reading of `show_if` for the conditions these files use."""
    return q.show_if is None or _holds(q.show_if, answers)


def _holds(cond, answers: dict) -> bool:
    if isinstance(cond, QuestionIs):
        value = answers.get(cond.question)
        if value is None:
            return False
        if cond.equals is not None:
            return value == cond.equals and type(value) is type(cond.equals)
        if cond.in_ is not None:
            return value in cond.in_
        return value not in (cond.not_in or [])
    if hasattr(cond, "all"):
        return all(_holds(c, answers) for c in cond.all)
    return any(_holds(c, answers) for c in cond.any)


def test_test_drive_items_are_hidden_without_a_test_drive() -> None:
    cl = checklist("showroom_visit")
    gate = by_ref("showroom_visit", "6.2")
    assert gate.type == "choice"
    options = {o.id: o.score for o in gate.options or []}
    assert options == {"yes": 1, "no": 0, "none": None}
    section = cl.section_of(gate.id).questions
    later = section[section.index(gate) + 1 :]
    assert [q.ref for q in later] == ["6.3", "6.4", "6.5", "6.6", "6.7", "6.8"]
    for q in later:
        assert isinstance(q.show_if, QuestionIs) and q.show_if.question == gate.id, q.id
        assert sorted(q.show_if.in_ or []) == ["no", "yes"], q.id
        assert not shown(q, {gate.id: "none"}), q.id
        assert shown(q, {gate.id: "yes"}) and shown(q, {gate.id: "no"}), q.id
    assert by_ref("showroom_visit", "6.1").show_if is None


@pytest.mark.parametrize("name, ref", [
    ("showroom_visit", "7.4"),  # the business card, only when contacts were given
    ("service_visit", "3.5"),  # the protective covers, only when they were put on
])
def test_evidence_photo_follows_its_item_only_when_it_happened(name: str, ref: str) -> None:
    questions = checklist(name).questions()
    item = by_ref(name, ref)
    photo = questions[[q.id for q in questions].index(item.id) + 1]
    assert photo.type == "photo"
    assert photo.show_if == QuestionIs(question=item.id, equals=True)


def test_roadside_call_hides_everything_when_not_answered() -> None:
    cl = checklist("roadside_assistance_call")
    questions = cl.questions()
    assert all(q.ref is None and q.benchmark is None for q in questions)
    assert all(f.benchmark is None for f in cl.follow_ups)
    answered = cl.question("answered")
    assert answered.type == "yes_no"
    later = questions[questions.index(answered) + 1 :]
    assert later
    for q in later:
        assert not shown(q, {"answered": False}), q.id
    assert {q.type for q in later} >= {"counter", "timer", "yes_no", "choice"}


# --- follow-ups --------------------------------------------------------------------------

FOLLOW_UPS = [
    ("showroom_visit", "Связался ли с вами дилерский центр в течение 7 рабочих дней после визита?", 216),
    ("service_visit", "Позвонили ли вам из сервисного центра в течение 48 часов после визита?", 48),
    ("service_visit", "Соответствовала ли окончательная стоимость в счёте предварительному расчёту?", 24),
    ("service_visit", "Был ли автомобиль готов в обещанный срок?", 24),
]


@pytest.mark.parametrize(("name", "text", "hours"), FOLLOW_UPS)
def test_follow_ups_from_the_dealer_standards(name: str, text: str, hours: int) -> None:
    matches = [f for f in checklist(name).follow_ups if f.text == text]
    assert len(matches) == 1, f"{name}: follow-up {text!r} missing"
    assert matches[0].due_after_hours == hours
    assert matches[0].benchmark is None
