"""One module per console page (or group of pages); each has a `router`."""

from __future__ import annotations

from . import analytics, auth, checklists, dealers, exports, routes, shoppers, visit, visits

MODULES = (auth, visits, visit, shoppers, dealers, routes, analytics, exports, checklists)
