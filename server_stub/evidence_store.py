"""Flags kept per revision (issue 17, point 4): gathered, computed (`evidence.flags_of`)
and stored when a revision arrives and again when a photo it names arrives.

    put_revision: hold_photos, ..., insert the revision, revision_stored (a savepoint)
    upload done, file in place: photo_stored: its facts read and committed, then
        hold_photos, and the revisions naming it (or a photo like it) computed again

Flags never refuse anything. A PUT computes its revision's flags in its own transaction
(one commit, not two: a second cost a PUT 0.6 ms on SQLite), inside a savepoint: an
error is logged, rolled back to the savepoint, and the visit is stored without flags
(`flags_at` NULL). An upload computes them after the photo is stored; an error there is
logged and leaves the revisions' flags as they were.

What flags add to a PUT (11-15% in benchmarks/evidence.py) is mostly statements: the
photos' turn (PostgreSQL), the savepoint, one read of everything the flags need
(`q.flag_inputs`: the photos' facts, the revisions naming them, their look-alikes, the
dealership, the shopper's visits before and after) and the flags' insert, if any. On
PostgreSQL that is 4 round trips and psycopg's work; on SQLite the statements' Python
(the read alone 0.2 ms of the 0.5 ms CPU the flags take in a PUT there). Computing the
flags (`evidence.flags_of`) takes 0.03 ms warm, 0.1 ms within a PUT.

A photo landing while a PUT naming it computes is seen by one of the two: the upload
commits the facts, then takes the photo's turn (`hold_photos`: an advisory lock on
PostgreSQL, taken by the PUT before any row; SQLite's writer lock does the same) before
it looks for the revisions naming the photo. So either the PUT read the facts, or the
upload finds the committed revision. A photo whose file is in place without facts (stored
before migration 16, or landing just now) has them read by the PUT itself; only a photo
another stored revision names can be in place, so only those are looked for on disk.

Near-duplicates are looked for once per photo, through the bands, when its facts are
read (its upload, or lazily): the pairs found are kept both ways (`photos_alike`), so a
PUT naming stored photos (a later revision) reads its photos' pairs with their facts,
instead of scanning the bands again (8 stored photos among 100,000 made a PUT 5.3x as
slow).

A photo found reused computes the other visit's revisions that name its match again
too, so both visits name each other; the visits' rows are held (uuid order) meanwhile,
so two computations of one revision take turns. An impossible trip is judged by the
visit that arrives later, against the shopper's visits already stored: of two visits
too far apart for the time between them, the second to arrive carries the flag, naming
the first (computing the neighbours' flags again on every PUT would cost it more than
the 20% the flags may add).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection

from field_app.domain.records import VisitRevision
from field_app.photos.errors import PhotoError

from . import evidence
from .database import moment
from .evidence import Dealership, NeighbourVisit, PhotoMatch, VisitEvidence
from .photo_facts import PhotoFacts, bands, hamming, is_near_duplicate, photo_facts
from .queries import evidence as q
from .store import ServerStore

log = logging.getLogger("server_stub")

Target = tuple[str, int]  # (visit uuid, revision)
FLAGS_SAVEPOINT = "revision_flags"


def hold_photos(store: ServerStore, conn: Connection, shas: Iterable[str]) -> None:
    """PostgreSQL: take these photos' turn (advisory locks, sha order) for this transaction,
    before any visit's row: a PUT naming a photo and the completion of that photo's upload
    take turns, so one of them sees the other (SQLite's writer lock already orders them)."""
    if conn.dialect.name == "sqlite" or not store.settings.compute_flags:
        return
    q.hold_photos(conn, shas)


def revision_stored(store: ServerStore, conn: Connection, uuid: str, revision: VisitRevision, *,
                    received_at: datetime, shopper_id: str, dealer_code: str | None) -> None:
    """Compute a new revision's flags in the transaction that stores it (which took
    `hold_photos` first, and inserted the revision with `flags_at` set), and again those
    of other visits it shares a photo (or a look) with. Inside a savepoint: a failure is
    logged and rolled back, `flags_at` cleared, the visit kept."""
    if not store.settings.compute_flags:
        return
    # A savepoint that is never released: the commit ends it, and a RELEASE was one more
    # round trip on every PUT (on PostgreSQL a tenth of what the flags add to it).
    conn.exec_driver_sql(f"SAVEPOINT {FLAGS_SAVEPOINT}")
    try:
        shas = {p.sha256 for p in revision.photos}
        found = q.flag_inputs(conn, shas, shopper_id=shopper_id, uuid=uuid, started_at=moment(revision.started_at),
                              dealer_code=dealer_code)
        missing = shas - found.facts.keys()
        for row in _read_missing_facts(store, conn, missing, found.naming, (uuid, revision.revision)):
            found.facts[row.sha256] = row
            found.alike[row.sha256] = _keep_alike(conn, row)
        naming = found.naming + _naming_looks(conn, found.alike)
        mine = _evidence(store, uuid, revision, received_at, found, _matches(uuid, naming, found.alike))
        q.replace_flags(conn, uuid, revision.revision, _rows(evidence.flags_of(mine)), store.now(), fresh=True)
        others = {(other, number) for other, number, _ in naming if other != uuid}
        if others:
            _recompute(store, conn, others)
    except Exception:
        log.exception("flags of visit %s revision %s not computed", uuid, revision.revision)
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {FLAGS_SAVEPOINT}")
        # The revision was stored saying its flags were computed now (one statement fewer
        # on every PUT); rolled back to the savepoint, it says they were not.
        q.set_flags_at(conn, uuid, revision.revision, None)


def photo_stored(store: ServerStore, sha256: str) -> None:
    """A photo's upload completed (its file in place): read its facts and recompute the
    revisions that name it or a photo it looks like. Never raises: a failure is logged."""
    if not store.settings.compute_flags:
        return
    try:
        facts = _read_facts(store, sha256)
        if facts is not None:
            # Committed before the photos like it and the revisions naming it are looked
            # for: of two look-alikes landing at once, the later to look finds the other.
            with store.db.write() as conn:
                q.save_facts(conn, [facts], store.now())
        with store.db.write() as conn:
            hold_photos(store, conn, [sha256])
            if facts is not None:
                _keep_alike(conn, facts)
            _recompute(store, conn, _related(conn, {sha256}))
    except Exception:
        log.exception("flags of the visits naming photo %s not computed", sha256)


def set_radius(store: ServerStore, code: str, radius_m: float | None) -> bool:
    """How far a dealership reaches, in metres (None: evidence.DEFAULT_RADIUS_M)."""
    if radius_m is not None and not radius_m > 0:
        raise ValueError("a dealership's radius is a positive number of metres")
    with store.db.write() as conn:
        return q.set_radius(conn, code, radius_m)


def flags(store: ServerStore, uuid: str, revision: int) -> tuple[list[q.FlagRow], datetime | None]:
    """A revision's flags and when they were computed (None: not computed)."""
    with store.db.read() as conn:
        return q.flags_of_revision(conn, uuid, revision)


# --- what is recomputed -------------------------------------------------------------

def _related(conn: Connection, shas: set[str]) -> set[Target]:
    """The revisions naming these photos or photos like them."""
    looks = {other for found in q.alike(conn, shas).values() for other in found}
    return {(uuid, rev) for uuid, rev, _ in q.visits_naming(conn, shas | looks)}


def _keep_alike(conn: Connection, row: q.FactsRow) -> dict[str, int]:
    """Find the stored photos that look like this one (the bands give the candidates,
    hamming decides) and keep the pairs; {other sha256: bits}."""
    if row.look is None:
        return {}
    alike = {other: hamming(look, row.look) for other, look in q.sharing_a_band(conn, row.bands).items()
             if other != row.sha256 and is_near_duplicate(look, row.look)}
    q.save_alike(conn, row.sha256, alike)
    return alike


def _naming_looks(conn: Connection, near: dict[str, dict[str, int]]) -> list[tuple[str, int, str]]:
    """Who names the photos that look like these (no query when none does)."""
    looks = {other for found in near.values() for other in found}
    return q.visits_naming(conn, looks) if looks else []


def _recompute(store: ServerStore, conn: Connection, targets: set[Target]) -> None:
    """Compute these stored revisions' flags again, their visits' rows held."""
    q.lock_visits(conn, (uuid for uuid, _ in targets))
    for uuid, number in sorted(targets):
        stored = q.stored_revision(conn, uuid, number)
        if stored is None:
            continue
        revision = VisitRevision.model_validate_json(stored.payload)
        found = q.flag_inputs(conn, {p.sha256 for p in revision.photos}, shopper_id=stored.shopper_id, uuid=uuid,
                              started_at=moment(revision.started_at), dealer_code=stored.dealer_code)
        naming = found.naming + _naming_looks(conn, found.alike)
        gathered = _evidence(store, uuid, revision, stored.received_at, found, _matches(uuid, naming, found.alike))
        q.replace_flags(conn, uuid, number, _rows(evidence.flags_of(gathered)), store.now())


def _rows(flags: list[evidence.Flag]) -> list[tuple[str, dict]]:
    return [(flag.code, flag.numbers) for flag in flags]


# --- gathering ------------------------------------------------------------------------

def _evidence(store: ServerStore, uuid: str, revision: VisitRevision, received_at: datetime,
              found: q.FlagInputs, matches: list[PhotoMatch]) -> VisitEvidence:
    checklist = store.catalog.get(revision.checklist.id, revision.checklist.version).checklist
    place = found.place
    dealership = None if place is None else Dealership(
        lat=place.lat, lon=place.lon, timezone=place.timezone,
        radius_m=place.radius_m if place.radius_m is not None else evidence.DEFAULT_RADIUS_M)
    return VisitEvidence(
        visit_uuid=uuid, revision=revision, checklist=checklist, received_at=received_at,
        dealership=dealership,
        minimum_duration=(timedelta(minutes=checklist.min_duration_minutes)
                          if checklist.min_duration_minutes is not None else None),
        photos={sha: _as_facts(row) for sha, row in found.facts.items()},
        matches=matches,
        previous_visit=_neighbour(found.before, before=True),
        next_visit=_neighbour(found.after, before=False),
    )


def _matches(uuid: str, naming: list[tuple[str, int, str]], near: dict[str, dict[str, int]]) -> list[PhotoMatch]:
    """The photos of visit `uuid` that other visits name (`naming`: who names which photo),
    the same file or one within NEAR_DUPLICATE_BITS (`near`)."""
    by_photo: dict[str, set[str]] = {}
    for other, _, sha in naming:
        if other != uuid:
            by_photo.setdefault(sha, set()).add(other)
    found = [PhotoMatch(sha, other, 0, same_file=True) for sha in sorted(by_photo) for other in sorted(by_photo[sha])]
    for sha, looks in near.items():
        found += [PhotoMatch(sha, other, bits) for other_sha, bits in looks.items()
                  for other in sorted(by_photo.get(other_sha, ()))]
    return found


def _neighbour(row: q.Neighbour | None, *, before: bool) -> NeighbourVisit | None:
    """The shopper's visit just before (where and when it finished) or after (where and
    when it started): read from its payload as JSON, only the moments and fixes (parsing
    all of it as a revision cost a PUT 0.2 ms)."""
    if row is None:
        return None
    other = json.loads(row.payload)
    event = "finish" if before else "start"
    fixes = [fix for fix in other.get("locations") or () if fix.get("event") == event]
    at = _instant(other["finalized_at"] if before else other["started_at"])
    if fixes:
        fix = fixes[-1] if before else fixes[0]
        return NeighbourVisit(row.uuid, at, float(fix["lat"]), float(fix["lon"]), float(fix["accuracy_m"]))
    if row.lat is not None and row.lon is not None:
        return NeighbourVisit(row.uuid, at, row.lat, row.lon)
    return None


def _instant(value: str) -> datetime:
    """A moment as the wire writes it (canonical JSON: ISO 8601 with Z or an offset)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _as_facts(row: q.FactsRow) -> PhotoFacts:
    taken = datetime.fromisoformat(row.taken_at) if row.taken_at else None
    position = (row.lat, row.lon) if row.lat is not None and row.lon is not None else None
    return PhotoFacts(taken_at=taken, position=position, look=row.look)


# --- reading photos ---------------------------------------------------------------------

def _read_facts(store: ServerStore, sha256: str) -> q.FactsRow | None:
    """The facts of a stored photo, or None if it is not in place or cannot be read (a
    photo is checked before it is stored, so that is a file changed on disk: logged)."""
    path = store.files.blob_path(sha256)
    if not path.is_file():
        return None
    try:
        facts = photo_facts(path, max_pixels=store.settings.max_pixels)
    except (PhotoError, OSError):
        log.exception("the facts of photo %s could not be read", sha256)
        return None
    return q.FactsRow(
        sha256=sha256, taken_at=facts.taken_at.isoformat() if facts.taken_at else None,
        lat=facts.position[0] if facts.position else None, lon=facts.position[1] if facts.position else None,
        look=facts.look, bands=bands(facts.look) if facts.look is not None else None)


def _read_missing_facts(store: ServerStore, conn: Connection, missing: set[str], naming: list[tuple[str, int, str]],
                        mine: Target) -> list[q.FactsRow]:
    """Read and keep the facts of the photos that have none but are stored (before
    migration 16, or landing just now). Only a photo that another stored revision names
    can be stored (an upload needs one, `uploads`), so only those are looked for on disk:
    a visit's new photos cost no file lookup."""
    named = {sha for other, number, sha in naming if (other, number) != mine}
    stored = [sha for sha in sorted(missing & named) if store.files.is_in_place(sha)]
    rows = [row for row in map(lambda sha: _read_facts(store, sha), stored) if row is not None]
    q.save_facts(conn, rows, store.now())
    return rows
