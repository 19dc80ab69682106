"""What a server keeps: the database, the published checklists and the photo files.

`open_store` brings a data folder (and database) up to date: it applies the migrations
the database lacks and publishes the project's checklists that are missing from it. A
project checklist published earlier with other content stops it with a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from field_app.domain.registry import Registry

from .blobstore import BlobStore
from .catalog import Catalog
from .database import Database
from .errors import ChecklistConflictError
from .migrations import migrate
from .settings import Settings


@dataclass
class ServerStore:
    settings: Settings
    db: Database
    catalog: Catalog
    files: BlobStore

    def now(self) -> datetime:
        return self.settings.clock.now()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "ServerStore":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_store(settings: Settings) -> ServerStore:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    try:
        migrate(db, settings.clock.now)
        catalog = Catalog(db)
        if settings.checklists_dir is not None:
            publish_directory(catalog, settings, settings.checklists_dir)
        catalog.load_all()
        return ServerStore(settings, db, catalog, BlobStore(settings.data_dir))
    except BaseException:
        db.close()
        raise


def publish_directory(catalog: Catalog, settings: Settings, folder) -> list[tuple[str, int]]:
    """Publish every version in `folder/<id>/<version>.yaml` the database lacks."""
    published = []
    for entry in Registry.from_directory(folder):
        try:
            _, created = catalog.publish(entry.checklist, settings.clock.now())
        except ChecklistConflictError as exc:
            raise ChecklistConflictError(
                f"cannot start: the checklist file {folder}/{entry.checklist.id}/{entry.checklist.version}.yaml "
                f"differs from the version this server published before. {exc}"
            ) from None
        if created:
            published.append((entry.checklist.id, entry.checklist.version))
    return published
