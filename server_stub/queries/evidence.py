"""The proof of a visit (issue 17): what was read from each stored photo (`photo_facts`),
the flags of each revision (`revision_flags`) and what computing them reads: a revision's
dealership, the shopper's visits before and after it, the other visits that name a photo.

A photo's `look` (its 64-bit difference hash) is kept as a signed BIGINT, both databases'
widest integer; `band0`..`band6` are its bands (`photo_facts.bands`), one index each.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, TextClause, bindparam, text

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


@dataclass(frozen=True)
class DealershipPlace:
    lat: float | None
    lon: float | None
    radius_m: float | None
    timezone: str


@dataclass(frozen=True)
class Neighbour:
    """One of the shopper's other visits: its latest revision's payload and its dealership's pin."""

    uuid: str
    payload: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class FlagInputs:
    """What computing a revision's flags reads, beside the revision itself."""

    facts: dict[str, FactsRow]  # of its photos, by sha256; a photo with none is absent
    naming: list[tuple[str, int, str]]  # (visit uuid, revision, sha256) of every revision naming one
    alike: dict[str, dict[str, int]]  # {its photo: {a stored photo like it: bits}}
    place: DealershipPlace | None
    before: Neighbour | None  # the shopper's visit that started just before it
    after: Neighbour | None  # and just after


# One statement, one row shape: kind, then every column any kind needs, a kind's unused
# ones NULL. The first SELECT names and types them all (PostgreSQL types a UNION by its
# first SELECT); the others stay short, as psycopg parses a statement longer than 4 KB
# again at every call (0.2 ms).
_INPUT_COLUMNS = {"sha256": "TEXT", "visit_uuid": "TEXT", "revision": "INTEGER", "taken_at": "TEXT",
                  "lat": "DOUBLE PRECISION", "lon": "DOUBLE PRECISION", "look": "BIGINT",
                  **{f"band{i}": "INTEGER" for i in range(BANDS)},
                  "payload": "TEXT", "radius_m": "DOUBLE PRECISION", "timezone": "TEXT"}
_FACTS, _NAMING, _ALIKE, _BEFORE, _AFTER, _PLACE = range(6)


def _inputs_part(kind: int, rest: str, first: bool = False, **columns: str) -> str:
    """One SELECT of the statement: `columns` gives those its kind reads."""
    if first:
        listed = ", ".join(f"{columns.get(name, f'CAST(NULL AS {sql_type})')} AS {name}"
                           for name, sql_type in _INPUT_COLUMNS.items())
        return f"SELECT {kind} AS kind, {listed} {rest}"
    return f"SELECT {kind}, {', '.join(columns.get(name, 'NULL') for name in _INPUT_COLUMNS)} {rest}"


# The shopper's visits that started just before and just after (as stored, through
# `visits_by_shopper_started`; a visit that started at the same moment is neither), and
# the dealership.
_AROUND = [
    *(_inputs_part(
        kind, "FROM visits v JOIN visit_revisions r ON r.visit_uuid = v.uuid AND r.revision = v.latest_revision "
        "LEFT JOIN dealerships d ON d.code = v.dealer_code "
        f"WHERE v.uuid = (SELECT uuid FROM visits WHERE shopper_id = :s AND started_at {than} :t AND uuid <> :u "
        f"ORDER BY started_at {order}, uuid {order} LIMIT 1)",
        visit_uuid="v.uuid", payload="r.payload", lat="d.lat", lon="d.lon")
      for kind, than, order in ((_BEFORE, "<", "DESC"), (_AFTER, ">", "ASC"))),
    _inputs_part(_PLACE, "FROM dealerships WHERE code = :d", lat="lat", lon="lon", radius_m="radius_m",
                 timezone="timezone"),
]


@functools.lru_cache(maxsize=64)
def _flag_inputs_of(photos: int) -> TextClause:
    """The statement for this many photos, made once: an expanding IN list is written out
    into the SQL at every call (a quarter of the statement's cost on SQLite)."""
    listed = "(" + ", ".join(f":sha{i}" for i in range(photos)) + ")" if photos else "(NULL)"  # NULL: none matches
    return text(" UNION ALL ".join([
        _inputs_part(_FACTS, f"FROM photo_facts WHERE sha256 IN {listed}", first=True, sha256="sha256",
                     taken_at="taken_at", lat="lat", lon="lon", look="look",
                     **{f"band{i}": f"band{i}" for i in range(BANDS)}),
        _inputs_part(_NAMING, f"FROM revision_photos WHERE sha256 IN {listed}", sha256="sha256",
                     visit_uuid="visit_uuid", revision="revision"),
        # visit_uuid holds the other photo, revision the bits
        _inputs_part(_ALIKE, f"FROM photos_alike WHERE sha256 IN {listed}", sha256="sha256",
                     visit_uuid="other", revision="bits"),
        *_AROUND,
    ]))


def flag_inputs(conn: Connection, shas: Iterable[str], *, shopper_id: str, uuid: str, started_at: str,
                dealer_code: str | None) -> FlagInputs:
    """In one round trip (it is most of what flags add to a PUT): the photos' facts, the
    revisions naming them, the stored photos like them, the dealership, and the shopper's
    visits that started just before and after `started_at` (as stored)."""
    shas = sorted(set(shas))
    facts, naming, alike, place = {}, [], {}, None
    around: dict[int, Neighbour] = {}
    rows = conn.execute(_flag_inputs_of(len(shas)), {**{f"sha{i}": sha for i, sha in enumerate(shas)},
                                                      "s": shopper_id, "t": started_at, "u": uuid, "d": dealer_code})
    for kind, sha, visit_uuid, revision, taken_at, lat, lon, look, *bands, payload, radius_m, timezone in rows:
        if kind == _FACTS:
            facts[sha] = FactsRow(sha, taken_at, lat, lon, None if look is None else to_unsigned(look),
                                  None if bands[0] is None else tuple(bands))
        elif kind == _NAMING:
            naming.append((visit_uuid, revision, sha))
        elif kind == _ALIKE:
            alike.setdefault(sha, {})[visit_uuid] = revision
        elif kind == _PLACE:
            place = DealershipPlace(lat, lon, radius_m, timezone)
        else:
            around[kind] = Neighbour(visit_uuid, payload, lat, lon)
    # set: a revision naming a photo for two questions names it once here
    return FlagInputs(facts, sorted(set(naming)), alike, place, around.get(_BEFORE), around.get(_AFTER))


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


def stored_revision(conn: Connection, uuid: str, revision: int) -> StoredRevision | None:
    row = conn.execute(text(
        "SELECT r.payload, r.received_at, v.shopper_id, a.dealer_code FROM visit_revisions r "
        "JOIN visits v ON v.uuid = r.visit_uuid LEFT JOIN assignments a ON a.id = r.assignment_id "
        "WHERE r.visit_uuid = :u AND r.revision = :r"), {"u": uuid, "r": revision}).first()
    if row is None:
        return None
    return StoredRevision(uuid, revision, row.payload, parse_moment(row.received_at), row.shopper_id,
                          row.dealer_code)


def dealership_place(conn: Connection, code: str) -> DealershipPlace | None:
    """Where the dealership is pinned (its radius None: the default), for the console."""
    row = conn.execute(text("SELECT lat, lon, radius_m, timezone FROM dealerships WHERE code = :c"),
                       {"c": code}).first()
    return None if row is None else DealershipPlace(row.lat, row.lon, row.radius_m, row.timezone)


def set_radius(conn: Connection, code: str, radius_m: float | None) -> bool:
    """Set how far the dealership reaches (None: the default); False if there is no such one."""
    done = conn.execute(text("UPDATE dealerships SET radius_m = :r WHERE code = :c"), {"c": code, "r": radius_m})
    return done.rowcount > 0


# The statements every PUT runs are made once: a text() parses its SQL again at each call
# (some 20 us on SQLite, 40 on PostgreSQL, of the little the flags may add to a PUT).
# The shas as one text (a sha256 has no comma): psycopg adapts a list of them 0.05 ms slower.
_HOLD_PHOTOS = text("SELECT pg_advisory_xact_lock(hashtextextended(s, 17)) FROM unnest(string_to_array(:shas, ',')) "
                    "AS s ORDER BY s")
_HOLD_VISIT = text("SELECT uuid FROM visits WHERE uuid = :u FOR UPDATE")
_DELETE_FLAGS = text("DELETE FROM revision_flags WHERE visit_uuid = :u AND revision = :r")
_INSERT_FLAGS = text("INSERT INTO revision_flags (visit_uuid, revision, position, code, numbers) "
                     "VALUES (:u, :r, :p, :code, :numbers)")
_SET_FLAGS_AT = text("UPDATE visit_revisions SET flags_at = :at WHERE visit_uuid = :u AND revision = :r")


def hold_photos(conn: Connection, shas: Iterable[str]) -> None:
    """PostgreSQL only: an advisory lock per photo for this transaction, taken in sha order
    (the sort comes before the locks: PostgreSQL evaluates a volatile select list after
    ORDER BY)."""
    shas = sorted(set(shas))
    if shas:
        conn.execute(_HOLD_PHOTOS, {"shas": ",".join(shas)})


def lock_visits(conn: Connection, uuids: Iterable[str]) -> None:
    """Hold these visits' rows (PostgreSQL), one at a time in uuid order, so that two
    computations of one revision's flags take turns (SQLite's writer lock already does)."""
    if conn.dialect.name == "sqlite":
        return
    for uuid in sorted(set(uuids)):
        conn.execute(_HOLD_VISIT, {"u": uuid})


def replace_flags(conn: Connection, uuid: str, revision: int, flags: Sequence[tuple[str, dict]],
                  now: datetime, *, fresh: bool = False) -> None:
    """The revision's flags, (code, numbers), in place of those it had. `fresh`: a
    revision stored in this transaction, with `flags_at` already set, and no flags yet."""
    if not fresh:
        conn.execute(_DELETE_FLAGS, {"u": uuid, "r": revision})
    if flags:
        conn.execute(_INSERT_FLAGS, [
            {"u": uuid, "r": revision, "p": i, "code": code,
             "numbers": json.dumps(numbers, separators=(",", ":"), ensure_ascii=False, sort_keys=True)}
            for i, (code, numbers) in enumerate(flags)])
    if not fresh:
        set_flags_at(conn, uuid, revision, now)


def set_flags_at(conn: Connection, uuid: str, revision: int, at: datetime | None) -> None:
    """When the revision's flags were computed (None: they were not)."""
    conn.execute(_SET_FLAGS_AT, {"u": uuid, "r": revision, "at": moment(at) if at is not None else None})


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
