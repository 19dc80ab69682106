"""Plain records the server library returns (the wire messages are in
`field_app.domain.sync_messages`). `as_json()` gives what `--json` prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime


class _Plain:
    def as_json(self) -> dict:
        return {k: _jsonable(v) for k, v in asdict(self).items()}  # type: ignore[call-overload]


def _jsonable(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat().replace("+00:00", "Z")
    return value


@dataclass(frozen=True)
class Coordinator(_Plain):
    """A person who runs the console."""

    id: str
    username: str
    created_at: datetime


def shopper_label(name: str, city: str, shopper_id: str) -> str:
    """A shopper as pickers and boards show them, told apart from a namesake by their
    city (when given) and the end of their id: «Иван Петров · Казань · #a1b2»."""
    return " · ".join(part for part in (name, city, "#" + shopper_id[-4:]) if part)


@dataclass(frozen=True)
class ShopperAccount(_Plain):
    """A shopper as the server knows them; a deactivated one stays in history and reports
    but is planned no more and has no working phone."""

    id: str
    name: str
    created_at: datetime
    city: str = ""
    deactivated_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.deactivated_at is None

    @property
    def label(self) -> str:
        return shopper_label(self.name, self.city, self.id)


@dataclass(frozen=True)
class PairingCode(_Plain):
    """A one-time code that pairs one phone with a shopper; only its hash is kept."""

    shopper_id: str
    pairing_code: str
    expires_at: datetime


@dataclass(frozen=True)
class Device(_Plain):
    """A paired phone; its token is known only by its hash."""

    id: str
    shopper_id: str
    shopper_name: str
    name: str
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    # "id@version" of the checklists the phone last said it cannot open (too new for its
    # app), and when it said so; None if it never did.
    unreadable_checklists: tuple[str, ...] = ()
    unreadable_reported_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def outdated(self) -> bool:
        """The phone's app cannot open a checklist it was given (a revoked phone's word no longer counts)."""
        return bool(self.unreadable_checklists) and not self.revoked


@dataclass(frozen=True)
class DealerImport(_Plain):
    """What an import of dealerships changed."""

    inserted: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class ImportedYear(_Plain):
    """A year of the production calendar imported, and what it took the place of."""

    year: int
    source: str
    transfers: int
    working_days: int
    replaced_import_of: datetime | None  # when the year it replaces had been imported
    replaced_shipped: bool  # the package ships a decree for this year, which it overrides


@dataclass(frozen=True)
class PlannedVisit(_Plain):
    """An assignment as the console makes it: which shopper, day, dealer and checklist."""

    assignment_id: str
    shopper_id: str
    day: date
    position: int
    dealer_code: str
    checklist_id: str
    checklist_version: int
    window_start: str | None = None
    window_end: str | None = None
    note: str = ""


@dataclass(frozen=True)
class PublishedChecklist(_Plain):
    """A checklist version on the server; `created` is False when it was there already."""

    id: str
    version: int
    sha256: str
    created: bool


@dataclass(frozen=True)
class Repin(_Plain):
    """Planned stops moved to a newer checklist version (in a dry run: those that would move)."""

    checklist_id: str
    to_version: int
    from_day: date
    shopper_id: str | None
    assignment_ids: list[str]
    dry_run: bool

    @property
    def count(self) -> int:
        return len(self.assignment_ids)

    def as_json(self) -> dict:
        return super().as_json() | {"count": self.count}


@dataclass(frozen=True)
class Review(_Plain):
    """A coordinator's verdict on one revision of a visit."""

    id: str
    visit_uuid: str
    revision: int
    action: str
    comment: str
    reviewed_by: str
    reviewed_at: datetime


@dataclass(frozen=True)
class VisitRow:
    """The server's row of a visit (its revisions are stored apart)."""

    uuid: str
    shopper_id: str
    latest_revision: int
    status: str
