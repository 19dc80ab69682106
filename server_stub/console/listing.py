"""The list a coordinator works through, as console addresses and forms carry it: the
view ("review", the queue of visits waiting for a verdict, or "all") and its filters.

The list page puts them in each visit's link (`/visits/<uuid>?view=review&dealer=D1`),
so that the visit's page knows its neighbours and where to go after a verdict; its forms
send them back as hidden fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..queries.visit_list import FLAG_CHOICES, STATUSES, VisitFilter
from ..reviewing import VIEWS, VisitList
from .web import form_day

FIELDS = ("view", "status", "dealer", "shopper", "checklist", "date_from", "date_to", "flag")


@dataclass(frozen=True)
class ListChoice:
    """The list's fields as the coordinator chose them (unknown values dropped)."""

    view: str = ""  # "" when no list was named
    status: str = ""
    dealer: str = ""
    shopper: str = ""
    checklist: str = ""
    date_from: str = ""
    date_to: str = ""
    flag: str = ""  # "any", "none" or a flag's code

    @classmethod
    def read(cls, values: Mapping[str, Any]) -> "ListChoice":
        """From a query or a form; a value that is not text counts as not given."""
        given = {f: v if isinstance(v := values.get(f), str) else "" for f in FIELDS}
        if given["view"] not in VIEWS:
            given["view"] = ""
        if given["status"] not in STATUSES:
            given["status"] = ""
        if given["flag"] not in FLAG_CHOICES:
            given["flag"] = ""
        return cls(**given)

    def with_view(self, view: str) -> "ListChoice":
        return ListChoice(**(self.query() | {"view": view}))

    def query(self) -> dict[str, str]:
        """The fields to put in a link or a form: the queue has no status filter."""
        values = {f: getattr(self, f) for f in FIELDS}
        if self.view == "review":
            values["status"] = ""
        return {k: v for k, v in values.items() if v}

    def filters(self) -> dict[str, str]:
        """The filters alone, for the links between the views."""
        return {k: v for k, v in self.query().items() if k not in ("view", "status")}

    def where(self, problems: list[str] | None = None) -> VisitFilter:
        """The filter; a date that is not one is left out and named in `problems`."""
        problems = [] if problems is None else problems
        return VisitFilter(
            status=self.status or None, dealer_code=self.dealer or None, shopper_id=self.shopper or None,
            checklist_id=self.checklist or None, date_from=form_day(self.date_from, "date_from", problems),
            date_to=form_day(self.date_to, "date_to", problems), flag=self.flag or None,
        )

    def visit_list(self) -> VisitList | None:
        """The list named, or None when the visit was opened from elsewhere."""
        return VisitList(self.view, self.where()) if self.view else None
