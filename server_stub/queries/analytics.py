"""The tally of standards met, read for the console's analytics: per dealership summed
over its items, and per item for one dealership or all of them.

The tally holds a row per (dealership, checklist, item key), however many visits and
checklist versions there are, so these reads cost the same at 100,000 visits as at ten. An
item's key (`standards.key_of`) is its standard, the same in every version that judges it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class DealerTotal:
    code: str
    name: str | None  # None for a code the dealership list no longer has
    met: int
    counted: int


def dealer_totals(conn: Connection, checklist_id: str) -> list[DealerTotal]:
    """Every dealership with a counted item of the checklist, its items' counts summed."""
    rows = conn.execute(text(
        "SELECT t.dealer_code, d.name, SUM(t.met) AS met, SUM(t.counted) AS counted "
        "FROM standard_tally t LEFT JOIN dealerships d ON d.code = t.dealer_code "
        "WHERE t.checklist_id = :c GROUP BY t.dealer_code, d.name HAVING SUM(t.counted) > 0 "
        "ORDER BY t.dealer_code"
    ), {"c": checklist_id})
    # PostgreSQL sums BIGINT as NUMERIC: int() turns its Decimal back into a count.
    return [DealerTotal(r.dealer_code, r.name, int(r.met), int(r.counted)) for r in rows]


def item_tally(conn: Connection, checklist_id: str, dealer_code: str | None = None) -> dict[str, tuple[int, int]]:
    """item key -> (met, counted) at one dealership, or summed over all of them."""
    if dealer_code is not None:
        rows = conn.execute(text(
            "SELECT item_id, met, counted FROM standard_tally WHERE dealer_code = :d AND checklist_id = :c"
        ), {"d": dealer_code, "c": checklist_id})
    else:
        rows = conn.execute(text(
            "SELECT item_id, SUM(met) AS met, SUM(counted) AS counted FROM standard_tally "
            "WHERE checklist_id = :c GROUP BY item_id"
        ), {"c": checklist_id})
    return {r.item_id: (int(r.met), int(r.counted)) for r in rows}


def versions(conn: Connection, checklist_id: str) -> list[int]:
    """The checklist's published versions, newest first."""
    rows = conn.execute(text("SELECT version FROM checklists WHERE id = :id ORDER BY version DESC"),
                        {"id": checklist_id})
    return [r.version for r in rows]
