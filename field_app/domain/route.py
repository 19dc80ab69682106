"""A shopper's route: which dealership, on which day, in which order, with which checklist.

Plain records, shared by the phone (from sync) and the server (from the console).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from .due import DEFAULT_TIMEZONE
from .records import Reply

ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class Dealership(Reply):
    """A dealership as the shopper needs it on the road."""

    code: str
    name: str
    brand: str = ""
    city: str = ""
    address: str = ""
    phone: str = ""
    lat: float | None = None
    lon: float | None = None
    timezone: str = DEFAULT_TIMEZONE  # IANA: follow-ups count working days in it


class Assignment(Reply):
    """One stop of a route: a dealership to visit or call with a checklist on a day."""

    id: str
    day: date
    position: int = 0
    dealer_code: str
    checklist_id: str
    checklist_version: int
    window_start: ClockTime | None = None
    window_end: ClockTime | None = None
    note: str = ""
