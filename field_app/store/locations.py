"""Queries on `location_outcomes`: what each request for a location fix of a visit came to."""

from __future__ import annotations

from sqlite_utils import Database

from field_app.domain.locations import LocationOutcome

from .codec import moment_text, read_moment


def insert(db: Database, uuid: str, outcome: LocationOutcome) -> None:
    fix = outcome.fix
    db.execute(
        """
        INSERT INTO location_outcomes (visit_uuid, event, photo_sha256, at, lat, lon, accuracy_m, reason)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [uuid, outcome.event, outcome.photo_sha256, moment_text(outcome.at),
         None if fix is None else fix.lat, None if fix is None else fix.lon,
         None if fix is None else fix.accuracy_m, outcome.reason],
    )


def of_visit(db: Database, uuid: str) -> list[LocationOutcome]:
    """The visit's outcomes in the order they came."""
    rows = db.execute(
        """
        SELECT event, photo_sha256, at, lat, lon, accuracy_m, reason
        FROM location_outcomes WHERE visit_uuid = ? ORDER BY id
        """,
        [uuid],
    )
    outcomes = []
    for event, sha256, at, lat, lon, accuracy_m, reason in rows:
        moment = read_moment(at)
        if reason is None:
            outcomes.append(LocationOutcome.found(event, moment, lat, lon, accuracy_m, photo_sha256=sha256))
        else:
            outcomes.append(LocationOutcome.unavailable(event, moment, reason, photo_sha256=sha256))
    return outcomes
