"""The room the app takes on the phone, and the photos and call recordings that leave it
once confirmed.

A year of visits with twenty photos each would fill gigabytes. The full file of a photo
that only confirmed visits name (the server holds it, and a coordinator approved the
visit or it is older than `CONFIRMED_AFTER`: see `store.retention`) leaves the phone
after a sync run; its thumbnail stays, and the screens show that in its place. A call
recording (a WAV of a quarter of an hour is some 30 MB) leaves the same way, with nothing
in its place: the screens say the server keeps it. Nothing unsent is ever removed: the
store names only files whose upload the server confirmed.

Both functions read and write files: call them off the UI path.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .photos import PhotoError
from .photos.pipeline import write_thumbnail
from .recordings import recording_file
from .store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpaceUsed:
    """Bytes on the phone: the database (with its journal), full photos and call
    recordings (`photos`), thumbnails."""

    database: int
    photos: int
    thumbnails: int

    @property
    def total(self) -> int:
        return self.database + self.photos + self.thumbnails


def photo_file(photos_dir: Path, sha256: str) -> Path:
    return Path(photos_dir) / f"{sha256}.jpg"


def thumbnail_file(photos_dir: Path, sha256: str) -> Path:
    return Path(photos_dir) / f"{sha256}.thumb.jpg"


def free_confirmed_photos(store: Store, photos_dir: Path, now: datetime) -> list[str]:
    """Remove the full files of the photos that may leave the phone, keeping (or first
    making) each one's thumbnail; returns the sha256 of those removed. A photo whose
    thumbnail cannot be made stays, whole."""
    removed = []
    for sha256 in store.photos_that_may_leave(now):
        full, thumbnail = photo_file(photos_dir, sha256), thumbnail_file(photos_dir, sha256)
        if full.exists() and not thumbnail.exists():
            try:
                write_thumbnail(full, thumbnail)
            except (PhotoError, OSError):
                log.warning("photo %s kept: no thumbnail could be made of it", sha256, exc_info=True)
                continue
        with contextlib.suppress(FileNotFoundError):  # gone already: a run cut before recording it
            full.unlink()
        removed.append(sha256)
    if removed:
        # After the files: a run cut in between finds them again and records them then.
        store.record_photos_removed(removed)
    return removed


def free_confirmed_recordings(store: Store, photos_dir: Path, now: datetime) -> list[str]:
    """Remove the files of the call recordings that may leave the phone; returns their sha256."""
    removed = []
    for sha256 in store.recordings_that_may_leave(now):
        with contextlib.suppress(FileNotFoundError):  # gone already: a run cut before recording it
            recording_file(photos_dir, sha256).unlink()
        removed.append(sha256)
    if removed:
        store.record_photos_removed(removed)  # after the files, as for photos
    return removed


def space_used(store: Store, photos_dir: Path) -> SpaceUsed:
    """What the app's files take now (a thumbnail kept for a removed photo included)."""
    photos = thumbnails = 0
    with contextlib.suppress(FileNotFoundError), os.scandir(photos_dir) as entries:
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile
                size = entry.stat(follow_symlinks=False).st_size
                if entry.name.endswith(".thumb.jpg"):
                    thumbnails += size
                else:
                    photos += size
    database = 0
    for path in store.files():
        with contextlib.suppress(FileNotFoundError):
            database += path.stat().st_size
    return SpaceUsed(database=database, photos=photos, thumbnails=thumbnails)
