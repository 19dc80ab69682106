"""How a server instance is set up: where its data lives, its limits, and its clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from importlib.resources.abc import Traversable
from pathlib import Path

from field_app.domain.clock import Clock, SystemClock
from field_app.domain.resources import shipped_checklists
from field_app.photos.decode import MAX_FILE_BYTES, MAX_PIXELS

MIB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Everything `create_app` and the admin commands need; tests swap the clock and limits."""

    data_dir: Path
    # None: SQLite at data_dir/server.db. `postgresql://user@host:port/db` works as is.
    db_url: str | None = None
    # Published on every start (idempotently); None publishes nothing.
    checklists_dir: Path | Traversable | None = field(default_factory=shipped_checklists)
    json_body_limit: int = 2 * MIB
    blob_body_limit: int = 20 * MIB
    # Console forms: a dealership CSV or a checklist YAML.
    console_body_limit: int = 10 * MIB
    # check_jpeg refuses files past MAX_FILE_BYTES anyway: a visit may not promise more.
    max_photo_bytes: int = MAX_FILE_BYTES
    max_pixels: int = MAX_PIXELS
    # A recording of an audio question (issue 17, point 3): 15 minutes of the WAV a phone
    # records (44.1 kHz, 16 bit, mono) is 79 MB; of AAC at 128 kbit/s, 14 MB.
    max_recording_bytes: int = 100_000_000
    pairing_code_lifetime: timedelta = timedelta(days=7)
    route_days_back: int = 30
    # How long a PATCH waits for another PATCH of the same photo before answering 423.
    upload_lock_wait: float = 5.0
    # A PATCH whose body stops arriving for this long ends, keeping what arrived.
    upload_idle_timeout: float = 60.0
    # Device tokens' last_seen_at is written at most this often (it costs a write).
    last_seen_interval: timedelta = timedelta(minutes=1)
    # Flags of each revision (issue 17): off only to measure what they cost (benchmarks/evidence.py).
    compute_flags: bool = True
    db_pool_size: int = 10
    db_max_overflow: int = 30
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{(self.data_dir / 'server.db').resolve()}"
