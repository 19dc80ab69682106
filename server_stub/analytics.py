"""The share of standards met per dealership and per item, set against each item's market
rank in the study (`benchmark`: top, average or bottom).

Everything is read from the tally that `summaries.py` keeps as revisions arrive and are
reviewed, never from the payloads. The tally counts a standard across the checklist's
versions (`standards.py`): a v1 visit and a v2 visit that judged standard 2.3 under other
question ids and wordings count together. Texts, refs and ranks are the newest version's;
an item that version no longer has is listed apart, worded as the newest version that had
it. A question without a standard id is its version's own item, never added to another's.
"""

from __future__ import annotations

from dataclasses import dataclass

from field_app.domain.checklist import Checklist, FollowUp, Question
from field_app.domain.route import Dealership

from .errors import ChecklistNotFoundError, UnknownDealerError
from .queries import analytics as q, routes
from .standards import Standards, key_of
from .store import ServerStore

DEFAULT_CHECKLIST = "showroom_visit"


@dataclass(frozen=True)
class Share:
    met: int
    counted: int

    @property
    def percent(self) -> float | None:
        """None when no visit counted the item."""
        return 100.0 * self.met / self.counted if self.counted > 0 else None


@dataclass(frozen=True)
class DealerShare:
    code: str
    name: str
    share: Share


@dataclass(frozen=True)
class Overview:
    checklist: Checklist
    dealers: list[DealerShare]  # highest share first


@dataclass(frozen=True)
class ItemShare:
    id: str  # the question's or follow-up's id in `version`
    ref: str | None
    text: str
    benchmark: str | None
    share: Share  # at the dealership, every version together
    network: Share  # at all dealerships together
    version: int  # the version whose wording is shown: the newest that has the item
    standard: str | None = None  # the standard id: what the versions are counted together by


@dataclass(frozen=True)
class ItemGroup:
    kind: str  # "section", "follow_ups" or "retired" (questions the newest version no longer asks)
    title: str  # the section's title; the page names the other kinds
    items: list[ItemShare]


@dataclass(frozen=True)
class DealerReport:
    checklist: Checklist
    dealer: Dealership
    total: Share
    groups: list[ItemGroup]


def overview(store: ServerStore, checklist_id: str) -> Overview:
    """Every dealership's share over all items of the checklist: sum met / sum counted."""
    checklist = store.catalog.newest(checklist_id).checklist
    with store.db.read() as conn:
        totals = q.dealer_totals(conn, checklist_id)
    dealers = [DealerShare(t.code, t.name or t.code, Share(t.met, t.counted)) for t in totals]
    dealers.sort(key=lambda d: (-(d.share.percent or 0.0), d.code))
    return Overview(checklist, dealers)


def dealer_report(store: ServerStore, checklist_id: str, dealer_code: str) -> DealerReport:
    """Each item's share at one dealership, by section, beside all dealerships' share."""
    checklist = store.catalog.newest(checklist_id).checklist
    with store.db.read() as conn:
        found = routes.dealerships(conn, [dealer_code])
        if not found:
            raise UnknownDealerError(f"There is no dealership {dealer_code!r}.")
        own = q.item_tally(conn, checklist_id, dealer_code)
        network = q.item_tally(conn, checklist_id)
    known = Standards(checklist_versions(store, checklist_id))

    def item(key: str) -> ItemShare:
        standard = known[key]
        entry = standard.newest
        return ItemShare(entry.id, getattr(entry, "ref", None), entry.text, entry.benchmark,
                         Share(*own.get(key, (0, 0))), Share(*network.get(key, (0, 0))),
                         standard.newest_version, standard.standard_id)

    def listed(key: str) -> bool:
        # A study item is listed even before any visit counts it; photos and notes never count.
        return known[key].newest.benchmark is not None or key in network

    def keys(entries: list[Question] | list[FollowUp]) -> list[str]:
        return [k for k in (key_of(checklist.version, x) for x in entries) if listed(k)]

    groups = [ItemGroup("section", s.title, [item(k) for k in keys(s.questions)]) for s in checklist.sections]
    groups.append(ItemGroup("follow_ups", "", [item(k) for k in keys(checklist.follow_ups)]))
    asked = {key_of(checklist.version, x) for x in [*checklist.questions(), *checklist.follow_ups]}
    retired = [s.key for s in known.all() if s.key in own and s.key not in asked]
    if retired:
        groups.append(ItemGroup("retired", "", [item(k) for k in retired]))
    met, counted = sum(m for m, _ in own.values()), sum(c for _, c in own.values())
    return DealerReport(checklist, found[0], Share(met, counted), [g for g in groups if g.items])


def checklist_versions(store: ServerStore, checklist_id: str) -> list[Checklist]:
    """Every published version of the checklist, newest first."""
    with store.db.read() as conn:
        numbers = q.versions(conn, checklist_id)
    if not numbers:
        raise ChecklistNotFoundError(f"The server has no checklist {checklist_id!r}.")
    return [store.catalog.get(checklist_id, n).checklist for n in numbers]
