"""Standards met, read for the console's analytics under a choice of visits: a checklist,
the statuses counted, a period, a dealership's city and brand, a shopper.

A page of dealerships sums `visits.standards_met` / `standards_counted` per dealership
from the index `visits_for_analytics` (checklist, dealership, status, local month, the
counts, shopper), never a payload. One dealership's items are summed from its visits' rows of
`visit_standards`; all dealerships' items from `month_tally`, a row per checklist, month,
status and item however many visits there are. An item's key (`standards.key_of`) is its
standard, the same in every version that judges it.

Months are the visits' local months (`visits.local_month`, "YYYY-MM": the month of the
start in the dealership's time zone), in the period filters, a dealership's months and
the tally alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, text

from ..records import shopper_label


@dataclass(frozen=True)
class Choice:
    """Which visits count: all of them have a dealership and are of `checklist_id`."""

    checklist_id: str
    statuses: tuple[str, ...]
    start: str | None = None  # the first local month counted, "YYYY-MM"
    end: str | None = None  # the first local month no longer counted
    city: str | None = None
    brand: str | None = None
    shopper_id: str | None = None

    def where(self) -> tuple[str, dict]:
        """The clause on `visits v`. A city or brand picks the dealerships' codes first
        (`dealerships_by_city`, `_by_brand`), then their visits by `visits_for_analytics`."""
        names = [f":status{i}" for i in range(len(self.statuses))]
        clauses = ["v.checklist_id = :checklist", f"v.status IN ({', '.join(names)})", "v.dealer_code IS NOT NULL"]
        params: dict = {"checklist": self.checklist_id, **{n[1:]: s for n, s in zip(names, self.statuses)}}
        for clause, name, value in (("v.local_month >= :start", "start", self.start),
                                    ("v.local_month < :end", "end", self.end),
                                    ("v.shopper_id = :shopper", "shopper", self.shopper_id)):
            if value is not None:
                clauses.append(clause)
                params[name] = value
        place = [f"d.{name} = :{name}" for name in ("city", "brand") if getattr(self, name) is not None]
        if place:
            clauses.append(f"v.dealer_code IN (SELECT d.code FROM dealerships d WHERE {' AND '.join(place)})")
            params |= {name: getattr(self, name) for name in ("city", "brand") if getattr(self, name) is not None}
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class DealerTotal:
    code: str
    name: str | None  # None for a code the dealership list no longer has
    city: str | None
    brand: str | None
    met: int
    counted: int
    visits: int


@dataclass(frozen=True)
class DealerPage:
    rows: list[DealerTotal]
    dealers: int  # how many dealerships the choice has, on every page
    met: int  # summed over them all
    counted: int
    visits: int


ORDERS = {
    "best": "share DESC, visits DESC, dealer_code",
    "worst": "share ASC, visits DESC, dealer_code",
    "visits": "visits DESC, share DESC, dealer_code",
}


def dealer_page(conn: Connection, choice: Choice, order: str = "best", limit: int = 50, offset: int = 0,
                min_visits: int = 0) -> DealerPage:
    """A page of the dealerships with a counted item, their items' counts summed, and the
    sums over every page (window functions: the visits are read once, in dealership order
    from the index); names, cities and brands are read for the page's rows only."""
    where, params = choice.where()
    rows = conn.execute(text(
        "SELECT p.*, d.name, d.city, d.brand FROM ("
        "SELECT v.dealer_code, SUM(v.standards_met) AS met, SUM(v.standards_counted) AS counted, "
        "COUNT(*) AS visits, 1.0 * SUM(v.standards_met) / SUM(v.standards_counted) AS share, "
        "COUNT(*) OVER () AS all_dealers, SUM(SUM(v.standards_met)) OVER () AS all_met, "
        "SUM(SUM(v.standards_counted)) OVER () AS all_counted, SUM(COUNT(*)) OVER () AS all_visits "
        f"FROM {_all_visits(conn)} WHERE {where} GROUP BY v.dealer_code "
        "HAVING SUM(v.standards_counted) > 0 AND COUNT(*) >= :min_visits "
        f"ORDER BY {ORDERS[order]} LIMIT :limit OFFSET :offset) p "
        f"LEFT JOIN dealerships d ON d.code = p.dealer_code ORDER BY {ORDERS[order]}"
    ), params | {"limit": limit, "offset": offset, "min_visits": min_visits}).all()
    found = [DealerTotal(r.dealer_code, r.name, r.city, r.brand, int(r.met), int(r.counted), int(r.visits))
             for r in rows]
    if rows:
        first = rows[0]
        # PostgreSQL sums BIGINT as NUMERIC: int() turns its Decimal back into a count.
        return DealerPage(found, int(first.all_dealers), int(first.all_met), int(first.all_counted),
                          int(first.all_visits))
    if offset == 0:
        return DealerPage([], 0, 0, 0, 0)
    whole = dealer_page(conn, choice, order, 1, 0, min_visits)  # past the last page: the sums still
    return DealerPage([], whole.dealers, whole.met, whole.counted, whole.visits)


def _all_visits(conn: Connection) -> str:
    """`visits v` for a sum over every dealership. SQLite would rather take a period or a
    status from `visits_by_status` and read each row (130 ms at 100,000 visits) than scan
    the covering index (50 ms): told which index to use."""
    return "visits v INDEXED BY visits_for_analytics" if conn.dialect.name == "sqlite" else "visits v"


def dealer_items(conn: Connection, choice: Choice, dealer_code: str) -> tuple[dict[str, tuple[int, int]], int]:
    """item key -> (met, counted) over the dealership's chosen visits, and how many visits."""
    where, params = choice.where()
    rows = conn.execute(text(
        f"SELECT s.items FROM visits v JOIN visit_standards s ON s.visit_uuid = v.uuid "
        f"WHERE v.dealer_code = :dealer AND {where}"
    ), params | {"dealer": dealer_code})
    met: dict[str, int] = {}
    counted: dict[str, int] = {}
    visits = 0
    for row in rows:
        visits += 1
        for key, ok in json.loads(row.items).items():
            met[key] = met.get(key, 0) + ok
            counted[key] = counted.get(key, 0) + 1
    return {key: (met[key], counted[key]) for key in counted}, visits


def network_items(conn: Connection, choice: Choice) -> dict[str, tuple[int, int]]:
    """item key -> (met, counted) at all dealerships, in the choice's statuses and months
    (its city, brand and shopper are not asked: the tally has no such rows)."""
    names = [f":status{i}" for i in range(len(choice.statuses))]
    clauses, params = [f"status IN ({', '.join(names)})"], {n[1:]: s for n, s in zip(names, choice.statuses)}
    if choice.start is not None:
        clauses.append("month >= :start")
        params["start"] = choice.start
    if choice.end is not None:
        clauses.append("month < :end")
        params["end"] = choice.end
    rows = conn.execute(text(
        "SELECT item_id, SUM(met) AS met, SUM(counted) AS counted FROM month_tally "
        f"WHERE checklist_id = :checklist AND {' AND '.join(clauses)} GROUP BY item_id"
    ), params | {"checklist": choice.checklist_id})
    return {r.item_id: (int(r.met), int(r.counted)) for r in rows}


def network_total(conn: Connection, choice: Choice) -> tuple[int, int, int]:
    """(met, counted, visits) over every dealership of the choice."""
    where, params = choice.where()
    row = conn.execute(text(
        "SELECT COALESCE(SUM(v.standards_met), 0) AS met, COALESCE(SUM(v.standards_counted), 0) AS counted, "
        f"COUNT(*) AS visits FROM {_all_visits(conn)} WHERE {where}"
    ), params).one()
    return int(row.met), int(row.counted), int(row.visits)


@dataclass(frozen=True)
class MonthTotal:
    month: str  # "YYYY-MM"
    met: int
    counted: int
    visits: int


def dealer_months(conn: Connection, choice: Choice, dealer_code: str) -> list[MonthTotal]:
    """The dealership's chosen visits summed per local month of their start, months in order."""
    where, params = choice.where()
    rows = conn.execute(text(
        "SELECT v.local_month AS month, SUM(v.standards_met) AS met, "
        "SUM(v.standards_counted) AS counted, COUNT(*) AS visits "
        f"FROM visits v WHERE v.dealer_code = :dealer AND {where} "
        "GROUP BY v.local_month ORDER BY month"
    ), params | {"dealer": dealer_code})
    return [MonthTotal(r.month, int(r.met), int(r.counted), int(r.visits)) for r in rows]


@dataclass(frozen=True)
class ShopperOption:
    id: str
    name: str
    city: str
    active: bool

    @property
    def label(self) -> str:
        return shopper_label(self.name, self.city, self.id)


def shoppers(conn: Connection) -> list[ShopperOption]:
    """Every shopper, the active ones first, each part in name order: a deactivated shopper's
    visits still count, so they are still chosen."""
    rows = conn.execute(text(
        "SELECT id, name, city, deactivated_at FROM shoppers "
        "ORDER BY CASE WHEN deactivated_at IS NULL THEN 0 ELSE 1 END, name, id"))
    return [ShopperOption(r.id, r.name, r.city, r.deactivated_at is None) for r in rows]


def places(conn: Connection, column: str) -> list[str]:
    """The dealerships' cities or brands, as written, in order ('' left out)."""
    assert column in ("city", "brand")
    rows = conn.execute(text(f"SELECT DISTINCT {column} AS v FROM dealerships WHERE {column} <> '' ORDER BY v"))
    return [r.v for r in rows]


def versions(conn: Connection, checklist_id: str) -> list[int]:
    """The checklist's published versions, newest first."""
    rows = conn.execute(text("SELECT version FROM checklists WHERE id = :id ORDER BY version DESC"),
                        {"id": checklist_id})
    return [r.version for r in rows]
