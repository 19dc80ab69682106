"""Recordings of a visit's audio questions as the console plays them (issue 17, point 3):
which file a visit may serve, and what each stored one is and how long it plays.

What a file holds is read from its bytes each time (`audio.read_audio`: its header only,
a few kilobytes), so nothing about it is kept beside the file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from field_app.domain.records import RecordingRef, VisitRevision

from . import audio
from .database import storable
from .errors import NotFoundError, RecordingRefusedError
from .queries import recordings as q
from .store import ServerStore

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Recording:
    """A recording of the revision; `facts` is None until its file has arrived."""

    ref: RecordingRef
    facts: audio.AudioFacts | None


def of_revision(store: ServerStore, revision: VisitRevision) -> list[Recording]:
    """The revision's recordings in its order, each with its facts once stored."""
    return [Recording(ref, _facts(store, ref.sha256)) for ref in revision.recordings]


def recording_file(store: ServerStore, uuid: str, sha256: str) -> tuple[Path, audio.AudioFacts]:
    """The stored file of a recording that a revision of the visit names, and what it is.
    Any other name, or a recording not uploaded yet, is not found."""
    if not (_SHA256.fullmatch(sha256) and storable(uuid)):
        raise NotFoundError("There is no such recording.")
    with store.db.read() as conn:
        named = q.names(conn, uuid, sha256)
    facts = _facts(store, sha256) if named else None
    if facts is None:
        raise NotFoundError("There is no such recording.")
    return store.files.blob_path(sha256), facts


def _facts(store: ServerStore, sha256: str) -> audio.AudioFacts | None:
    if not store.files.is_in_place(sha256):
        return None
    try:
        return audio.read_audio(store.files.blob_path(sha256))
    except RecordingRefusedError:  # checked when it arrived; a file of a photo named as a recording
        return None
