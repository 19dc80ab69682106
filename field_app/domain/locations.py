"""Where the phone was during a visit (issue 17, point 1): what a request for a location
fix came to, and what a revision says about it.

The phone asks for a fix when a visit starts, when the shopper is about to finalize it, and
with each photo. Each request ends in an outcome: a fix, or unavailable with a reason (no
fix within the time limit, permission denied, location services off). The latest outcome
of each slot counts: the visit's start, its finish, and each photo by its sha256.

A revision carries the fixes of its slots (`locations`) and names the events that have
none (`location_unavailable`): one with an unavailable outcome, and one with no outcome at
all (the request was still running when the visit was finalized, or the app died before it
answered). "photo" is named once when any photo of the revision has no fix. A photo's fix
goes only while the photo is in the revision: the server refuses a fix naming a photo the
revision lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import get_args

from .records import LocationEvent, LocationFix, PhotoRef

EVENTS: tuple[str, ...] = get_args(LocationEvent)  # start, finish, photo: the order sent

# Why no fix came (kept on the phone, for its log; the wire only says "unavailable").
DENIED = "denied"            # the shopper (or a policy) refused the permission
NO_SERVICE = "no_service"    # location services are off, or the device has none
TIMEOUT = "timeout"          # no fix within the time limit (indoors, no GPS)
ERROR = "error"              # anything else the locator reported
REASONS = (DENIED, NO_SERVICE, TIMEOUT, ERROR)

Slot = tuple[str, str | None]  # (event, photo sha256 for a photo)


@dataclass(frozen=True)
class LocationOutcome:
    """What one request for a fix came to: `fix`, or None and the `reason` why not."""

    event: LocationEvent
    at: datetime  # when the outcome came, on the phone's clock
    fix: LocationFix | None = None
    reason: str | None = None
    photo_sha256: str | None = None

    def __post_init__(self) -> None:
        if (self.event == "photo") != (self.photo_sha256 is not None):
            raise ValueError("a photo's outcome names its photo, and only a photo's does")
        if (self.fix is None) == (self.reason is None):
            raise ValueError("an outcome is a fix or a reason, never both or neither")
        if self.reason is not None and self.reason not in REASONS:
            raise ValueError(f"no such reason {self.reason!r}")
        if self.fix is not None and (self.fix.event, self.fix.photo_sha256) != self.slot:
            raise ValueError("the fix belongs to another event")

    @property
    def slot(self) -> Slot:
        return self.event, self.photo_sha256

    @classmethod
    def found(cls, event: LocationEvent, at: datetime, lat: float, lon: float, accuracy_m: float,
              photo_sha256: str | None = None) -> LocationOutcome:
        fix = LocationFix(event=event, at=at, lat=lat, lon=lon, accuracy_m=max(0.0, accuracy_m),
                          photo_sha256=photo_sha256)
        return cls(event=event, at=at, fix=fix, photo_sha256=photo_sha256)

    @classmethod
    def unavailable(cls, event: LocationEvent, at: datetime, reason: str,
                    photo_sha256: str | None = None) -> LocationOutcome:
        return cls(event=event, at=at, reason=reason, photo_sha256=photo_sha256)


def latest(outcomes: list[LocationOutcome]) -> dict[Slot, LocationOutcome]:
    """The latest outcome of each slot, from outcomes in the order they came."""
    by_slot: dict[Slot, LocationOutcome] = {}
    for outcome in outcomes:
        by_slot[outcome.slot] = outcome
    return by_slot


def for_revision(outcomes: list[LocationOutcome], photos: list[PhotoRef]) -> tuple[list[LocationFix], list[str]]:
    """`locations` and `location_unavailable` of a revision with these photos."""
    by_slot = latest(outcomes)
    fixes: list[LocationFix] = []
    missing: set[str] = set()
    slots: list[Slot] = [("start", None), ("finish", None)]
    seen: set[str] = set()
    for photo in photos:  # the revision's order; a photo used twice has one fix
        if photo.sha256 not in seen:
            seen.add(photo.sha256)
            slots.append(("photo", photo.sha256))
    for slot in slots:
        outcome = by_slot.get(slot)
        if outcome is not None and outcome.fix is not None:
            fixes.append(outcome.fix)
        else:
            missing.add(slot[0])
    return fixes, [event for event in EVENTS if event in missing]
