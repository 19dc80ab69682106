"""Coordinators, shoppers, pairing codes and devices."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, text

from ..database import moment, parse_moment
from ..records import Coordinator, Device, ShopperAccount, shopper_label
from ..search import fold, where_words


def _maybe(value: str | None) -> datetime | None:
    return parse_moment(value) if value else None


# --- coordinators --------------------------------------------------------------------

def coordinator_exists(conn: Connection, username: str) -> bool:
    row = conn.execute(text("SELECT 1 FROM coordinators WHERE username = :u"), {"u": username}).first()
    return row is not None


def insert_coordinator(conn: Connection, coordinator: Coordinator, password_hash: str) -> None:
    conn.execute(
        text("INSERT INTO coordinators (id, username, password_hash, created_at) VALUES (:id, :u, :h, :at)"),
        {"id": coordinator.id, "u": coordinator.username, "h": password_hash, "at": moment(coordinator.created_at)},
    )


def coordinator_password(conn: Connection, username: str) -> str | None:
    row = conn.execute(text("SELECT password_hash FROM coordinators WHERE username = :u"), {"u": username}).first()
    return row.password_hash if row else None


# --- shoppers ----------------------------------------------------------------------

def insert_shopper(conn: Connection, shopper: ShopperAccount) -> None:
    conn.execute(
        text("INSERT INTO shoppers (id, name, city, search, created_at) VALUES (:id, :name, :city, :search, :at)"),
        {"id": shopper.id, "name": shopper.name, "city": shopper.city,
         "search": fold(shopper.name, shopper.city, shopper.id), "at": moment(shopper.created_at)},
    )


_SHOPPER = "SELECT id, name, city, created_at, deactivated_at FROM shoppers "


def _shopper(row) -> ShopperAccount:
    return ShopperAccount(row.id, row.name, parse_moment(row.created_at), row.city, _maybe(row.deactivated_at))


def get_shopper(conn: Connection, shopper_id: str) -> ShopperAccount | None:
    row = conn.execute(text(_SHOPPER + "WHERE id = :id"), {"id": shopper_id}).first()
    return _shopper(row) if row else None


def list_shoppers(conn: Connection, *, active_only: bool = False) -> list[ShopperAccount]:
    """Every shopper in name order; with `active_only`, those not deactivated (for pickers)."""
    where = "WHERE deactivated_at IS NULL " if active_only else ""
    return [_shopper(r) for r in conn.execute(text(_SHOPPER + where + "ORDER BY name, id"))]


def board_shoppers(conn: Connection, week: tuple[date, date], query: str = "", limit: int = 50,
                   offset: int = 0) -> list[ShopperAccount]:
    """A page of the shoppers a week board shows, in name order: those not deactivated,
    and a deactivated one only when a stop of theirs (not withdrawn) falls in the week, so
    that past weeks still show who went where."""
    where, params = _on_board(week, query)
    rows = conn.execute(text(_SHOPPER + where + " ORDER BY name, id LIMIT :limit OFFSET :offset"),
                        params | {"limit": limit, "offset": offset})
    return [_shopper(r) for r in rows]


def count_board_shoppers(conn: Connection, week: tuple[date, date], query: str = "") -> int:
    where, params = _on_board(week, query)
    return conn.execute(text("SELECT COUNT(*) FROM shoppers " + where), params).scalar_one()


def _on_board(week: tuple[date, date], query: str) -> tuple[str, dict]:
    matching, params = where_words("search", query)
    where = (
        "WHERE (deactivated_at IS NULL OR EXISTS (SELECT 1 FROM assignments a WHERE a.shopper_id = shoppers.id "
        "AND a.day >= :first AND a.day <= :last AND a.removed_at IS NULL))"
        + (f" AND {matching}" if matching else "")
    )
    return where, params | {"first": week[0].isoformat(), "last": week[1].isoformat()}


def rename_shopper(conn: Connection, shopper_id: str, name: str, city: str) -> bool:
    """New name and city; False when nothing changed."""
    result = conn.execute(
        text("UPDATE shoppers SET name = :name, city = :city, search = :search "
             "WHERE id = :id AND (name <> :name OR city <> :city)"),
        {"id": shopper_id, "name": name, "city": city, "search": fold(name, city, shopper_id)},
    )
    return result.rowcount == 1


def set_shopper_deactivated(conn: Connection, shopper_id: str, at: datetime | None) -> bool:
    """Deactivate (a moment) or reactivate (None); False when it already was so."""
    state = "deactivated_at IS NULL" if at is not None else "deactivated_at IS NOT NULL"
    result = conn.execute(
        text(f"UPDATE shoppers SET deactivated_at = :at WHERE id = :id AND {state}"),
        {"id": shopper_id, "at": moment(at) if at is not None else None},
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class ShopperOverview:
    """A shopper as the console lists them: when a phone of theirs last synced, and the
    work still open (stops from today on with no visit yet, visits returned for correction)."""

    id: str
    name: str
    created_at: datetime
    last_seen_at: datetime | None
    active_devices: int
    planned: int
    returned: int
    city: str = ""
    deactivated_at: datetime | None = None
    recent_visits: int = 0     # visits received in the last RECENT_DAYS (their latest revision)
    recent_unflagged: int = 0  # of those, the ones whose latest revision has no flag
    unreadable_checklists: tuple[str, ...] = ()  # what any phone of theirs not revoked cannot open

    @property
    def active(self) -> bool:
        return self.deactivated_at is None

    @property
    def unflagged_percent(self) -> float | None:
        """The share of recent visits without flags; None without recent visits."""
        return 100.0 * self.recent_unflagged / self.recent_visits if self.recent_visits else None

    @property
    def label(self) -> str:
        return shopper_label(self.name, self.city, self.id)


RECENT_DAYS = 90  # the window of a shopper's share of visits without flags


# visits.assignment_id has no index: the ids of visited assignments are gathered in one
# uncorrelated subquery (a hash set on PostgreSQL, an ephemeral index on SQLite) instead
# of a search of the shopper's visits for each of their assignments.
_OVERVIEW = """
SELECT s.id, s.name, s.city, s.created_at, s.deactivated_at,
       (SELECT MAX(d.last_seen_at) FROM devices d WHERE d.shopper_id = s.id) AS last_seen_at,
       (SELECT COUNT(*) FROM devices d WHERE d.shopper_id = s.id AND d.revoked_at IS NULL) AS active_devices,
       COALESCE(upcoming.planned, 0) AS planned,
       (SELECT COUNT(*) FROM visits v WHERE v.shopper_id = s.id AND v.status = 'returned') AS returned,
       (SELECT COUNT(*) FROM visits v WHERE v.shopper_id = s.id AND v.received_at >= :since) AS recent_visits,
       (SELECT COUNT(*) FROM visits v WHERE v.shopper_id = s.id AND v.received_at >= :since
          AND NOT EXISTS (SELECT 1 FROM revision_flags f
                          WHERE f.visit_uuid = v.uuid AND f.revision = v.latest_revision)) AS recent_unflagged,
       outdated.unreadable
FROM shoppers s
LEFT JOIN (
    SELECT a.shopper_id, COUNT(*) AS planned FROM assignments a
    WHERE a.removed_at IS NULL AND a.day >= :today
      AND a.id NOT IN (SELECT v.assignment_id FROM visits v WHERE v.assignment_id IS NOT NULL)
    GROUP BY a.shopper_id
) upcoming ON upcoming.shopper_id = s.id
LEFT JOIN (
    SELECT d.shopper_id, {concat}(d.unreadable_checklists, ',') AS unreadable FROM devices d
    WHERE d.revoked_at IS NULL AND d.unreadable_checklists <> '[]'
    GROUP BY d.shopper_id
) outdated ON outdated.shopper_id = s.id
"""


def shopper_overviews(conn: Connection, today: date, shopper_id: str | None = None, *, query: str = "",
                      include_inactive: bool = True, limit: int | None = None,
                      offset: int = 0, now: datetime | None = None) -> list[ShopperOverview]:
    """Shoppers in name order (one, by `shopper_id`), those matching every word of `query`,
    the deactivated too unless `include_inactive` is False; `limit` rows from `offset`.
    Their recent visits are those received in the RECENT_DAYS before `now` (without it,
    before the start of `today`)."""
    where, params = _listed(query, include_inactive, shopper_id)
    page = " LIMIT :limit OFFSET :offset" if limit is not None else ""
    since = (now or datetime.combine(today, time(), UTC)) - timedelta(days=RECENT_DAYS)
    # Each phone's report is a JSON array: joined with commas, they read back as an array of them.
    concat = "group_concat" if conn.dialect.name == "sqlite" else "string_agg"
    rows = conn.execute(text(_OVERVIEW.format(concat=concat) + where + " ORDER BY s.name, s.id" + page),
                        params | {"today": today.isoformat(), "since": moment(since), "limit": limit,
                                  "offset": offset})
    return [
        ShopperOverview(r.id, r.name, parse_moment(r.created_at), _maybe(r.last_seen_at), r.active_devices,
                        r.planned, r.returned, r.city, _maybe(r.deactivated_at), r.recent_visits,
                        r.recent_unflagged, _union(r.unreadable))
        for r in rows
    ]


def _union(reports: str | None) -> tuple[str, ...]:
    if not reports:
        return ()
    return tuple(sorted({name for report in json.loads(f"[{reports}]") for name in report}))


def count_shoppers(conn: Connection, query: str = "", include_inactive: bool = True) -> int:
    where, params = _listed(query, include_inactive)
    return conn.execute(text("SELECT COUNT(*) FROM shoppers s" + where), params).scalar_one()


def _listed(query: str, include_inactive: bool, shopper_id: str | None = None) -> tuple[str, dict]:
    matching, params = where_words("s.search", query)
    clauses = [matching] if matching else []
    if not include_inactive:
        clauses.append("s.deactivated_at IS NULL")
    if shopper_id:
        clauses.append("s.id = :id")
        params["id"] = shopper_id
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


# --- pairing codes -------------------------------------------------------------------

@dataclass(frozen=True)
class CodeRow:
    code_hash: str
    shopper_id: str
    expires_at: datetime
    used_at: datetime | None
    device_id: str | None
    attempt_hash: str | None


def insert_code(conn: Connection, code_hash: str, shopper_id: str, created_at: datetime,
                expires_at: datetime) -> None:
    conn.execute(
        text("INSERT INTO pairing_codes (code_hash, shopper_id, created_at, expires_at) "
             "VALUES (:h, :s, :at, :exp)"),
        {"h": code_hash, "s": shopper_id, "at": moment(created_at), "exp": moment(expires_at)},
    )


def expire_unused_codes(conn: Connection, shopper_id: str, now: datetime) -> None:
    conn.execute(
        text("UPDATE pairing_codes SET expires_at = :now "
             "WHERE shopper_id = :s AND used_at IS NULL AND expires_at > :now"),
        {"s": shopper_id, "now": moment(now)},
    )


def find_code(conn: Connection, code_hash: str) -> CodeRow | None:
    row = conn.execute(
        text("SELECT code_hash, shopper_id, expires_at, used_at, device_id, attempt_hash "
             "FROM pairing_codes WHERE code_hash = :h"),
        {"h": code_hash},
    ).first()
    if row is None:
        return None
    return CodeRow(row.code_hash, row.shopper_id, parse_moment(row.expires_at), _maybe(row.used_at),
                   row.device_id, row.attempt_hash)


def use_code(conn: Connection, code_hash: str, device_id: str, attempt_hash: str | None, now: datetime) -> bool:
    """Mark the code used; False when another request used it first."""
    result = conn.execute(
        text("UPDATE pairing_codes SET used_at = :now, device_id = :d, attempt_hash = :a "
             "WHERE code_hash = :h AND used_at IS NULL"),
        {"h": code_hash, "d": device_id, "a": attempt_hash, "now": moment(now)},
    )
    return result.rowcount == 1


# --- devices -------------------------------------------------------------------------

_DEVICE = """
SELECT d.id, d.shopper_id, s.name AS shopper_name, d.name, d.created_at, d.last_seen_at, d.revoked_at,
       d.unreadable_checklists, d.unreadable_reported_at
FROM devices d JOIN shoppers s ON s.id = d.shopper_id
"""


def _device(row) -> Device:
    return Device(row.id, row.shopper_id, row.shopper_name, row.name, parse_moment(row.created_at),
                  _maybe(row.last_seen_at), _maybe(row.revoked_at), tuple(json.loads(row.unreadable_checklists)),
                  _maybe(row.unreadable_reported_at))


def insert_device(conn: Connection, device_id: str, shopper_id: str, name: str, token_hash: str,
                  now: datetime) -> None:
    conn.execute(
        text("INSERT INTO devices (id, shopper_id, name, token_hash, created_at, last_seen_at) "
             "VALUES (:id, :s, :name, :t, :now, :now)"),
        {"id": device_id, "s": shopper_id, "name": name, "t": token_hash, "now": moment(now)},
    )


def replace_token(conn: Connection, device_id: str, token_hash: str) -> bool:
    """Give a device that is not revoked a new token (the old one stops working)."""
    result = conn.execute(
        text("UPDATE devices SET token_hash = :t WHERE id = :id AND revoked_at IS NULL"),
        {"id": device_id, "t": token_hash},
    )
    return result.rowcount == 1


def device_by_token(conn: Connection, token_hash: str) -> Device | None:
    row = conn.execute(text(_DEVICE + " WHERE d.token_hash = :t"), {"t": token_hash}).first()
    return _device(row) if row else None


def get_device(conn: Connection, device_id: str) -> Device | None:
    row = conn.execute(text(_DEVICE + " WHERE d.id = :id"), {"id": device_id}).first()
    return _device(row) if row else None


def list_devices(conn: Connection, shopper_id: str | None = None) -> list[Device]:
    where = " WHERE d.shopper_id = :s" if shopper_id else ""
    rows = conn.execute(text(_DEVICE + where + " ORDER BY d.created_at"), {"s": shopper_id})
    return [_device(r) for r in rows]


def revoke_devices_of(conn: Connection, shopper_id: str, now: datetime) -> int:
    """Revoke every phone of a shopper not revoked yet; how many were."""
    result = conn.execute(
        text("UPDATE devices SET revoked_at = :now WHERE shopper_id = :s AND revoked_at IS NULL"),
        {"s": shopper_id, "now": moment(now)},
    )
    return result.rowcount


def count_active_devices(conn: Connection, shopper_id: str) -> int:
    return conn.execute(
        text("SELECT COUNT(*) FROM devices WHERE shopper_id = :s AND revoked_at IS NULL"), {"s": shopper_id},
    ).scalar_one()


def revoke_device(conn: Connection, device_id: str, now: datetime) -> None:
    conn.execute(
        text("UPDATE devices SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL"),
        {"id": device_id, "now": moment(now)},
    )


def set_unreadable(conn: Connection, device_id: str, checklists: list[str], now: datetime) -> None:
    """Replace what a device reported it cannot open; a revoked one is left as it was."""
    conn.execute(
        text("UPDATE devices SET unreadable_checklists = :c, unreadable_reported_at = :now "
             "WHERE id = :id AND revoked_at IS NULL"),
        {"id": device_id, "c": json.dumps(checklists, separators=(",", ":")), "now": moment(now)},
    )


def touch_device(conn: Connection, device_id: str, now: datetime) -> None:
    conn.execute(text("UPDATE devices SET last_seen_at = :now WHERE id = :id"), {"id": device_id, "now": moment(now)})
