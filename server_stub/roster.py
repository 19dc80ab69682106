"""Who goes where, as it changes: shoppers and dealerships renamed, deactivated and
reactivated, and their lists searched and paged (the console's /shoppers and /dealers,
and `fieldaudit admin`). `admin.py` re-exports these functions.

A deactivated shopper or dealership stays wherever it already is (visits, visit pages,
analytics, exports, the stops of past days) and leaves what is picked from or planned
on: the week board (from the week after its last stop), the day page's dealership
field, the re-pin and export forms. Nothing new can be planned for it
(`ShopperInactiveError`, `DealerInactiveError`). Deactivating one withdraws its stops
from today on that no visit has arrived for (the phones drop them on their next pull,
unless a visit of one has begun there: that visit still arrives); deactivating a shopper
also revokes their phones at once and ends their unused pairing codes. Reactivating
brings back neither the stops nor the phones: the coordinator plans again and gives a
new pairing code.

    deactivate_shopper(store, "sh_0123456789", dry_run=True)   # the counts to confirm
    deactivate_shopper(store, "sh_0123456789")                 # done: the same counts
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Generic, TypeVar

from field_app.domain.route import Dealership

from . import limits
from .database import storable
from .errors import InvalidInputError, UnknownDealerError, UnknownShopperError
from .queries import accounts, routes
from .queries.accounts import ShopperOverview
from .queries.routes import DealerRow
from .records import ShopperAccount
from .store import ServerStore

PAGE_SIZE = 50
Row = TypeVar("Row")

__all__ = [
    "DealerInactiveError", "Deactivation", "ListPage", "PAGE_SIZE", "page_numbers", "ShopperInactiveError", "check_shopper_fields",
    "deactivate_dealer", "deactivate_shopper", "dealer_page", "dealer_row", "find_dealers", "reactivate_dealer",
    "reactivate_shopper", "rename_dealer", "rename_shopper", "require_active_dealer", "require_active_shopper",
    "shopper_page",
]


class ShopperInactiveError(InvalidInputError):
    """The shopper is deactivated: nothing new is planned for them, and no phone paired."""


class DealerInactiveError(InvalidInputError):
    """The dealership is deactivated: no stop is planned there."""


@dataclass(frozen=True)
class Deactivation:
    """What deactivating a shopper or a dealership did (or, on a dry run, would do)."""

    who: str                # the shopper's id or the dealership's code
    name: str
    changed: bool           # False: it was deactivated already (nothing was done)
    devices_revoked: int    # a shopper's phones that stopped working
    stops_withdrawn: int    # stops from today on with no visit yet
    shoppers_affected: int  # whose routes lost a stop
    dry_run: bool = False

    def as_json(self) -> dict:
        return {"id": self.who, "name": self.name, "dry_run": self.dry_run,
                "already_deactivated": not self.changed and not self.dry_run,
                "devices_revoked": self.devices_revoked, "stops_withdrawn": self.stops_withdrawn,
                "shoppers_affected": self.shoppers_affected}


@dataclass(frozen=True)
class ListPage(Generic[Row]):
    """A page of a searched list: its rows, how many match in all, and which page it is."""

    rows: list[Row]
    total: int            # matching, of those shown (active ones only, unless deactivated are shown)
    hidden_inactive: int  # matching deactivated ones left out (0 when they are shown)
    page: int
    pages: int
    per_page: int

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)

    @property
    def numbers(self) -> list[int | None]:
        return page_numbers(self.page, self.pages)


def page_numbers(page: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers to link: the first, the last, and those `around` this one; None
    where numbers are left out (1 … 4 5 6 7 8 … 1200)."""
    shown = sorted({1, pages} | set(range(max(1, page - around), min(pages, page + around) + 1)))
    numbers: list[int | None] = []
    for n in shown:
        gap = n - (numbers[-1] or 0) if numbers else 1
        if gap == 2:  # one number left out: cheaper to show it than "…"
            numbers.append(n - 1)
        elif gap > 2:
            numbers.append(None)
        numbers.append(n)
    return numbers


def _page_number(page: int, total: int, per_page: int) -> tuple[int, int]:
    pages = max(1, ceil(total / per_page))
    return min(max(page, 1), pages), pages


def _query(query: str) -> str:
    """What was typed into a search box, cut to the length the box takes."""
    return query.strip()[: limits.SEARCH] if storable(query) else ""


# --- shoppers ------------------------------------------------------------------------

def shopper_page(store: ServerStore, query: str = "", page: int = 1, include_inactive: bool = False,
                 per_page: int = PAGE_SIZE) -> ListPage[ShopperOverview]:
    """A page of the shopper list in name order: those matching every word of `query`
    (name, city, id), the deactivated only with `include_inactive`."""
    query = _query(query)
    with store.db.read() as conn:
        total = accounts.count_shoppers(conn, query, include_inactive)
        hidden = 0 if include_inactive else accounts.count_shoppers(conn, query, True) - total
        number, pages = _page_number(page, total, per_page)
        now = store.now()
        rows = accounts.shopper_overviews(conn, now.date(), query=query, include_inactive=include_inactive,
                                          limit=per_page, offset=(number - 1) * per_page, now=now)
    return ListPage(rows, total, hidden, number, pages, per_page)


def check_shopper_fields(name: str, city: str = "") -> tuple[str, str]:
    """The name and city as stored (stripped), or InvalidInputError saying what is wrong."""
    name, city = name.strip(), city.strip()
    if not (storable(name) and storable(city)):
        raise InvalidInputError("The name or the city has characters that cannot be stored.")
    if not name:
        raise InvalidInputError("A shopper needs a name.")
    if len(name) > limits.SHOPPER_NAME:
        raise InvalidInputError(f"A shopper's name has at most {limits.SHOPPER_NAME} characters, not {len(name)}.")
    if len(city) > limits.SHOPPER_CITY:
        raise InvalidInputError(f"A shopper's city has at most {limits.SHOPPER_CITY} characters, not {len(city)}.")
    return name, city


def rename_shopper(store: ServerStore, shopper_id: str, name: str, city: str | None = None) -> ShopperAccount:
    """A new name (and city, when given) for a shopper, deactivated or not. Visits and
    reports show the new name; a phone paired before shows the old one until paired again."""
    with store.db.write() as conn:
        shopper = _shopper(conn, shopper_id)
        name, city = check_shopper_fields(name, shopper.city if city is None else city)
        accounts.rename_shopper(conn, shopper_id, name, city)
        renamed = accounts.get_shopper(conn, shopper_id)
    assert renamed is not None
    return renamed


def deactivate_shopper(store: ServerStore, shopper_id: str, dry_run: bool = False) -> Deactivation:
    """Deactivate a shopper: their phones are revoked at once, their unused pairing codes
    end, and their stops from today on with no visit yet are withdrawn. With `dry_run`,
    only count. Deactivating twice changes nothing the second time."""
    now = store.now()
    with store.db.read() if dry_run else store.db.write() as conn:
        shopper = _shopper(conn, shopper_id)
        if not shopper.active:
            return Deactivation(shopper_id, shopper.label, False, 0, 0, 0)
        stops = routes.open_stops(conn, now.date(), shopper_id=shopper_id)
        if dry_run:
            return Deactivation(shopper_id, shopper.label, False, accounts.count_active_devices(conn, shopper_id),
                                len(stops), 1 if stops else 0, dry_run=True)
        accounts.set_shopper_deactivated(conn, shopper_id, now)
        devices = accounts.revoke_devices_of(conn, shopper_id, now)
        accounts.expire_unused_codes(conn, shopper_id, now)
        withdrawn = routes.withdraw_stops(conn, [s for s, _ in stops], now, routes.next_change(conn)) if stops else 0
    return Deactivation(shopper_id, shopper.label, True, devices, withdrawn, 1 if withdrawn else 0)


def reactivate_shopper(store: ServerStore, shopper_id: str) -> ShopperAccount:
    """Plan for a shopper again; their phone needs a new pairing code. Harmless when active."""
    with store.db.write() as conn:
        _shopper(conn, shopper_id)
        accounts.set_shopper_deactivated(conn, shopper_id, None)
        shopper = accounts.get_shopper(conn, shopper_id)
    assert shopper is not None
    return shopper


def require_active_shopper(conn, shopper_id: str) -> ShopperAccount:
    """The shopper, or UnknownShopperError, or ShopperInactiveError when deactivated."""
    shopper = _shopper(conn, shopper_id)
    if not shopper.active:
        raise ShopperInactiveError(f"Shopper {shopper.label} is deactivated: reactivate them to plan their visits "
                                   "or pair a phone.")
    return shopper


def _shopper(conn, shopper_id: str) -> ShopperAccount:
    shopper = accounts.get_shopper(conn, shopper_id)
    if shopper is None:
        raise UnknownShopperError(f"There is no shopper {shopper_id!r}.")
    return shopper


# --- dealerships ---------------------------------------------------------------------

def dealer_page(store: ServerStore, query: str = "", page: int = 1, include_inactive: bool = False,
                per_page: int = PAGE_SIZE) -> ListPage[DealerRow]:
    """A page of the dealership list in name order: those matching every word of `query`
    (code, name, brand, city), the deactivated only with `include_inactive`."""
    query = _query(query)
    with store.db.read() as conn:
        total = routes.count_dealers(conn, query, include_inactive)
        hidden = 0 if include_inactive else routes.count_deactivated_dealers(conn, query)
        number, pages = _page_number(page, total, per_page)
        rows = routes.dealer_page(conn, query, include_inactive, per_page, (number - 1) * per_page)
    return ListPage(rows, total, hidden, number, pages, per_page)


def find_dealers(store: ServerStore, query: str, limit: int = 10) -> tuple[list[Dealership], int]:
    """Active dealerships matching every word of `query`, the first `limit` in name order,
    and how many match in all: the day page's dealership field."""
    query = _query(query)
    with store.db.read() as conn:
        total = routes.count_dealers(conn, query)
        rows = routes.dealer_page(conn, query, limit=limit)
    return [r.dealer for r in rows], total


def dealer_row(store: ServerStore, code: str) -> DealerRow:
    with store.db.read() as conn:
        return _dealer(conn, code)


def rename_dealer(store: ServerStore, code: str, name: str) -> Dealership:
    """A new name for a dealership (its code stays); phones with it on their route get it
    on their next pull. The console's edit form changes every detail the same way."""
    name = name.strip()
    if not storable(name) or not name:
        raise InvalidInputError("A dealership needs a name.")
    if len(name) > limits.DEALER["name"]:
        raise InvalidInputError(f"A dealership's name has at most {limits.DEALER['name']} characters, not {len(name)}.")
    with store.db.write() as conn:
        before = _dealer(conn, code).dealer
        renamed = before.model_copy(update={"name": name})
        if renamed != before:
            routes.upsert_dealership(conn, renamed, store.now())
            routes.touch_assignments_of_dealers(conn, [code], routes.next_change(conn))
    return renamed


def deactivate_dealer(store: ServerStore, code: str, dry_run: bool = False) -> Deactivation:
    """Deactivate a dealership: the stops there from today on with no visit yet are
    withdrawn (every shopper's). With `dry_run`, only count. Twice changes nothing."""
    now = store.now()
    with store.db.read() if dry_run else store.db.write() as conn:
        row = _dealer(conn, code)
        if not row.active:
            return Deactivation(code, row.dealer.name, False, 0, 0, 0)
        stops = routes.open_stops(conn, now.date(), dealer_code=code)
        whose = len({shopper for _, shopper in stops})
        if dry_run:
            return Deactivation(code, row.dealer.name, False, 0, len(stops), whose, dry_run=True)
        routes.set_dealer_deactivated(conn, code, now)
        withdrawn = routes.withdraw_stops(conn, [s for s, _ in stops], now, routes.next_change(conn)) if stops else 0
    return Deactivation(code, row.dealer.name, True, 0, withdrawn, whose)


def reactivate_dealer(store: ServerStore, code: str) -> DealerRow:
    """Plan stops at a dealership again. Harmless when it is active."""
    with store.db.write() as conn:
        _dealer(conn, code)
        routes.set_dealer_deactivated(conn, code, None)
        return _dealer(conn, code)


def require_active_dealer(conn, code: str) -> DealerRow:
    """The dealership, or UnknownDealerError, or DealerInactiveError when deactivated."""
    row = _dealer(conn, code)
    if not row.active:
        raise DealerInactiveError(f"Dealership {code} ({row.dealer.name}) is deactivated: reactivate it to plan "
                                  "visits there.")
    return row


def _dealer(conn, code: str) -> DealerRow:
    row = routes.dealer_row(conn, code)
    if row is None:
        raise UnknownDealerError(f"There is no dealership {code!r}.")
    return row
