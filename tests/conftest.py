"""Shared fixtures. Keep this file small: a fixture lives here only when several test
files need it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from field_app.app import open_service
from field_app.domain.clock import ManualClock
from field_app.demo import fill_demo
from field_app.domain.registry import Registry
from field_app.domain.resources import shipped_checklists
from field_app.services import FieldService
from field_app.store import Store

from flet_harness import FletHarness
from samples import DEMO_NOW
from shown_text import recording_translators


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Where `fresh_store` keeps its file, to open a second Store on it."""
    return tmp_path / "field.db"


@pytest.fixture
def fresh_store(store_path: Path) -> Iterator[Store]:
    """A new, empty store in a file of its own (WAL, synchronous=FULL as on the phone)."""
    store = Store(store_path)
    yield store
    store.close()


@pytest.fixture
def memory_store() -> Iterator[Store]:
    """A new, empty store in memory: fast, for tests that never reopen it."""
    store = Store.memory()
    yield store
    store.close()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when told to (override it for another start time)."""
    return ManualClock(DEMO_NOW)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where the app under test keeps its data, to open it again as after a restart."""
    return tmp_path / "app"


@pytest.fixture
def service(folder: Path, clock: ManualClock) -> Iterator[FieldService]:
    """The app's services over a fresh store holding the demo route."""
    service = open_service(folder, clock)
    fill_demo(service, Registry.from_directory(shipped_checklists()))
    yield service
    service.store.close()


@pytest.fixture
async def harnesses() -> Iterator[list[FletHarness]]:
    """In-memory Flet sessions a test starts; closed after it."""
    started: list[FletHarness] = []
    yield started
    for h in started:
        h.close()


@pytest.fixture
def produced(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every string the app's translators return during the test, whichever module asks."""
    return recording_translators(monkeypatch)


# --- the sync server (helpers in server_support.py, imported late: the app's tests do
# not need FastAPI loaded) -------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def server_db(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The database of a server test: None (SQLite in the data folder) or a fresh
    PostgreSQL schema; PostgreSQL is skipped unless FIELDAUDIT_TEST_POSTGRES_URL is set."""
    import server_support

    with server_support.database_url(request.param) as url:
        yield url


@pytest.fixture
def server_settings(tmp_path: Path, server_db: str | None, clock: ManualClock):
    """Settings of a test server: its own data folder and database, the test's clock."""
    from server_stub.settings import Settings

    return Settings(data_dir=tmp_path / "server", db_url=server_db, clock=clock)


@pytest.fixture
def live_server(server_settings):
    """A real server on a free loopback port, serving the mini checklist of samples.py."""
    import server_support

    with server_support.LiveServer.start(server_settings) as server:
        server_support.publish_mini(server.store)
        yield server


@pytest.fixture
def server_store(server_settings):
    """An open server store (migrated, the repository's checklists published)."""
    from server_stub.store import open_store

    with open_store(server_settings) as store:
        yield store


@pytest.fixture
def console(server_store):
    """The coordinator console in-process, logged in (see console_support.py)."""
    import console_support

    with console_support.console_client(server_store) as client:
        yield client
