"""One module per console page (or group of pages); each has a `router`."""

from __future__ import annotations

from . import auth, checklists, dealers, shoppers, visit, visits

MODULES = (auth, visits, visit, shoppers, dealers, checklists)
