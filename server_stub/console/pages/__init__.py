"""One module per console page (or group of pages); each has a `router`."""

from __future__ import annotations

from . import auth, checklists, dealers, routes, shoppers, visit, visits

MODULES = (auth, visits, visit, shoppers, dealers, routes, checklists)
