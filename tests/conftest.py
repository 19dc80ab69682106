"""Shared fixtures. Keep this file small: a fixture lives here only when several test
files need it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from field_app.store import Store


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
