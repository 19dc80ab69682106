"""The proof of a visit (issue 17): what was read from each stored photo (`photo_facts`),
the flags of each revision (`revision_flags`) and what computing them reads: a revision's
dealership, the shopper's visits before and after it, the other visits that name a photo.

A photo's `look` (its 64-bit difference hash) is kept as a signed BIGINT, both databases'
widest integer; `band0`..`band6` are its bands (`photo_facts.bands`), one index each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, text

from ..database import moment, parse_moment

BANDS = 7
_SIGN = 1 << 63


def to_signed(look: int) -> int:
    return look - (1 << 64) if look >= _SIGN else look


def to_unsigned(look: int) -> int:
    return look + (1 << 64) if look < 0 else look


@dataclass(frozen=True)
class FactsRow:
    """A photo's facts as stored: the capture time as ISO 8601 text (an offset only when
    the file gave one), the position, the hash (unsigned) and its bands."""

    sha256: str
    taken_at: str | None
    lat: float | None
    lon: float | None
    look: int | None
    bands: tuple[int, ...] | None


def save_facts(conn: Connection, rows: Sequence[FactsRow], now: datetime) -> None:
    """Store facts; a photo's facts already stored are kept (a file never changes)."""
    if not rows:
        return
    conn.execute(
        text("INSERT INTO photo_facts (sha256, taken_at, lat, lon, look, band0, band1, band2, band3, band4, band5, "
             "band6, read_at) VALUES (:sha, :taken, :lat, :lon, :look, :b0, :b1, :b2, :b3, :b4, :b5, :b6, :now) "
             "ON CONFLICT (sha256) DO NOTHING"),
        [{"sha": r.sha256, "taken": r.taken_at, "lat": r.lat, "lon": r.lon,
          "look": None if r.look is None else to_signed(r.look), "now": moment(now),
          **{f"b{i}": (r.bands[i] if r.bands is not None else None) for i in range(BANDS)}} for r in rows],
    )


def facts_of(conn: Connection, shas: Iterable[str]) -> dict[str, FactsRow]:
    shas = sorted(set(shas))
    if not shas:
        return {}
    statement = text(
        "SELECT sha256, taken_at, lat, lon, look, band0, band1, band2, band3, band4, band5, band6 "
        "FROM photo_facts WHERE sha256 IN :shas").bindparams(bindparam("shas", expanding=True))
    found = {}
    for r in conn.execute(statement, {"shas": shas}):
        bands = None if r.band0 is None else (r.band0, r.band1, r.band2, r.band3, r.band4, r.band5, r.band6)
        found[r.sha256] = FactsRow(r.sha256, r.taken_at, r.lat, r.lon,
                                   None if r.look is None else to_unsigned(r.look), bands)
    return found


_NO_BANDS = ", ".join(["CAST(NULL AS INTEGER)"] * BANDS)


def photos_known(conn: Connection, shas: Iterable[str]) -> tuple[
        dict[str, FactsRow], list[tuple[str, int, str]], dict[str, dict[str, int]]]:
    """`facts_of`, `visits_naming` and `alike` of the same photos in one round trip (a PUT
    asks all three)."""
    shas = sorted(set(shas))
    if not shas:
        return {}, [], {}
    statement = text(
        "SELECT 0 AS kind, sha256, CAST(NULL AS TEXT) AS visit_uuid, CAST(NULL AS INTEGER) AS revision, taken_at, "
        "lat, lon, look, band0, band1, band2, band3, band4, band5, band6 FROM photo_facts WHERE sha256 IN :shas "
        "UNION ALL SELECT DISTINCT 1, sha256, visit_uuid, revision, CAST(NULL AS TEXT), "
        f"CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS BIGINT), {_NO_BANDS} "
        "FROM revision_photos WHERE sha256 IN :shas "
        "UNION ALL SELECT 2, sha256, other, bits, CAST(NULL AS TEXT), "
        f"CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS BIGINT), {_NO_BANDS} "
        "FROM photos_alike WHERE sha256 IN :shas"
    ).bindparams(bindparam("shas", expanding=True))
    facts, naming, looks = {}, [], {}
    for r in conn.execute(statement, {"shas": shas}):
        if r.kind == 1:
            naming.append((r.visit_uuid, r.revision, r.sha256))
            continue
        if r.kind == 2:  # visit_uuid holds the other photo, revision the bits
            looks.setdefault(r.sha256, {})[r.visit_uuid] = r.revision
            continue
        bands = None if r.band0 is None else (r.band0, r.band1, r.band2, r.band3, r.band4, r.band5, r.band6)
        facts[r.sha256] = FactsRow(r.sha256, r.taken_at, r.lat, r.lon,
                                   None if r.look is None else to_unsigned(r.look), bands)
    return facts, sorted(naming), looks


_SHARING_A_BAND = text(
    "SELECT sha256, look FROM photo_facts WHERE band0 = :b0 UNION ALL "
    "SELECT sha256, look FROM photo_facts WHERE band1 = :b1 UNION ALL "
    "SELECT sha256, look FROM photo_facts WHERE band2 = :b2 UNION ALL "
    "SELECT sha256, look FROM photo_facts WHERE band3 = :b3 UNION ALL "
    "SELECT sha256, look FROM photo_facts WHERE band4 = :b4 UNION ALL "
    "SELECT sha256, look FROM photo_facts WHERE band5 = :b5 UNION ALL "
    "SELECT sha256, look FROM photo_facts WHERE band6 = :b6"
)


def sharing_a_band(conn: Connection, bands: Sequence[int]) -> dict[str, int]:
    """Every stored photo whose hash shares at least one band with these, by sha256: the
    candidates among which a near-duplicate is (each band's own index; `hamming` decides)."""
    rows = conn.execute(_SHARING_A_BAND, {f"b{i}": value for i, value in enumerate(bands)})
    return {r.sha256: to_unsigned(r.look) for r in rows}


def save_alike(conn: Connection, sha256: str, alike: dict[str, int]) -> None:
    """Keep the photos that look like this one ({other sha256: bits}), both ways."""
    if alike:
        conn.execute(
            text("INSERT INTO photos_alike (sha256, other, bits) VALUES (:a, :b, :bits) "
                 "ON CONFLICT (sha256, other) DO NOTHING"),
            [{"a": a, "b": b, "bits": bits} for other, bits in sorted(alike.items())
             for a, b in ((sha256, other), (other, sha256))],
        )


def alike(conn: Connection, shas: Iterable[str]) -> dict[str, dict[str, int]]:
    """The stored photos that look like these: {sha256: {other sha256: bits}}."""
    shas = sorted(set(shas))
    if not shas:
        return {}
    statement = text("SELECT sha256, other, bits FROM photos_alike WHERE sha256 IN :shas").bindparams(
        bindparam("shas", expanding=True))
    found: dict[str, dict[str, int]] = {}
    for r in conn.execute(statement, {"shas": shas}):
        found.setdefault(r.sha256, {})[r.other] = r.bits
    return found


def visits_naming(conn: Connection, shas: Iterable[str]) -> list[tuple[str, int, str]]:
    """(visit uuid, revision, sha256) of every stored revision that names one of the photos."""
    shas = sorted(set(shas))
    if not shas:
        return []
    statement = text(
        "SELECT DISTINCT visit_uuid, revision, sha256 FROM revision_photos WHERE sha256 IN :shas "
        "ORDER BY visit_uuid, revision, sha256").bindparams(bindparam("shas", expanding=True))
    return [(r.visit_uuid, r.revision, r.sha256) for r in conn.execute(statement, {"shas": shas})]


@dataclass(frozen=True)
class StoredRevision:
    """A stored revision and what its flags need beside it."""

    uuid: str
    revision: int
    payload: str
    received_at: datetime
    shopper_id: str
    dealer_code: str | None
    started_at: str | None  # the visit's (its latest revision's), as stored


def stored_revision(conn: Connection, uuid: str, revision: int) -> StoredRevision | None:
    row = conn.execute(text(
        "SELECT r.payload, r.received_at, v.shopper_id, a.dealer_code, v.started_at FROM visit_revisions r "
        "JOIN visits v ON v.uuid = r.visit_uuid LEFT JOIN assignments a ON a.id = r.assignment_id "
        "WHERE r.visit_uuid = :u AND r.revision = :r"), {"u": uuid, "r": revision}).first()
    if row is None:
        return None
    return StoredRevision(uuid, revision, row.payload, parse_moment(row.received_at), row.shopper_id,
                          row.dealer_code, row.started_at)


@dataclass(frozen=True)
class DealershipPlace:
    lat: float | None
    lon: float | None
    radius_m: float | None
    timezone: str


def dealership_place(conn: Connection, code: str) -> DealershipPlace | None:
    """Where the dealership is pinned (its radius None: the default), for the console."""
    row = conn.execute(text("SELECT lat, lon, radius_m, timezone FROM dealerships WHERE code = :c"),
                       {"c": code}).first()
    return None if row is None else DealershipPlace(row.lat, row.lon, row.radius_m, row.timezone)


def set_radius(conn: Connection, code: str, radius_m: float | None) -> bool:
    """Set how far the dealership reaches (None: the default); False if there is no such one."""
    done = conn.execute(text("UPDATE dealerships SET radius_m = :r WHERE code = :c"), {"c": code, "r": radius_m})
    return done.rowcount > 0


@dataclass(frozen=True)
class Neighbour:
    """One of the shopper's other visits: its latest revision's payload and its dealership's pin."""

    uuid: str
    payload: str
    lat: float | None
    lon: float | None


def surroundings(conn: Connection, shopper_id: str, uuid: str, started_at: str, dealer_code: str | None
                 ) -> tuple[DealershipPlace | None, Neighbour | None, Neighbour | None]:
    """In one round trip: the dealership, and the shopper's visits that started just
    before and just after `started_at` (as stored, through `visits_by_shopper_started`; a
    visit that started at the same moment is neither)."""
    rows = conn.execute(text(
        "SELECT n.side, v.uuid, r.payload, d.lat, d.lon, d.radius_m, d.timezone FROM ("
        "  SELECT 0 AS side, (SELECT uuid FROM visits WHERE shopper_id = :s AND started_at < :t AND uuid <> :u "
        "                     ORDER BY started_at DESC, uuid DESC LIMIT 1) AS uuid"
        "  UNION ALL"
        "  SELECT 1 AS side, (SELECT uuid FROM visits WHERE shopper_id = :s AND started_at > :t AND uuid <> :u "
        "                     ORDER BY started_at ASC, uuid ASC LIMIT 1) AS uuid"
        ") n JOIN visits v ON v.uuid = n.uuid "
        "JOIN visit_revisions r ON r.visit_uuid = v.uuid AND r.revision = v.latest_revision "
        "LEFT JOIN dealerships d ON d.code = v.dealer_code "
        "UNION ALL SELECT 2, NULL, NULL, lat, lon, radius_m, timezone FROM dealerships WHERE code = :d"),
        {"s": shopper_id, "t": started_at, "u": uuid, "d": dealer_code})
    place, found = None, [None, None]
    for row in rows:
        if row.side == 2:
            place = DealershipPlace(row.lat, row.lon, row.radius_m, row.timezone)
        else:
            found[row.side] = Neighbour(row.uuid, row.payload, row.lat, row.lon)
    return place, found[0], found[1]


def hold_photos(conn: Connection, shas: Iterable[str]) -> None:
    """PostgreSQL only: an advisory lock per photo for this transaction, taken in sha order
    (the sort comes before the locks: PostgreSQL evaluates a volatile select list after
    ORDER BY)."""
    shas = sorted(set(shas))
    if shas:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(s, 17)) FROM unnest(CAST(:shas AS text[])) "
                          "AS s ORDER BY s"), {"shas": shas})


def lock_visits(conn: Connection, uuids: Iterable[str]) -> None:
    """Hold these visits' rows (PostgreSQL), one at a time in uuid order, so that two
    computations of one revision's flags take turns (SQLite's writer lock already does)."""
    if conn.dialect.name == "sqlite":
        return
    for uuid in sorted(set(uuids)):
        conn.execute(text("SELECT uuid FROM visits WHERE uuid = :u FOR UPDATE"), {"u": uuid})


def replace_flags(conn: Connection, uuid: str, revision: int, flags: Sequence[tuple[str, dict]],
                  now: datetime, *, fresh: bool = False) -> None:
    """The revision's flags, (code, numbers), in place of those it had. `fresh`: a
    revision stored in this transaction, with `flags_at` already set, and no flags yet."""
    if not fresh:
        conn.execute(text("DELETE FROM revision_flags WHERE visit_uuid = :u AND revision = :r"),
                     {"u": uuid, "r": revision})
    if flags:
        conn.execute(
            text("INSERT INTO revision_flags (visit_uuid, revision, position, code, numbers) "
                 "VALUES (:u, :r, :p, :code, :numbers)"),
            [{"u": uuid, "r": revision, "p": i, "code": code,
              "numbers": json.dumps(numbers, separators=(",", ":"), ensure_ascii=False, sort_keys=True)}
             for i, (code, numbers) in enumerate(flags)],
        )
    if not fresh:
        set_flags_at(conn, uuid, revision, now)


def set_flags_at(conn: Connection, uuid: str, revision: int, at: datetime | None) -> None:
    """When the revision's flags were computed (None: they were not)."""
    conn.execute(text("UPDATE visit_revisions SET flags_at = :at WHERE visit_uuid = :u AND revision = :r"),
                 {"u": uuid, "r": revision, "at": moment(at) if at is not None else None})


@dataclass(frozen=True)
class FlagRow:
    code: str
    numbers: dict


def flagged(conn: Connection, revisions: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of these (visit uuid, revision)s have at least one flag."""
    wanted = set(revisions)
    if not wanted:
        return set()
    statement = text("SELECT DISTINCT visit_uuid, revision FROM revision_flags WHERE visit_uuid IN :uuids"
                     ).bindparams(bindparam("uuids", expanding=True))
    found = conn.execute(statement, {"uuids": sorted({uuid for uuid, _ in wanted})})
    return {(r.visit_uuid, r.revision) for r in found} & wanted


def flags_of_revision(conn: Connection, uuid: str, revision: int) -> tuple[list[FlagRow], datetime | None]:
    """The revision's flags in order, and when they were computed (None: never)."""
    at = conn.execute(text("SELECT flags_at FROM visit_revisions WHERE visit_uuid = :u AND revision = :r"),
                      {"u": uuid, "r": revision}).scalar()
    rows = conn.execute(text("SELECT code, numbers FROM revision_flags WHERE visit_uuid = :u AND revision = :r "
                             "ORDER BY position"), {"u": uuid, "r": revision})
    return [FlagRow(r.code, json.loads(r.numbers)) for r in rows], parse_moment(at) if at else None
