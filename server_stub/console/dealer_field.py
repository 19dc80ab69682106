"""A filter's dealership field: a search field, not a <select> of every dealership (60,000
of them made a page megabytes). A code filters by that dealership; words that are no code
offer the first dealerships they find, each a link that fills the field with its code."""

from __future__ import annotations

from dataclasses import dataclass, field

from field_app.domain.route import Dealership

from .. import admin, roster
from ..database import storable
from ..errors import UnknownDealerError

PICKS = 10


@dataclass(frozen=True)
class DealerField:
    """What the coordinator typed, and what it names: one dealership, or some to pick from."""

    typed: str = ""
    dealer: Dealership | None = None
    picks: list[Dealership] = field(default_factory=list)
    matching: int = 0

    @property
    def unresolved(self) -> bool:
        """Words were typed that are no dealership's code."""
        return bool(self.typed.strip()) and self.dealer is None


def read_dealer_field(store, typed: str) -> DealerField:
    """The dealership whose code was typed, or the first `PICKS` found by the words and how
    many match (code, name, city, brand)."""
    if not typed.strip() or not storable(typed):
        return DealerField(typed if storable(typed) else "")
    try:
        return DealerField(typed, admin.get_dealer(store, typed))
    except UnknownDealerError:
        picks, matching = roster.find_dealers(store, typed, PICKS)
        return DealerField(typed, None, picks, matching)
