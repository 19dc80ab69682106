"""What the console shows of a revision's proof (issue 17, point 5): its flags as stored
(`evidence_store`), the dealership's pin, radius and time zone, when the camera says each
of its photos was taken, and the other visits its flags name. Read in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from field_app.domain.due import DEFAULT_TIMEZONE
from field_app.domain.records import VisitRevision

from .evidence import DEFAULT_RADIUS_M
from .queries import evidence as q, visit_list
from .queries.visit_list import VisitListRow
from .store import ServerStore


@dataclass(frozen=True)
class Proof:
    flags: list[q.FlagRow]
    computed_at: datetime | None  # None: the revision's flags were never computed
    pin: tuple[float, float] | None  # the dealership's (lat, lon); None: no dealership, or not pinned
    radius_m: float
    timezone: str  # the dealership's (Moscow's without one)
    taken: dict[str, datetime] = field(default_factory=dict)
    """By photo sha256: the EXIF capture time, aware (a naive one is the dealership's wall
    clock, as the flags read it); a photo not uploaded yet or without one is absent."""
    others: dict[str, VisitListRow] = field(default_factory=dict)  # the visits the flags name, by uuid


def proof(store: ServerStore, uuid: str, revision: VisitRevision, dealer_code: str | None) -> Proof:
    with store.db.read() as conn:
        flags, computed_at = q.flags_of_revision(conn, uuid, revision.revision)
        place = q.dealership_place(conn, dealer_code) if dealer_code is not None else None
        facts = q.facts_of(conn, {p.sha256 for p in revision.photos})
        named = [f.numbers["other_visit"] for f in flags if isinstance(f.numbers.get("other_visit"), str)]
        others = visit_list.rows_of(conn, list(dict.fromkeys(named)))
    zone = place.timezone if place is not None else DEFAULT_TIMEZONE
    pinned = place is not None and place.lat is not None and place.lon is not None
    return Proof(
        flags=flags, computed_at=computed_at,
        pin=(place.lat, place.lon) if pinned else None,
        radius_m=place.radius_m if place is not None and place.radius_m is not None else DEFAULT_RADIUS_M,
        timezone=zone,
        taken={sha: moment for sha, row in facts.items()
               if (moment := _aware(row.taken_at, ZoneInfo(zone))) is not None},
        others={row.uuid: row for row in others},
    )


def _aware(taken_at: str | None, zone: ZoneInfo) -> datetime | None:
    """A stored capture time, aware: its own offset, else the dealership's wall clock. A
    camera clock at year 1 or 9999 that falls off the calendar counts as none."""
    if not taken_at:
        return None
    try:
        moment = datetime.fromisoformat(taken_at)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment
