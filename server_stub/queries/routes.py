"""Dealerships, assignments, and the change sequence that `sync/pull` cursors count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, bindparam, text

from field_app.domain.route import Assignment, Dealership

from ..database import moment, parse_moment
from ..records import PlannedVisit
from ..search import fold, where_words

_COLUMNS = ("code", "name", "brand", "city", "address", "phone", "lat", "lon", "timezone")


# --- the change sequence ---------------------------------------------------------------

def next_change(conn: Connection) -> int:
    """Take the next number of the sequence. The row lock this UPDATE takes is held to the
    end of the transaction, so numbers are handed out in commit order."""
    conn.execute(text("UPDATE change_counter SET value = value + 1 WHERE name = 'routes'"))
    return conn.execute(text("SELECT value FROM change_counter WHERE name = 'routes'")).scalar_one()


def current_change(conn: Connection) -> int:
    return conn.execute(text("SELECT value FROM change_counter WHERE name = 'routes'")).scalar_one()


# --- dealerships -----------------------------------------------------------------------

def dealerships(conn: Connection, codes: Iterable[str] | None = None, *,
                active_only: bool = False) -> list[Dealership]:
    """These dealerships (every one without `codes`), in code order; with `active_only`,
    not those deactivated (for a picker: 60,000 make a page of megabytes, so a picker over
    them all should search instead, as `dealer_page` does)."""
    sql = "SELECT code, name, brand, city, address, phone, lat, lon, timezone FROM dealerships"
    if active_only:
        sql += " WHERE deactivated_at IS NULL"
    if codes is None:
        rows = conn.execute(text(sql + " ORDER BY code"))
    else:
        codes = sorted(set(codes))
        if not codes:
            return []
        statement = text(sql + (" AND" if active_only else " WHERE") + " code IN :codes ORDER BY code").bindparams(
            bindparam("codes", expanding=True))
        rows = conn.execute(statement, {"codes": codes})
    return [Dealership(**row._asdict()) for row in rows]


def dealer_exists(conn: Connection, code: str) -> bool:
    return conn.execute(text("SELECT 1 FROM dealerships WHERE code = :c"), {"c": code}).first() is not None


def dealer_search_text(dealer: Dealership) -> str:
    """What the list's search looks in: code, name, brand and city."""
    return fold(dealer.code, dealer.name, dealer.brand, dealer.city)


def upsert_dealership(conn: Connection, dealer: Dealership, now: datetime) -> None:
    conn.execute(
        text(
            "INSERT INTO dealerships (code, name, brand, city, address, phone, lat, lon, timezone, search, updated_at) "
            "VALUES (:code, :name, :brand, :city, :address, :phone, :lat, :lon, :timezone, :search, :now) "
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, brand = excluded.brand, "
            "city = excluded.city, address = excluded.address, phone = excluded.phone, "
            "lat = excluded.lat, lon = excluded.lon, timezone = excluded.timezone, search = excluded.search, "
            "updated_at = excluded.updated_at"
        ),
        {**dealer.model_dump(), "search": dealer_search_text(dealer), "now": moment(now)},
    )


@dataclass(frozen=True)
class DealerRow:
    """A dealership as the console lists it: its details and whether it is deactivated."""

    dealer: Dealership
    deactivated_at: datetime | None
    radius_m: float | None = None  # how far it reaches for its visits' flags (None: the default)

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


_DEALER_ROW = ("SELECT code, name, brand, city, address, phone, lat, lon, timezone, deactivated_at, radius_m "
               "FROM dealerships ")


def _dealer_row(row) -> DealerRow:
    values = row._asdict()
    deactivated, radius_m = values.pop("deactivated_at"), values.pop("radius_m")
    return DealerRow(Dealership(**values), parse_moment(deactivated) if deactivated else None, radius_m)


def dealer_row(conn: Connection, code: str) -> DealerRow | None:
    row = conn.execute(text(_DEALER_ROW + "WHERE code = :c"), {"c": code}).first()
    return _dealer_row(row) if row else None


def dealer_page(conn: Connection, query: str = "", include_inactive: bool = False, limit: int = 50,
                offset: int = 0) -> list[DealerRow]:
    """Dealerships in name order matching every word of `query` (code, name, brand, city),
    without the deactivated unless `include_inactive`; `limit` rows from `offset`."""
    where, params = _dealers_where(query, include_inactive)
    rows = conn.execute(text(_DEALER_ROW + where + " ORDER BY name, code LIMIT :limit OFFSET :offset"),
                        params | {"limit": limit, "offset": offset})
    return [_dealer_row(r) for r in rows]


def count_dealers(conn: Connection, query: str = "", include_inactive: bool = False) -> int:
    where, params = _dealers_where(query, include_inactive)
    return conn.execute(text("SELECT COUNT(*) FROM dealerships " + where), params).scalar_one()


def count_deactivated_dealers(conn: Connection, query: str = "") -> int:
    matching, params = where_words("search", query)
    where = "WHERE deactivated_at IS NOT NULL" + (f" AND {matching}" if matching else "")
    return conn.execute(text("SELECT COUNT(*) FROM dealerships " + where), params).scalar_one()


def _dealers_where(query: str, include_inactive: bool) -> tuple[str, dict]:
    matching, params = where_words("search", query)
    clauses = [matching] if matching else []
    if not include_inactive:
        clauses.append("deactivated_at IS NULL")
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def dealer_search(conn: Connection, query: str, city: str, limit: int) -> tuple[list[Dealership], int]:
    """Active dealerships matching every word of `query` (code, name, brand, city), those
    in `city` first, then by name; the first `limit` and how many match."""
    matching, params = where_words("search", query)
    where = "WHERE deactivated_at IS NULL" + (f" AND {matching}" if matching else "")
    rows = conn.execute(
        text("SELECT code, name, brand, city, address, phone, lat, lon, timezone FROM dealerships " + where
             + " ORDER BY CASE WHEN city = :city THEN 0 ELSE 1 END, name, code LIMIT :limit"),
        params | {"city": city, "limit": limit})
    found = [Dealership(**row._asdict()) for row in rows]
    total = conn.execute(text("SELECT COUNT(*) FROM dealerships " + where), params).scalar_one()
    return found, total


def set_dealer_deactivated(conn: Connection, code: str, at: datetime | None) -> bool:
    """Deactivate (a moment) or reactivate (None); False when it already was so."""
    state = "deactivated_at IS NULL" if at is not None else "deactivated_at IS NOT NULL"
    result = conn.execute(
        text(f"UPDATE dealerships SET deactivated_at = :at WHERE code = :c AND {state}"),
        {"c": code, "at": moment(at) if at is not None else None},
    )
    return result.rowcount == 1


def touch_assignments_of_dealers(conn: Connection, codes: list[str], seq: int) -> None:
    """A dealership's details changed: its open assignments travel again on the next pull."""
    statement = text(
        "UPDATE assignments SET change_seq = :seq WHERE removed_at IS NULL AND dealer_code IN :codes"
    ).bindparams(bindparam("codes", expanding=True))
    conn.execute(statement, {"seq": seq, "codes": codes})


# --- assignments -----------------------------------------------------------------------

def next_position(conn: Connection, shopper_id: str, day: date) -> int:
    value = conn.execute(
        text("SELECT MAX(position) FROM assignments WHERE shopper_id = :s AND day = :d AND removed_at IS NULL"),
        {"s": shopper_id, "d": day.isoformat()},
    ).scalar()
    return (value or 0) + 1


def insert_assignment(conn: Connection, plan: PlannedVisit, now: datetime, seq: int) -> None:
    conn.execute(
        text(
            "INSERT INTO assignments (id, shopper_id, day, position, dealer_code, checklist_id, "
            "checklist_version, window_start, window_end, note, created_at, change_seq) "
            "VALUES (:id, :s, :day, :pos, :dealer, :cid, :cver, :ws, :we, :note, :now, :seq)"
        ),
        {
            "id": plan.assignment_id, "s": plan.shopper_id, "day": plan.day.isoformat(),
            "pos": plan.position, "dealer": plan.dealer_code, "cid": plan.checklist_id,
            "cver": plan.checklist_version, "ws": plan.window_start, "we": plan.window_end,
            "note": plan.note, "now": moment(now), "seq": seq,
        },
    )


def remove_assignment(conn: Connection, assignment_id: str, now: datetime, seq: int) -> bool:
    result = conn.execute(
        text("UPDATE assignments SET removed_at = :now, change_seq = :seq WHERE id = :id AND removed_at IS NULL"),
        {"id": assignment_id, "now": moment(now), "seq": seq},
    )
    return result.rowcount == 1


def assignment_exists(conn: Connection, assignment_id: str) -> bool:
    return conn.execute(text("SELECT 1 FROM assignments WHERE id = :id"), {"id": assignment_id}).first() is not None


def assignment_is_shoppers(conn: Connection, assignment_id: str, shopper_id: str) -> bool:
    row = conn.execute(
        text("SELECT 1 FROM assignments WHERE id = :id AND shopper_id = :s"), {"id": assignment_id, "s": shopper_id},
    ).first()
    return row is not None


@dataclass(frozen=True)
class RouteChanges:
    current: list[Assignment]
    removed: list[str]


_ASSIGNMENT = (
    "SELECT id, day, position, dealer_code, checklist_id, checklist_version, window_start, window_end, note, "
    "removed_at FROM assignments "
)


def _assignment(row) -> Assignment:
    return Assignment(
        id=row.id, day=date.fromisoformat(row.day), position=row.position, dealer_code=row.dealer_code,
        checklist_id=row.checklist_id, checklist_version=row.checklist_version,
        window_start=row.window_start, window_end=row.window_end, note=row.note,
    )


def route_from(conn: Connection, shopper_id: str, first_day: date) -> RouteChanges:
    rows = conn.execute(
        text(_ASSIGNMENT + "WHERE shopper_id = :s AND removed_at IS NULL AND day >= :d ORDER BY day, position, id"),
        {"s": shopper_id, "d": first_day.isoformat()},
    )
    return RouteChanges([_assignment(r) for r in rows], [])


def route_changes_since(conn: Connection, shopper_id: str, since: int) -> RouteChanges:
    rows = conn.execute(
        text(_ASSIGNMENT + "WHERE shopper_id = :s AND change_seq > :since ORDER BY day, position, id"),
        {"s": shopper_id, "since": since},
    ).all()
    return RouteChanges(
        [_assignment(r) for r in rows if r.removed_at is None],
        [r.id for r in rows if r.removed_at is not None],
    )


# --- the console's planning ------------------------------------------------------------

@dataclass(frozen=True)
class StopRow:
    """A stop of a route as the console shows it: the assignment with its dealership's
    name and whether a visit for it has arrived."""

    id: str
    shopper_id: str
    day: date
    position: int
    dealer_code: str
    dealer_name: str
    dealer_city: str
    checklist_id: str
    checklist_version: int
    window_start: str | None
    window_end: str | None
    note: str
    visited: bool
    dealer_active: bool = True


@dataclass(frozen=True)
class Trip:
    """A shopper sent to a dealership on a day: a stop not withdrawn, or one withdrawn after
    its visit was made."""

    id: str
    shopper_id: str
    dealer_code: str
    day: date
    visited: bool


_STOP = (
    "SELECT a.id, a.shopper_id, a.day, a.position, a.dealer_code, d.name AS dealer_name, d.city AS dealer_city, "
    "a.checklist_id, a.checklist_version, a.window_start, a.window_end, a.note, d.deactivated_at AS dealer_gone "
    "FROM assignments a JOIN dealerships d ON d.code = a.dealer_code "
)


def stops_between(conn: Connection, shopper_ids: list[str], first: date, last: date, *,
                  with_visits: bool = True) -> list[StopRow]:
    """The stops not withdrawn of these shoppers from `first` to `last` (inclusive), in
    route order: two statements however many shoppers and days (one without
    `with_visits`, when `visited` is always False)."""
    if not shopper_ids:
        return []
    statement = text(
        _STOP + "WHERE a.shopper_id IN :shoppers AND a.day >= :first AND a.day <= :last AND a.removed_at IS NULL "
        "ORDER BY a.shopper_id, a.day, a.position, a.id"
    ).bindparams(bindparam("shoppers", expanding=True))
    span = {"first": first.isoformat(), "last": last.isoformat()}
    rows = conn.execute(statement, {"shoppers": shopper_ids} | span).all()
    done = visited(conn, [r.id for r in rows]) if with_visits else set()
    return [_stop(r, r.id in done) for r in rows]


def stop(conn: Connection, assignment_id: str) -> StopRow | None:
    """One stop not withdrawn."""
    row = conn.execute(text(_STOP + "WHERE a.id = :id AND a.removed_at IS NULL"), {"id": assignment_id}).first()
    return _stop(row, bool(visited(conn, [row.id]))) if row else None


def _stop(row, was_visited: bool) -> StopRow:
    # Unpacked by position, in _STOP's order: a week's copy for an agency reads some 8,400
    # stops, and reading a Row's fields by name took half the time of building them.
    (id_, shopper_id, day, position, dealer_code, dealer_name, dealer_city, checklist_id, checklist_version,
     window_start, window_end, note, dealer_gone) = row
    return StopRow(
        id=id_, shopper_id=shopper_id, day=date.fromisoformat(day), position=position,
        dealer_code=dealer_code, dealer_name=dealer_name, dealer_city=dealer_city,
        checklist_id=checklist_id, checklist_version=checklist_version,
        window_start=window_start, window_end=window_end, note=note, visited=was_visited,
        dealer_active=dealer_gone is None,
    )


def visited(conn: Connection, assignment_ids: list[str]) -> set[str]:
    """Those of the assignments a visit was made for (its first revision stored), in one
    statement for them all (the index visits_by_assignment answers each id)."""
    if not assignment_ids:
        return set()
    statement = text(
        "SELECT DISTINCT assignment_id FROM visits WHERE assignment_id IN :ids AND latest_revision > 0"
    ).bindparams(bindparam("ids", expanding=True))
    return {r.assignment_id for r in conn.execute(statement, {"ids": sorted(set(assignment_ids))})}


def trips_near(conn: Connection, shopper_ids: list[str], first: date, last: date,
               near_first: date, near_last: date) -> list[Trip]:
    """The trips from `near_first` to `near_last` of these shoppers to each dealership one
    of their stops from `first` to `last` goes to (those stops included)."""
    if not shopper_ids:
        return []
    statement = text(
        "SELECT n.id, n.shopper_id, n.dealer_code, n.day, CASE WHEN n.removed_at IS NULL THEN 0 ELSE 1 END AS removed "
        "FROM assignments n "
        "WHERE n.shopper_id IN :shoppers AND n.day >= :near_first AND n.day <= :near_last "
        "AND (n.shopper_id, n.dealer_code) IN (SELECT w.shopper_id, w.dealer_code FROM assignments w "
        "WHERE w.shopper_id IN :shoppers AND w.day >= :first AND w.day <= :last AND w.removed_at IS NULL) "
        "ORDER BY n.shopper_id, n.dealer_code, n.day, n.id"
    ).bindparams(bindparam("shoppers", expanding=True))
    rows = conn.execute(statement, {
        "shoppers": shopper_ids, "first": first.isoformat(), "last": last.isoformat(),
        "near_first": near_first.isoformat(), "near_last": near_last.isoformat(),
    }).all()
    done = visited(conn, [r.id for r in rows])
    return [Trip(r.id, r.shopper_id, r.dealer_code, date.fromisoformat(r.day), r.id in done)
            for r in rows if not r.removed or r.id in done]


def trips_between(conn: Connection, shopper_ids: list[str], first: date, last: date) -> list[Trip]:
    """Every trip of these shoppers from `first` to `last`, to any dealership (for an
    import's 30-day repeats: one statement for the stops, one for their visits)."""
    if not shopper_ids:
        return []
    statement = text(
        "SELECT id, shopper_id, dealer_code, day, CASE WHEN removed_at IS NULL THEN 0 ELSE 1 END AS removed "
        "FROM assignments WHERE shopper_id IN :shoppers AND day >= :first AND day <= :last "
        "ORDER BY shopper_id, dealer_code, day, id"
    ).bindparams(bindparam("shoppers", expanding=True))
    rows = conn.execute(statement, {"shoppers": shopper_ids, "first": first.isoformat(),
                                    "last": last.isoformat()}).all()
    removed = [r.id for r in rows if r.removed]
    done = visited(conn, removed) if removed else set()
    return [Trip(id_, shopper_id, dealer_code, date.fromisoformat(day), False)  # by position, as in _stop
            for id_, shopper_id, dealer_code, day, gone in rows if not gone or id_ in done]


def last_positions(conn: Connection, shopper_ids: list[str], first: date, last: date) -> dict[tuple[str, date], int]:
    """The highest position of each (shopper, day) with stops not withdrawn."""
    if not shopper_ids:
        return {}
    statement = text(
        "SELECT shopper_id, day, MAX(position) AS top FROM assignments WHERE shopper_id IN :shoppers "
        "AND day >= :first AND day <= :last AND removed_at IS NULL GROUP BY shopper_id, day"
    ).bindparams(bindparam("shoppers", expanding=True))
    rows = conn.execute(statement, {"shoppers": shopper_ids, "first": first.isoformat(), "last": last.isoformat()})
    return {(r.shopper_id, date.fromisoformat(r.day)): r.top for r in rows}


def insert_assignments(conn: Connection, rows: list[dict]) -> None:
    """Many assignments in one executemany: dicts with the keys `insert_assignment` binds
    (id, s, day, pos, dealer, cid, cver, ws, we, note, now, seq; `now` a datetime)."""
    if not rows:
        return
    conn.execute(
        text(
            "INSERT INTO assignments (id, shopper_id, day, position, dealer_code, checklist_id, "
            "checklist_version, window_start, window_end, note, created_at, change_seq) "
            "VALUES (:id, :s, :day, :pos, :dealer, :cid, :cver, :ws, :we, :note, :now, :seq)"
        ),
        [row | {"now": moment(row["now"])} for row in rows],
    )


def dealer_states(conn: Connection, codes: Iterable[str]) -> dict[str, tuple[str, bool]]:
    """Of these codes, those of dealerships: code -> (name, active)."""
    codes = sorted(set(codes))
    found: dict[str, tuple[str, bool]] = {}
    for at in range(0, len(codes), 5000):
        statement = text("SELECT code, name, deactivated_at FROM dealerships WHERE code IN :codes").bindparams(
            bindparam("codes", expanding=True))
        for r in conn.execute(statement, {"codes": codes[at:at + 5000]}):
            found[r.code] = (r.name, r.deactivated_at is None)
    return found


def set_position(conn: Connection, assignment_id: str, position: int, seq: int) -> None:
    conn.execute(
        text("UPDATE assignments SET position = :pos, change_seq = :seq WHERE id = :id"),
        {"id": assignment_id, "pos": position, "seq": seq},
    )


# --- the stops a deactivation withdraws ------------------------------------------------

def open_stops(conn: Connection, first: date, *, shopper_id: str | None = None,
               dealer_code: str | None = None) -> list[tuple[str, str]]:
    """(id, shopper id) of the stops from `first` on, not withdrawn, that no visit has
    arrived for, of a shopper or at a dealership: what deactivating them withdraws."""
    assert (shopper_id is None) != (dealer_code is None)
    whose = "a.shopper_id = :who" if shopper_id is not None else "a.dealer_code = :who"
    rows = conn.execute(
        text(f"SELECT a.id, a.shopper_id FROM assignments a WHERE {whose} AND a.removed_at IS NULL "
             "AND a.day >= :first "
             "AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.assignment_id = a.id AND v.latest_revision > 0) "
             "ORDER BY a.shopper_id, a.day, a.position, a.id"),
        {"who": shopper_id if shopper_id is not None else dealer_code, "first": first.isoformat()},
    )
    return [(r.id, r.shopper_id) for r in rows]


def withdraw_stops(conn: Connection, assignment_ids: list[str], now: datetime, seq: int) -> int:
    """Withdraw these stops with change number `seq` (the next pull drops them); how many."""
    if not assignment_ids:
        return 0
    statement = text(
        "UPDATE assignments SET removed_at = :now, change_seq = :seq WHERE id IN :ids AND removed_at IS NULL"
    ).bindparams(bindparam("ids", expanding=True))
    return conn.execute(statement, {"ids": assignment_ids, "now": moment(now), "seq": seq}).rowcount


# --- re-pinning planned stops to a newer checklist version ---------------------------

def _repinnable(shopper_id: str | None) -> str:
    """Which stops a re-pin moves: those of checklist :cid on a version older than :to, not
    withdrawn, from day :first on (and of shopper :shopper when one is given), for which no
    visit has arrived (as `visited` counts it)."""
    return (
        "a.checklist_id = :cid AND a.checklist_version < :to AND a.removed_at IS NULL AND a.day >= :first "
        + ("AND a.shopper_id = :shopper " if shopper_id is not None else "")
        + "AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.assignment_id = a.id AND v.latest_revision > 0)"
    )


def repinnable(conn: Connection, checklist_id: str, to_version: int, first: date,
               shopper_id: str | None) -> list[str]:
    """The ids of the stops `repin_stops` would move, in route order."""
    rows = conn.execute(
        text(f"SELECT a.id FROM assignments a WHERE {_repinnable(shopper_id)} "
             "ORDER BY a.shopper_id, a.day, a.position, a.id"),
        _repin_params(checklist_id, to_version, first, shopper_id),
    )
    return [r.id for r in rows]


def repin_stops(conn: Connection, checklist_id: str, to_version: int, first: date, shopper_id: str | None,
                seq: int) -> list[str]:
    """Put those stops on `to_version` with change number `seq` (so the next pull carries
    them), in one statement: a stop whose visit is stored before it runs stays as it is.
    Returns the ids moved, sorted."""
    rows = conn.execute(
        text(f"UPDATE assignments SET checklist_version = :to, change_seq = :seq "
             f"WHERE id IN (SELECT a.id FROM assignments a WHERE {_repinnable(shopper_id)}) RETURNING id"),
        _repin_params(checklist_id, to_version, first, shopper_id) | {"seq": seq},
    )
    return sorted(r.id for r in rows)


def _repin_params(checklist_id: str, to_version: int, first: date, shopper_id: str | None) -> dict:
    params: dict[str, object] = {"cid": checklist_id, "to": to_version, "first": first.isoformat()}
    if shopper_id is not None:
        params["shopper"] = shopper_id
    return params


def last_checklist(conn: Connection, shopper_id: str) -> str | None:
    """The checklist of the shopper's most recently created stop."""
    return conn.execute(text("SELECT checklist_id FROM assignments WHERE shopper_id = :s "
                             "ORDER BY created_at DESC, id DESC LIMIT 1"), {"s": shopper_id}).scalar()


def checklist_versions(conn: Connection) -> dict[str, list[int]]:
    """Every published checklist id with its versions, oldest first."""
    versions: dict[str, list[int]] = {}
    for row in conn.execute(text("SELECT id, version FROM checklists ORDER BY id, version")):
        versions.setdefault(row.id, []).append(row.version)
    return versions
