"""Location fixes on the phone (issue 17, point 1): the `Locator` seam, the real one over
flet-geolocator, and the recorder that asks for fixes in the background and keeps what
they came to."""

from .locator import Locator, LocationUnavailableError, Position
from .recorder import FINALIZE_WAIT_S, TIME_LIMIT_S, FixRecorder

__all__ = ["FINALIZE_WAIT_S", "FixRecorder", "LocationUnavailableError", "Locator", "Position", "TIME_LIMIT_S"]
