"""The share of standards met per dealership and per item, set against each item's market
rank in the study (`benchmark`: top, average or bottom), for a choice of visits: the
statuses counted (approved ones unless another choice is made), a period of months (a
visit's month is that of its start in its dealership's time zone), a dealership's city and
brand, a shopper.

Every figure carries the visits behind it (`Share.visits`, the "n" the pages show beside
it) and says when they are fewer than `MIN_SAMPLE`, too few for the share to mean much.
Everything is read from what `summaries.py` keeps as revisions arrive and are reviewed,
never from the payloads. The tally counts a standard across the checklist's versions
(`standards.py`): a v1 visit and a v2 visit that judged standard 2.3 under other question
ids and wordings count together. Texts, refs and ranks are the newest version's; an item
that version no longer has is listed apart, worded as the newest version that had it. A
question without a standard id is its version's own item, never added to another's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from field_app.domain.checklist import Checklist, FollowUp, Question
from field_app.domain.route import Dealership

from .errors import ChecklistNotFoundError, UnknownDealerError
from .queries import analytics as q, routes
from .queries.analytics import ORDERS, ShopperOption
from .standards import Standards, key_of
from .store import ServerStore
from .summaries import local_month

DEFAULT_CHECKLIST = "showroom_visit"
# Which visits count, by the status of their newest revision.
STATUSES: dict[str, tuple[str, ...]] = {
    "approved": ("approved",),
    "received_approved": ("received", "approved"),  # approved and waiting for a verdict
    "all": ("received", "returned", "approved"),  # a returned visit with the revision returned
}
DEFAULT_STATUS = "approved"
MIN_SAMPLE = 5  # fewer visits than this behind a share: the pages warn that it means little
LOW_BELOW, HIGH_FROM = 50, 80  # a share (as shown, whole per cent) below 50 is low, from 80 high
PAGE_SIZE = 50  # dealerships on a page of the overview
TREND_MONTHS = 12
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Share:
    met: int
    counted: int  # items counted, over all the visits
    visits: int  # the visits behind the figure; for one item, those that counted it

    @property
    def percent(self) -> float | None:
        """None when no visit counted the item."""
        return 100.0 * self.met / self.counted if self.counted > 0 else None

    @property
    def shown(self) -> int | None:
        """The share in whole per cent, as the pages write it."""
        return None if self.percent is None else int(f"{self.percent:.0f}")

    @property
    def band(self) -> str:
        """"low", "mid" or "high" by the share as written; "none" when nothing counted."""
        if self.shown is None:
            return "none"
        return "low" if self.shown < LOW_BELOW else "mid" if self.shown < HIGH_FROM else "high"

    @property
    def few(self) -> bool:
        """Fewer visits than `MIN_SAMPLE` behind the figure (and at least one)."""
        return 0 < self.visits < MIN_SAMPLE


@dataclass(frozen=True)
class Filters:
    """Which visits count: the choice a page's address carries."""

    status: str = DEFAULT_STATUS  # a key of STATUSES
    month_from: str | None = None  # "YYYY-MM", the first month counted
    month_to: str | None = None  # "YYYY-MM", the last month counted
    city: str | None = None
    brand: str | None = None
    shopper_id: str | None = None

    def choice(self, checklist_id: str) -> q.Choice:
        return q.Choice(checklist_id, STATUSES[self.status], start=self.month_from or None,
                        end=next_month(self.month_to) if self.month_to else None,
                        city=self.city, brand=self.brand, shopper_id=self.shopper_id)


def next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def months_back(last: str, count: int) -> list[str]:
    """`count` months up to `last`, oldest first."""
    year, number = int(last[:4]), int(last[5:7])
    index = year * 12 + number - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


@dataclass(frozen=True)
class DealerShare:
    code: str
    name: str
    city: str
    brand: str
    share: Share  # visits: the dealership's visits counted


@dataclass(frozen=True)
class Overview:
    checklist: Checklist
    filters: Filters
    dealers: list[DealerShare]  # this page of them, in `order`
    total: Share  # every dealership of the choice together
    dealer_count: int
    order: str
    page: int
    pages: int
    enough_only: bool  # only dealerships with at least MIN_SAMPLE visits


@dataclass(frozen=True)
class ItemShare:
    id: str  # the question's or follow-up's id in `version`
    ref: str | None
    text: str
    benchmark: str | None
    share: Share  # at the dealership, every version together
    network: Share  # at all dealerships together, in the same statuses and months
    version: int  # the version whose wording is shown: the newest that has the item
    standard: str | None = None  # the standard id: what the versions are counted together by


@dataclass(frozen=True)
class ItemGroup:
    kind: str  # "section", "follow_ups" or "retired" (questions the newest version no longer asks)
    title: str  # the section's title; the page names the other kinds
    items: list[ItemShare]


@dataclass(frozen=True)
class MonthShare:
    month: str  # "YYYY-MM"
    share: Share


@dataclass(frozen=True)
class DealerReport:
    checklist: Checklist
    dealer: Dealership
    filters: Filters
    total: Share
    network: Share  # every dealership, in the same statuses and months
    groups: list[ItemGroup]
    trend: list[MonthShare]  # TREND_MONTHS months up to the period's last (or this one), oldest first


def overview(store: ServerStore, checklist_id: str, filters: Filters = Filters(), *, order: str = "best",
             page: int = 1, enough_only: bool = False) -> Overview:
    """A page of the dealerships' shares over all items of the checklist (sum met / sum
    counted), in `order` (best, worst, visits: a key of ORDERS)."""
    checklist = store.catalog.newest(checklist_id).checklist
    choice = filters.choice(checklist_id)
    minimum = MIN_SAMPLE if enough_only else 0
    with store.db.read() as conn:
        found = q.dealer_page(conn, choice, order, PAGE_SIZE, (page - 1) * PAGE_SIZE, minimum)
        pages = max(1, -(-found.dealers // PAGE_SIZE))
        if page > pages:  # past the end: the last page
            page = pages
            found = q.dealer_page(conn, choice, order, PAGE_SIZE, (page - 1) * PAGE_SIZE, minimum)
    dealers = [DealerShare(t.code, t.name or t.code, t.city or "", t.brand or "", Share(t.met, t.counted, t.visits))
               for t in found.rows]
    return Overview(checklist, filters, dealers, Share(found.met, found.counted, found.visits), found.dealers,
                    order, page, pages, enough_only)


def dealer_report(store: ServerStore, checklist_id: str, dealer_code: str,
                  filters: Filters = Filters()) -> DealerReport:
    """Each item's share at one dealership, by section, beside all dealerships' share, and
    its month-by-month share. A city or brand chosen is the dealership's own: not asked."""
    checklist = store.catalog.newest(checklist_id).checklist
    filters = replace(filters, city=None, brand=None)
    choice = filters.choice(checklist_id)
    everyone = replace(choice, shopper_id=None)
    with store.db.read() as conn:
        found = routes.dealerships(conn, [dealer_code])
        if not found:
            raise UnknownDealerError(f"There is no dealership {dealer_code!r}.")
        last = filters.month_to or this_month(store, found[0].timezone)
        months = months_back(last, TREND_MONTHS)
        trend_choice = replace(choice, start=months[0], end=next_month(last))
        own, visits = q.dealer_items(conn, choice, dealer_code)
        network = q.network_items(conn, everyone)
        network_total = q.network_total(conn, everyone)
        by_month = {m.month: m for m in q.dealer_months(conn, trend_choice, dealer_code)}
    known = Standards(checklist_versions(store, checklist_id))

    def item(key: str) -> ItemShare:
        standard = known[key]
        entry = standard.newest
        met, counted = own.get(key, (0, 0))
        all_met, all_counted = network.get(key, (0, 0))
        return ItemShare(entry.id, getattr(entry, "ref", None), entry.text, entry.benchmark,
                         Share(met, counted, counted), Share(all_met, all_counted, all_counted),
                         standard.newest_version, standard.standard_id)

    def listed(key: str) -> bool:
        # A study item is listed even before any visit counts it; photos and notes never count.
        return known[key].newest.benchmark is not None or key in network or key in own

    def keys(entries: list[Question] | list[FollowUp]) -> list[str]:
        return [k for k in (key_of(checklist.version, x) for x in entries) if listed(k)]

    groups = [ItemGroup("section", s.title, [item(k) for k in keys(s.questions)]) for s in checklist.sections]
    groups.append(ItemGroup("follow_ups", "", [item(k) for k in keys(checklist.follow_ups)]))
    asked = {key_of(checklist.version, x) for x in [*checklist.questions(), *checklist.follow_ups]}
    retired = [s.key for s in known.all() if s.key in own and s.key not in asked]
    if retired:
        groups.append(ItemGroup("retired", "", [item(k) for k in retired]))
    met, counted = sum(m for m, _ in own.values()), sum(c for _, c in own.values())
    trend = [MonthShare(m, Share(by_month[m].met, by_month[m].counted, by_month[m].visits) if m in by_month
                        else Share(0, 0, 0)) for m in months]
    return DealerReport(checklist, found[0], filters, Share(met, counted, visits), Share(*network_total),
                        [g for g in groups if g.items], trend)


@dataclass(frozen=True)
class FilterOptions:
    """What the filters offer: the dealerships' cities and brands, and the shoppers."""

    cities: list[str]
    brands: list[str]
    shoppers: list[ShopperOption]


def filter_options(store: ServerStore) -> FilterOptions:
    with store.db.read() as conn:
        return FilterOptions(q.places(conn, "city"), q.places(conn, "brand"), q.shoppers(conn))


def this_month(store: ServerStore, timezone: str | None = None) -> str:
    """The month it is now on the wall clock of the time zone (a dealership's; Moscow's)."""
    return local_month(store.now(), timezone)


def checklist_versions(store: ServerStore, checklist_id: str) -> list[Checklist]:
    """Every published version of the checklist, newest first."""
    with store.db.read() as conn:
        numbers = q.versions(conn, checklist_id)
    if not numbers:
        raise ChecklistNotFoundError(f"The server has no checklist {checklist_id!r}.")
    return [store.catalog.get(checklist_id, n).checklist for n in numbers]
