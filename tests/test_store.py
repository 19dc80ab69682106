"""The phone's store: every action is durable, rebuilt visits equal the ones in memory,
refused actions write nothing, finalized revisions are frozen, the outbox fills."""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

import field_app.store.errors as store_errors
from field_app.domain.canonical import canonical_json, checklist_sha256
from field_app.domain.checklist import Checklist
from field_app.domain.errors import (
    ConflictingVersionError,
    DomainError,
    FollowUpNotDueError,
    IncompleteVisitError,
    InvalidAnswerError,
    UnknownChecklistError,
    UnknownQuestionError,
    VisitFrozenError,
)
from field_app.domain.records import PhotoRef, VisitRevision, VisitStatus
from field_app.domain.visit import Visit
from field_app.store import (
    OutboxItemNotFoundError,
    RevisionNotFoundError,
    Store,
    UnknownSectionError,
    VisitExistsError,
    VisitNotFoundError,
)
from field_app.store.schema import MIGRATIONS
from field_app.sync import refusals

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
UUID = "5f0c7c1e-3b1a-4d7e-9a43-0d6f2b9e8a11"

CHECKLIST = Checklist.model_validate({
    "id": "store_visit",
    "version": 1,
    "title": "Визит в автосалон",
    "channel": "visit",
    "sections": [
        {
            "id": "meeting",
            "title": "Встреча",
            "questions": [
                {"id": "greeted", "text": "Поприветствовал", "type": "yes_no"},
                {
                    "id": "consultant_wait", "text": "Ожидание консультанта", "type": "timer",
                    "bands": [{"max": 300, "label": "до 5 минут", "score": 1}, {"label": "дольше", "score": 0}],
                },
                {
                    "id": "rings", "text": "Гудки до ответа", "type": "counter",
                    "bands": [{"max": 3, "label": "до 3", "score": 1}, {"label": "больше 3", "score": 0}],
                },
                {"id": "parking", "text": "Удобная парковка", "type": "yes_no", "na_allowed": True},
            ],
        },
        {
            "id": "test_drive",
            "title": "Тест-драйв",
            "questions": [
                {
                    "id": "test_drive_now", "text": "Тест-драйв сразу", "type": "choice",
                    "options": [
                        {"id": "yes", "label": "Да", "score": 1},
                        {"id": "no", "label": "Нет", "score": 0},
                        {"id": "none", "label": "Тест-драйва не было"},
                    ],
                },
                {"id": "facade_photo", "text": "Фото фасада", "type": "photo", "photos": {"min": 1, "max": 2}},
                {"id": "notes", "text": "Заметки", "type": "text", "required": False},
            ],
        },
    ],
    "follow_ups": [{"id": "callback", "text": "Перезвонили?", "type": "yes_no", "due_after_hours": 48}],
})

TABLES = ["checklists", "visits", "answers", "timer_events", "photos", "follow_up_answers", "revisions", "outbox"]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def photo(name: str, question_id: str = "facade_photo") -> PhotoRef:
    return PhotoRef(
        sha256=hashlib.sha256(name.encode()).hexdigest(), bytes=1000 + len(name),
        question_id=question_id, taken_at=at(30),
    )


def begin(store: Store) -> str:
    store.save_checklist(CHECKLIST)
    return store.start_visit(CHECKLIST.id, CHECKLIST.version, at=T0, uuid=UUID).uuid


def complete(store: Store, uuid: str) -> None:
    """Answer everything the checklist requires, so the visit can be finalized."""
    store.answer(uuid, "greeted", True, at(10))
    store.timer(uuid, "consultant_wait", "start", at(20))
    store.timer(uuid, "consultant_wait", "stop", at(80))
    store.answer(uuid, "rings", 2, at(90))
    store.mark_na(uuid, "parking", at(100))
    store.answer(uuid, "test_drive_now", "none", at(110))
    store.add_photo(uuid, photo("facade"), "photos/facade.jpg")


def finalized(store: Store) -> str:
    uuid = begin(store)
    complete(store, uuid)
    store.finalize(uuid, at(200))
    return uuid


def rows(store: Store) -> dict[str, list[tuple]]:
    return {table: store.db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in TABLES}


def rebuilt(path: Path, uuid: str) -> Visit:
    with Store(path) as other:
        return other.visit(uuid)


def with_timers_that_ran(visit: Visit) -> Visit:
    # The domain leaves an empty event list behind a double tap; rows hold no such thing.
    visit.timers = {question_id: events for question_id, events in visit.timers.items() if events}
    return visit


# --- opening -----------------------------------------------------------------------


def test_opening_turns_on_wal_full_sync_foreign_keys_and_a_busy_timeout(fresh_store: Store) -> None:
    assert fresh_store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert fresh_store.db.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert fresh_store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert fresh_store.db.execute("PRAGMA busy_timeout").fetchone()[0] > 0


def test_opening_records_every_migration(fresh_store: Store) -> None:
    applied = [migration.name for migration in MIGRATIONS.applied(fresh_store.db)]
    assert applied[0] == "m001_initial"
    assert MIGRATIONS.pending(fresh_store.db) == []


def test_a_store_made_by_migration_1_opens_under_the_current_code(store_path: Path) -> None:
    db = Database(store_path)
    later = [migration.name for migration in MIGRATIONS.pending(db)][1:]
    MIGRATIONS.apply(db, stop_before=later[0] if later else None)
    # Rows exactly as the code of migration 1 wrote them.
    db.execute(
        "INSERT INTO checklists VALUES (?, ?, ?, ?)",
        [CHECKLIST.id, 1, checklist_sha256(CHECKLIST), canonical_json(CHECKLIST).decode()],
    )
    db.execute(
        "INSERT INTO visits VALUES (?, NULL, ?, 1, ?, 'in_progress', 1, ?, NULL, 'meeting', ?)",
        [UUID, CHECKLIST.id, checklist_sha256(CHECKLIST), "2026-11-22T10:00:00.000000Z", "2026-11-22T10:01:00.000000Z"],
    )
    db.execute(
        "INSERT INTO answers VALUES (?, 'greeted', 'true', 0, 'у входа', '2026-11-22T10:00:10.000000Z')", [UUID]
    )
    db.close()

    with Store(store_path) as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert MIGRATIONS.pending(store.db) == []
        visit = store.visit(UUID)
        assert visit.answers["greeted"].value is True
        assert visit.answers["greeted"].comment == "у входа"
        assert visit.started_at == T0
        assert store.current_section(UUID) == "meeting"


def test_a_store_made_before_failure_kinds_tells_its_refused_items_from_network_failed_ones(store_path: Path) -> None:
    db = Database(store_path)
    MIGRATIONS.apply(db, stop_before="m004_outbox_failure_kinds")
    # Rows as the code of migrations 1 to 3 wrote them, `last_error` by `report.failure_text`.
    sha = checklist_sha256(CHECKLIST)
    db.execute("INSERT INTO checklists VALUES (?, ?, ?, ?)", [CHECKLIST.id, 1, sha, canonical_json(CHECKLIST).decode()])
    moment = "2026-11-22T10:00:00.000000Z"
    db.execute("INSERT INTO visits VALUES (?, NULL, ?, 1, ?, 'finalized', 1, ?, ?, NULL, ?)",
               [UUID, CHECKLIST.id, sha, moment, moment, moment])
    db.execute("INSERT INTO revisions VALUES (?, 1, ?, ?, ?)", [UUID, b"{}", "0" * 64, moment])
    failed = "2026-11-22T11:00:00.000000Z"
    items = [
        ("visit_revision", None, "refused revision_conflict: The server already has it: with other content", None),
        ("photo", "a" * 64, "network connect_error: [Errno 111] Connection refused", None),
        ("photo", "b" * 64, "refused image_corrupt: refused at completion", failed),  # sent since
        ("photo", "c" * 64, "Refused image_corrupt: not a shape the sync client writes", None),
        ("photo", "d" * 64, None, None),
    ]
    for kind, digest, error, done_at in items:
        db.execute(
            """
            INSERT INTO outbox (kind, visit_uuid, revision, photo_sha256, created_at, attempts, last_error,
                                last_attempt_at, done_at)
            VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)
            """,
            [kind, UUID, digest, moment, int(error is not None), error, failed if error else None, done_at],
        )
    db.close()

    with Store(store_path) as store:
        assert MIGRATIONS.pending(store.db) == []
        pending = store.pending_outbox()
        assert [(i.photo_sha256, i.failure_kind, i.refusals) for i in pending] == [
            (None, "refused", 1), ("a" * 64, "network", 0), ("c" * 64, None, 0), ("d" * 64, None, 0)]
        assert refusals.retry_at(pending[0]) == datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
        assert refusals.retry_at(pending[1]) is None
        done = store.db.execute("SELECT failure_kind, refusals FROM outbox WHERE photo_sha256 = ?", ["b" * 64])
        assert done.fetchone() == ("refused", 0)


@pytest.mark.parametrize("paired_as, expected", [("shopper-7", "shopper-7"), ("", None), (None, None)])
def test_a_store_made_before_visit_shoppers_gives_its_visits_the_shopper_paired_now(
        store_path: Path, paired_as: str | None, expected: str | None) -> None:
    db = Database(store_path)
    MIGRATIONS.apply(db, stop_before="m005_visit_shopper")
    # Rows as the code of migrations 1 to 4 wrote them; unpairing empties the setting.
    sha = checklist_sha256(CHECKLIST)
    db.execute("INSERT INTO checklists VALUES (?, ?, ?, ?)", [CHECKLIST.id, 1, sha, canonical_json(CHECKLIST).decode()])
    moment = "2026-11-22T10:00:00.000000Z"
    second = "6a1d8d2f-4c2b-4e8f-8b54-1e7a3c0f9b22"
    for uuid, status in ((UUID, "finalized"), (second, "in_progress")):
        db.execute("INSERT INTO visits VALUES (?, NULL, ?, 1, ?, ?, 1, ?, NULL, NULL, ?)",
                   [uuid, CHECKLIST.id, sha, status, moment, moment])
    db.execute("INSERT INTO revisions VALUES (?, 1, ?, ?, ?)", [UUID, b"{}", "0" * 64, moment])
    db.execute("INSERT INTO outbox (kind, visit_uuid, revision, created_at) VALUES ('visit_revision', ?, 1, ?)",
               [UUID, moment])
    db.execute("INSERT INTO settings VALUES ('language', 'ru')")
    if paired_as is not None:
        db.execute("INSERT INTO settings VALUES ('sync.shopper_id', ?)", [paired_as])
    db.close()

    with Store(store_path) as store:
        assert MIGRATIONS.pending(store.db) == []
        assert [v.shopper_id for v in store.visits()] == [expected, expected]
        assert [i.shopper_id for i in store.pending_outbox()] == [expected]
        assert store.visit(second).answers == {}


def test_a_visit_records_the_shopper_paired_when_it_starts(memory_store: Store) -> None:
    memory_store.save_checklist(CHECKLIST)
    unpaired = memory_store.start_visit(CHECKLIST.id, 1, at=T0).uuid
    memory_store.set_setting("sync.shopper_id", "shopper-7")
    paired = memory_store.start_visit(CHECKLIST.id, 1, at=at(60)).uuid
    memory_store.set_setting("sync.shopper_id", "")  # unpaired again
    later = memory_store.start_visit(CHECKLIST.id, 1, at=at(120)).uuid
    shoppers = {v.uuid: v.shopper_id for v in memory_store.visits()}
    assert [shoppers[u] for u in (unpaired, paired, later)] == [None, "shopper-7", None]


# --- checklists --------------------------------------------------------------------


def test_saving_the_same_checklist_again_is_harmless(fresh_store: Store) -> None:
    first = fresh_store.save_checklist(CHECKLIST)
    assert fresh_store.save_checklist(Checklist.model_validate(CHECKLIST.model_dump())) == first
    assert first == checklist_sha256(CHECKLIST)
    assert len(rows(fresh_store)["checklists"]) == 1


def test_other_content_for_a_stored_checklist_version_is_refused(fresh_store: Store, store_path: Path) -> None:
    fresh_store.save_checklist(CHECKLIST)
    changed = CHECKLIST.model_copy(update={"title": "Другой заголовок"})
    with pytest.raises(ConflictingVersionError):
        fresh_store.save_checklist(changed)
    with Store(store_path) as other:
        with pytest.raises(ConflictingVersionError):
            other.save_checklist(changed)
        assert other.checklist(CHECKLIST.id, 1) == CHECKLIST


def test_a_checklist_reads_back_equal_from_a_reopened_store(fresh_store: Store, store_path: Path) -> None:
    fresh_store.save_checklist(CHECKLIST)
    with Store(store_path) as other:
        assert other.checklist(CHECKLIST.id, 1) == CHECKLIST


def test_a_visit_on_an_unknown_checklist_is_refused(memory_store: Store) -> None:
    with pytest.raises(UnknownChecklistError):
        memory_store.start_visit("no_such_checklist", 1, at=T0)
    assert memory_store.visits() == []


# --- visits ------------------------------------------------------------------------


def test_start_visit_makes_a_uuid4_unless_one_is_given(memory_store: Store) -> None:
    memory_store.save_checklist(CHECKLIST)
    made = memory_store.start_visit(CHECKLIST.id, 1, at=T0)
    given_ = memory_store.start_visit(CHECKLIST.id, 1, at=T0, uuid=UUID, assignment_id="route-7")
    assert made.uuid[14] == "4" and made.uuid != UUID
    assert given_.uuid == UUID and given_.assignment_id == "route-7"
    assert given_.checklist_sha256 == checklist_sha256(CHECKLIST)


def test_starting_a_second_visit_with_the_same_uuid_is_refused(memory_store: Store) -> None:
    begin(memory_store)
    with pytest.raises(VisitExistsError):
        memory_store.start_visit(CHECKLIST.id, 1, at=at(60), uuid=UUID)
    assert memory_store.visit(UUID).started_at == T0


def test_an_unknown_visit_is_refused(memory_store: Store) -> None:
    with pytest.raises(VisitNotFoundError):
        memory_store.visit(UUID)
    with pytest.raises(VisitNotFoundError):
        memory_store.answer(UUID, "greeted", True, at(1))


def test_visits_lists_a_summary_of_each_visit(memory_store: Store) -> None:
    uuid = begin(memory_store)
    memory_store.set_section(uuid, "test_drive")
    [summary] = memory_store.visits()
    assert (summary.uuid, summary.checklist_id, summary.checklist_version) == (uuid, CHECKLIST.id, 1)
    assert (summary.status, summary.revision, summary.started_at) == (VisitStatus.IN_PROGRESS, 1, T0)
    assert summary.current_section == "test_drive"


def test_moments_are_stored_as_utc_text_ending_in_z(memory_store: Store) -> None:
    uuid = begin(memory_store)
    moscow = timezone(timedelta(hours=3))
    memory_store.answer(uuid, "greeted", True, datetime(2026, 11, 22, 13, 0, 5, tzinfo=moscow))
    [stored] = memory_store.db.execute("SELECT answered_at FROM answers").fetchone()
    assert stored == "2026-11-22T10:00:05.000000Z"


def test_a_moment_without_a_time_zone_is_refused(memory_store: Store) -> None:
    memory_store.save_checklist(CHECKLIST)
    with pytest.raises(ValueError):
        memory_store.start_visit(CHECKLIST.id, 1, at=datetime(2026, 11, 22, 10, 0))
    assert memory_store.visits() == []


# --- every action survives reopening -------------------------------------------------

Action = Callable[[Store, str], object]
Check = Callable[[Visit, Store], bool]

ACTIONS: dict[str, tuple[Action, Check]] = {
    "answer": (
        lambda s, u: s.answer(u, "rings", 3, at(5)),
        lambda v, s: v.answers["rings"].value == 3 and v.answers["rings"].answered_at == at(5),
    ),
    "mark_na": (
        lambda s, u: s.mark_na(u, "parking", at(5)),
        lambda v, s: v.answers["parking"].na and v.answers["parking"].value is None,
    ),
    "clear": (
        lambda s, u: (s.answer(u, "greeted", False, at(5)), s.clear(u, "greeted", at(6))),
        lambda v, s: v.answers["greeted"].value is None and v.answers["greeted"].answered_at == at(6),
    ),
    "comment": (
        lambda s, u: (s.answer(u, "greeted", True, at(5)), s.comment(u, "greeted", "с улыбкой", at(6))),
        lambda v, s: v.answers["greeted"].comment == "с улыбкой" and v.answers["greeted"].value is True,
    ),
    "timer": (
        lambda s, u: (s.timer(u, "consultant_wait", "start", at(5)), s.timer(u, "consultant_wait", "stop", at(65))),
        lambda v, s: v.stopwatch("consultant_wait", at(999)).elapsed_seconds == 60,
    ),
    "add_photo": (
        lambda s, u: s.add_photo(u, photo("facade"), "photos/facade.jpg"),
        lambda v, s: v.photos == [photo("facade")],
    ),
    "remove_photo": (
        lambda s, u: (
            s.add_photo(u, photo("a"), "photos/a.jpg"),
            s.add_photo(u, photo("b"), "photos/b.jpg"),
            s.remove_photo(u, "facade_photo", photo("a").sha256),
        ),
        lambda v, s: v.photos == [photo("b")],
    ),
    "set_section": (
        lambda s, u: s.set_section(u, "test_drive"),
        lambda v, s: s.current_section(v.uuid) == "test_drive",
    ),
    "finalize": (
        lambda s, u: (complete(s, u), s.finalize(u, at(200))),
        lambda v, s: v.status == VisitStatus.FINALIZED and v.finalized_at == at(200),
    ),
    "reopen": (
        lambda s, u: (complete(s, u), s.finalize(u, at(200)), s.mark_returned(u), s.reopen(u)),
        lambda v, s: v.status == VisitStatus.IN_PROGRESS and v.revision == 2,
    ),
    "answer_follow_ups": (
        lambda s, u: (complete(s, u), s.finalize(u, at(200)), s.answer_follow_ups(u, {"callback": False}, at(49 * 3600))),
        lambda v, s: v.follow_ups["callback"].value is False and v.revision == 2,
    ),
}


@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_survives_closing_and_reopening_the_store(name: str, store_path: Path) -> None:
    act, check = ACTIONS[name]
    with Store(store_path) as store:
        uuid = begin(store)
        act(store, uuid)
        in_memory = store.visit(uuid)
    with Store(store_path) as reopened:
        from_rows = reopened.visit(uuid)
        assert from_rows == in_memory
        assert check(from_rows, reopened)


def test_a_visit_rebuilt_from_rows_equals_the_same_visit_driven_in_memory(fresh_store: Store, store_path: Path) -> None:
    uuid = begin(fresh_store)
    model = Visit(UUID, CHECKLIST, checklist_sha256(CHECKLIST), T0)
    steps: list[tuple[str, tuple]] = [
        ("answer", ("greeted", True, at(1))),
        ("timer", ("consultant_wait", "start", at(2))),
        ("comment", ("greeted", "встретил у входа", at(3))),
        ("answer", ("rings", 4, at(4))),
        ("timer", ("consultant_wait", "stop", at(50))),
        ("timer", ("consultant_wait", "start", at(60))),
        ("mark_na", ("parking", at(61))),
        ("answer", ("test_drive_now", "yes", at(62))),
        ("answer", ("notes", "Консультант Иван, \"вежливый\"", at(63))),
        ("clear", ("rings", at(64))),
        ("answer", ("rings", 1, at(65))),
    ]
    for method, args in steps:
        getattr(fresh_store, method)(uuid, *args)
        getattr(model, method)(*args)
    fresh_store.add_photo(uuid, photo("one"), "photos/one.jpg")
    model.add_photo(photo("one"))
    fresh_store.set_section(uuid, "test_drive")

    assert fresh_store.visit(uuid) == model
    assert rebuilt(store_path, uuid) == model
    assert rebuilt(store_path, uuid).stopwatch("consultant_wait", at(70)).running
    with Store(store_path) as other:
        assert other.current_section(uuid) == "test_drive"


action_steps = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.just("greeted"), st.booleans()),
        st.tuples(st.just("answer"), st.just("rings"), st.integers(0, 50)),
        st.tuples(st.just("answer"), st.just("test_drive_now"), st.sampled_from(["yes", "no", "none"])),
        st.tuples(st.just("answer"), st.just("notes"), st.text(max_size=30)),
        st.tuples(st.just("comment"), st.sampled_from(["greeted", "rings", "notes"]), st.text(max_size=30)),
        st.tuples(st.just("mark_na"), st.just("parking"), st.none()),
        st.tuples(st.just("clear"), st.sampled_from(["greeted", "rings", "parking"]), st.none()),
        st.tuples(st.just("timer"), st.just("consultant_wait"), st.sampled_from(["start", "stop", "reset"])),
        st.tuples(st.just("add_photo"), st.just("facade_photo"), st.sampled_from(["a", "b"])),
        st.tuples(st.just("remove_photo"), st.just("facade_photo"), st.sampled_from(["a", "b"])),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=action_steps)
def test_any_sequence_of_actions_rebuilds_to_the_same_visit(steps: list[tuple[str, str, object]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "field.db"
        model = Visit(UUID, CHECKLIST, checklist_sha256(CHECKLIST), T0)
        with Store(path) as store:
            uuid = begin(store)
            for i, (method, question_id, arg) in enumerate(steps):
                moment = at(i)
                if method == "add_photo":
                    refused = _refusal(lambda: model.add_photo(photo(str(arg))))
                    stored = _refusal(lambda: store.add_photo(uuid, photo(str(arg)), f"photos/{arg}.jpg"))
                elif method == "remove_photo":
                    refused = _refusal(lambda: model.remove_photo(question_id, photo(str(arg)).sha256))
                    stored = _refusal(lambda: store.remove_photo(uuid, question_id, photo(str(arg)).sha256))
                else:
                    args = [question_id] + ([] if arg is None else [arg]) + [moment]
                    refused = _refusal(lambda: getattr(model, method)(*args))
                    stored = _refusal(lambda: getattr(store, method)(uuid, *args))
                assert stored == refused
            assert store.visit(uuid) == with_timers_that_ran(model)
        assert rebuilt(path, uuid) == model


def _refusal(action: Callable[[], object]) -> str | None:
    try:
        action()
    except DomainError as error:
        return error.code
    return None


# --- refused actions write nothing -----------------------------------------------------

REFUSALS: dict[str, tuple[Action, type[Exception]]] = {
    "invalid value": (lambda s, u: s.answer(u, "greeted", "maybe", at(5)), InvalidAnswerError),
    "unknown question": (lambda s, u: s.answer(u, "no_such_question", True, at(5)), UnknownQuestionError),
    "N/A not allowed": (lambda s, u: s.mark_na(u, "greeted", at(5)), InvalidAnswerError),
    "timer on a yes/no question": (lambda s, u: s.timer(u, "greeted", "start", at(5)), InvalidAnswerError),
    "too many photos": (lambda s, u: s.add_photo(u, photo("third"), "photos/third.jpg"), InvalidAnswerError),
    "finalize incomplete": (lambda s, u: s.finalize(u, at(5)), IncompleteVisitError),
    "follow-up not due": (lambda s, u: s.answer_follow_ups(u, {"callback": True}, at(5)), FollowUpNotDueError),
    "no follow-up answers": (lambda s, u: s.answer_follow_ups(u, {}, at(5)), InvalidAnswerError),
    "reopen in progress": (lambda s, u: s.reopen(u), VisitFrozenError),
    "unknown section": (lambda s, u: s.set_section(u, "no_such_section"), UnknownSectionError),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_a_refused_action_writes_nothing(name: str, fresh_store: Store, store_path: Path) -> None:
    act, error = REFUSALS[name]
    uuid = begin(fresh_store)
    fresh_store.answer(uuid, "greeted", True, at(1))
    fresh_store.add_photo(uuid, photo("first"), "photos/first.jpg")
    fresh_store.add_photo(uuid, photo("second"), "photos/second.jpg")
    before, visit_before = rows(fresh_store), fresh_store.visit(uuid)
    with pytest.raises(error):
        act(fresh_store, uuid)
    assert rows(fresh_store) == before
    assert fresh_store.visit(uuid) == visit_before == rebuilt(store_path, uuid)


FAILING_WRITES = {
    "the statement fails": [
        "CREATE TRIGGER refuse BEFORE UPDATE ON answers BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    ],
    # A deferred foreign key is checked only at COMMIT, after the cache has taken the change.
    "the commit fails": [
        "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
        "CREATE TRIGGER orphan AFTER UPDATE ON answers BEGIN INSERT INTO child VALUES (42); END",
    ],
}


@pytest.mark.parametrize("failure", FAILING_WRITES)
def test_a_failed_write_leaves_no_change_in_the_cached_visit(failure: str, fresh_store: Store, store_path: Path) -> None:
    uuid = begin(fresh_store)
    fresh_store.answer(uuid, "greeted", True, at(1))
    for statement in FAILING_WRITES[failure]:
        fresh_store.db.execute(statement)
    with pytest.raises(sqlite3.IntegrityError):
        fresh_store.answer(uuid, "greeted", False, at(2))
    assert fresh_store.visit(uuid).answers["greeted"].value is True
    assert rebuilt(store_path, uuid).answers["greeted"].value is True


def test_a_double_tap_on_a_stopwatch_writes_nothing(fresh_store: Store, store_path: Path) -> None:
    uuid = begin(fresh_store)
    before = rows(fresh_store)
    assert fresh_store.timer(uuid, "consultant_wait", "stop", at(1)) is None
    assert rows(fresh_store) == before
    assert fresh_store.visit(uuid) == rebuilt(store_path, uuid)


def test_answers_after_finalize_are_refused_as_frozen(fresh_store: Store) -> None:
    uuid = finalized(fresh_store)
    before = rows(fresh_store)
    with pytest.raises(VisitFrozenError):
        fresh_store.answer(uuid, "greeted", False, at(300))
    with pytest.raises(VisitFrozenError):
        fresh_store.timer(uuid, "consultant_wait", "start", at(300))
    assert rows(fresh_store) == before


# --- frozen revisions ---------------------------------------------------------------


def test_finalize_freezes_the_payload_as_the_same_bytes_on_every_read(fresh_store: Store, store_path: Path) -> None:
    uuid = begin(fresh_store)
    complete(fresh_store, uuid)
    revision = fresh_store.finalize(uuid, at(200))
    payload = fresh_store.revision_payload(uuid, 1)
    assert payload == canonical_json(revision)
    assert VisitRevision.model_validate_json(payload) == revision
    assert fresh_store.revision_payload(uuid, 1) == payload
    with Store(store_path) as other:
        assert other.revision_payload(uuid, 1) == payload
        [stored_hash] = other.db.execute("SELECT payload_sha256 FROM revisions").fetchone()
        assert stored_hash == hashlib.sha256(payload).hexdigest()


def test_the_database_refuses_to_change_a_frozen_revision(fresh_store: Store) -> None:
    uuid = finalized(fresh_store)
    payload = fresh_store.revision_payload(uuid, 1)
    with pytest.raises(sqlite3.IntegrityError):
        fresh_store.db.execute("UPDATE revisions SET payload = ?", [b"{}"])
    assert fresh_store.revision_payload(uuid, 1) == payload


def test_a_revision_never_finalized_is_not_found(memory_store: Store) -> None:
    uuid = begin(memory_store)
    with pytest.raises(RevisionNotFoundError):
        memory_store.revision_payload(uuid, 1)


def test_reopen_makes_revision_2_and_keeps_revision_1s_payload(fresh_store: Store, store_path: Path) -> None:
    uuid = finalized(fresh_store)
    first = fresh_store.revision_payload(uuid, 1)
    with pytest.raises(VisitFrozenError):
        fresh_store.reopen(uuid)  # only once a coordinator has returned it
    fresh_store.mark_returned(uuid)
    assert fresh_store.reopen(uuid) == 2
    fresh_store.answer(uuid, "greeted", False, at(400))
    second = fresh_store.finalize(uuid, at(500))
    assert second.revision == 2 and second.answers["greeted"].value is False
    assert fresh_store.revision_payload(uuid, 1) == first
    with Store(store_path) as other:
        assert other.revision_payload(uuid, 1) == first
        assert other.revision_payload(uuid, 2) == canonical_json(second)


def test_follow_ups_make_a_new_frozen_revision(fresh_store: Store, store_path: Path) -> None:
    uuid = finalized(fresh_store)
    first = fresh_store.revision_payload(uuid, 1)
    revision = fresh_store.answer_follow_ups(uuid, {"callback": True}, at(49 * 3600))
    assert revision.revision == 2 and revision.follow_ups["callback"].value is True
    with Store(store_path) as other:
        assert other.revision_payload(uuid, 2) == canonical_json(revision)
        assert other.revision_payload(uuid, 1) == first
        assert other.visit(uuid).status == VisitStatus.FINALIZED


# --- outbox -------------------------------------------------------------------------


def test_finalize_queues_the_revision_and_each_photo_once(fresh_store: Store) -> None:
    uuid = begin(fresh_store)
    assert fresh_store.pending_outbox() == []
    complete(fresh_store, uuid)
    fresh_store.add_photo(uuid, photo("side"), "photos/side.jpg")
    fresh_store.finalize(uuid, at(200))
    assert [(i.kind, i.revision, i.photo_sha256) for i in fresh_store.pending_outbox()] == [
        ("visit_revision", 1, None),
        ("photo", 1, photo("facade").sha256),
        ("photo", 1, photo("side").sha256),
    ]
    fresh_store.mark_returned(uuid)
    fresh_store.reopen(uuid)
    fresh_store.remove_photo(uuid, "facade_photo", photo("side").sha256)
    fresh_store.add_photo(uuid, photo("new"), "photos/new.jpg")
    fresh_store.finalize(uuid, at(300))
    assert [(i.kind, i.revision, i.photo_sha256) for i in fresh_store.pending_outbox()][3:] == [
        ("visit_revision", 2, None),
        ("photo", 2, photo("new").sha256),
    ]


def test_an_outbox_item_marked_done_leaves_the_queue_and_the_visit_is_synced(fresh_store: Store, store_path: Path) -> None:
    uuid = finalized(fresh_store)
    revision_item, photo_item = fresh_store.pending_outbox()
    fresh_store.mark_outbox_done(revision_item.id)
    fresh_store.mark_outbox_done(revision_item.id)
    assert fresh_store.pending_outbox() == [photo_item]
    assert fresh_store.visit(uuid).status == VisitStatus.SYNCED
    with Store(store_path) as other:
        assert other.pending_outbox() == [photo_item]
        assert other.visit(uuid).status == VisitStatus.SYNCED


def test_an_outbox_item_marked_failed_stays_queued_with_its_reason(store_path: Path) -> None:
    moment = datetime(2026, 11, 22, 11, 0, tzinfo=timezone.utc)
    with Store(store_path, clock=lambda: moment) as store:
        finalized(store)
        item = store.pending_outbox()[0]
        store.mark_outbox_failed(item.id, "network", "connection reset")
        store.mark_outbox_failed(item.id, "network", "HTTP 503")
    with Store(store_path) as other:
        again = other.pending_outbox()[0]
        assert again.id == item.id
        assert (again.attempts, again.last_error, again.last_attempt_at) == (2, "HTTP 503", moment)
        assert again.created_at == moment


def test_marking_an_unknown_outbox_item_is_refused(memory_store: Store) -> None:
    with pytest.raises(OutboxItemNotFoundError):
        memory_store.mark_outbox_done(42)
    with pytest.raises(OutboxItemNotFoundError):
        memory_store.mark_outbox_failed(42, "network", "timeout")


# --- stopwatches, sections, other connections -------------------------------------------


def test_a_stopwatch_keeps_running_while_the_store_is_closed(store_path: Path) -> None:
    with Store(store_path) as store:
        uuid = begin(store)
        store.timer(uuid, "consultant_wait", "start", at(100))
    with Store(store_path) as reopened:
        state = reopened.visit(uuid).stopwatch("consultant_wait", at(105))
    assert state.running
    assert state.elapsed_seconds == 5.0


def test_the_section_the_shopper_was_on_survives_reopening(fresh_store: Store, store_path: Path) -> None:
    uuid = begin(fresh_store)
    assert fresh_store.current_section(uuid) is None
    fresh_store.set_section(uuid, "test_drive")
    with Store(store_path) as other:
        assert other.current_section(uuid) == "test_drive"


def test_writes_by_another_connection_are_not_hidden_by_the_cache(fresh_store: Store, store_path: Path) -> None:
    uuid = begin(fresh_store)
    fresh_store.answer(uuid, "greeted", True, at(1))
    with Store(store_path) as other:
        other.answer(uuid, "rings", 7, at(2))
    fresh_store.answer(uuid, "test_drive_now", "yes", at(3))
    visit = rebuilt(store_path, uuid)
    assert {q: a.value for q, a in visit.answers.items()} == {"greeted": True, "rings": 7, "test_drive_now": "yes"}
    assert fresh_store.visit(uuid) == visit


def test_a_store_can_be_called_from_several_threads(fresh_store: Store, store_path: Path) -> None:
    uuid = begin(fresh_store)
    moments = [at(i) for i in range(40)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda moment: fresh_store.comment(uuid, "notes", moment.isoformat(), moment), moments))
        list(pool.map(lambda moment: fresh_store.timer(uuid, "consultant_wait", "start", moment), moments))
    visit = rebuilt(store_path, uuid)
    assert visit == fresh_store.visit(uuid)
    assert len(visit.timers["consultant_wait"]) == 1


def test_a_visit_handed_out_cannot_change_what_is_stored(memory_store: Store) -> None:
    uuid = begin(memory_store)
    handed_out = memory_store.visit(uuid)
    handed_out.answer("greeted", True, at(1))
    assert memory_store.visit(uuid).answers == {}


def test_store_errors_have_a_docstring_and_a_stable_unique_code() -> None:
    errors = [
        value for value in vars(store_errors).values()
        if isinstance(value, type) and issubclass(value, store_errors.StoreError)
    ]
    codes = [error.code for error in errors]
    assert len(errors) == 7
    assert len(set(codes)) == len(codes)
    assert all(code.startswith("store.") for code in codes)
    assert all(error.__doc__ and "\n" not in error.__doc__.strip() for error in errors)


def test_unfinished_visits_are_the_ones_still_being_recorded_oldest_first(fresh_store: Store) -> None:
    done = finalized(fresh_store)
    later = fresh_store.start_visit(CHECKLIST.id, CHECKLIST.version, at=at(400)).uuid
    earlier = fresh_store.start_visit(CHECKLIST.id, CHECKLIST.version, at=at(300)).uuid
    assert fresh_store.unfinished_visits() == [earlier, later]
    assert done not in fresh_store.unfinished_visits()
