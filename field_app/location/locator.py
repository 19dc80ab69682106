"""The seam for positions, as the camera and the secure storage are seams: the app asks a
`Locator` where the phone is; the real one asks Flet's Geolocator (`geolocator.py`), tests
give a fake that answers what they want, when they want."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from field_app.domain.locations import REASONS


@dataclass(frozen=True)
class Position:
    """Where the phone is: degrees, and the radius in metres it is sure of."""

    lat: float
    lon: float
    accuracy_m: float


class LocationUnavailableError(Exception):
    """No position: its `reason` is one of `domain.locations.REASONS`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"no such reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class Locator(Protocol):
    async def locate(self, time_limit_s: float) -> Position:
        """The phone's position now, asking for the permission first if it was never
        asked. Raises `LocationUnavailableError` when there is none: permission refused,
        location services off, no fix within `time_limit_s` (a permission prompt the
        shopper is reading does not count against it)."""
        ...
