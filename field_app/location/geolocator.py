"""The real `Locator`: Flet's Geolocator service (flet-geolocator 1.0.5), on a phone build
and in the web client (its Flutter side is in flet-web's prebuilt client).

Geolocator belongs to a Flet session and its methods are coroutines the Flutter client
answers, so one is built per session (`open`, in the session's `main`) and kept: Flet drops
a service nothing refers to. Its calls run on the session's event loop.

Each fix: location services on? (`is_location_service_enabled`), the permission (asked
once, with the system's own prompt; a refusal is final until the shopper changes it in the
settings), then `get_current_position` with a time limit, given to the client (which
enforces it on Android, iOS and, since geolocator_web ignores it, in flet-geolocator's Dart
side for the web) and enforced here as well, for a client that never answers. Every
failure the client reports arrives as a RuntimeError with its message: it is sorted into
a reason by its words (flet-geolocator's `_describeLocationError`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import flet as ft
from flet_geolocator import (
    Geolocator,
    GeolocatorConfiguration,
    GeolocatorIosConfiguration,
    GeolocatorPermissionStatus,
    GeolocatorPositionAccuracy,
    GeolocatorWebConfiguration,
)

from field_app.domain.locations import DENIED, ERROR, NO_SERVICE, TIMEOUT

from .locator import LocationUnavailableError, Position

log = logging.getLogger(__name__)

# The shopper reads the system's permission prompt: that wait is theirs, not the GPS's.
PERMISSION_WAIT_S = 120.0
# The client's own answer (a refusal, a timeout) takes a moment to come back.
ANSWER_SLACK_S = 3.0
# A browser may answer with a position it found this recently (the web has no "last known").
WEB_MAXIMUM_AGE_S = 30
REFUSED = (GeolocatorPermissionStatus.DENIED, GeolocatorPermissionStatus.DENIED_FOREVER)


class GeolocatorLocator:
    """A `Locator` over a session's Geolocator; `open` it in the session first."""

    def __init__(self, make_geolocator: Callable[[], Geolocator] = Geolocator) -> None:
        self._make = make_geolocator
        self._geolocator: Geolocator | None = None  # kept: Flet drops a service nothing refers to
        self._asking: asyncio.Lock | None = None  # one permission prompt at a time

    def open(self) -> None:
        """Build the service in the running session (it registers with its page)."""
        self._geolocator = self._make()
        self._asking = asyncio.Lock()

    async def locate(self, time_limit_s: float) -> Position:
        geolocator, asking = self._geolocator, self._asking
        if geolocator is None or asking is None:
            raise LocationUnavailableError(ERROR, "the geolocator is not open: no Flet session")
        try:
            async with asking:
                await self._allowed(geolocator)
            found = await asyncio.wait_for(
                geolocator.get_current_position(_configuration(geolocator, time_limit_s)),
                time_limit_s + ANSWER_SLACK_S,
            )
        except LocationUnavailableError:
            raise
        except TimeoutError as error:
            raise LocationUnavailableError(TIMEOUT, "the client did not answer in time") from error
        except Exception as error:  # the client's error (RuntimeError), or a malformed answer
            raise LocationUnavailableError(reason_of(error), str(error)) from error
        if found.latitude is None or found.longitude is None:
            raise LocationUnavailableError(ERROR, "a position without coordinates")
        return Position(lat=float(found.latitude), lon=float(found.longitude),
                        accuracy_m=max(0.0, float(found.accuracy or 0.0)))

    @staticmethod
    async def _allowed(geolocator: Geolocator) -> None:
        if not await geolocator.is_location_service_enabled():
            raise LocationUnavailableError(NO_SERVICE, "location services are off")
        status = await geolocator.get_permission_status()
        if status == GeolocatorPermissionStatus.DENIED:  # never asked, or asked and refused once
            status = await asyncio.wait_for(geolocator.request_permission(), PERMISSION_WAIT_S)
        if status in REFUSED:
            raise LocationUnavailableError(DENIED, f"permission {status.value}")


def _configuration(geolocator: Geolocator, time_limit_s: float) -> GeolocatorConfiguration:
    limit = ft.Duration(milliseconds=round(time_limit_s * 1000))
    page = geolocator.page
    if page.web:
        return GeolocatorWebConfiguration(accuracy=GeolocatorPositionAccuracy.HIGH, time_limit=limit,
                                          maximum_age=ft.Duration(seconds=WEB_MAXIMUM_AGE_S))
    if page.platform == ft.PagePlatform.IOS:
        # Its default asks iOS for updates in the background, which the app never needs
        # (and declares no UIBackgroundModes for).
        return GeolocatorIosConfiguration(accuracy=GeolocatorPositionAccuracy.HIGH, time_limit=limit,
                                          allow_background_location_updates=False)
    return GeolocatorConfiguration(accuracy=GeolocatorPositionAccuracy.HIGH, time_limit=limit)


def reason_of(error: Exception) -> str:
    """The reason in the words flet-geolocator's Dart side reports (and the browser's)."""
    text = str(error).lower()
    if "timed out" in text or "timeout" in text or "did not return a position" in text:
        return TIMEOUT
    if "permission" in text or "denied" in text:
        return DENIED
    if "disabled" in text or "services" in text:
        return NO_SERVICE
    return ERROR
