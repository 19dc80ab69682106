"""The data files the package ships, read as package data (`importlib.resources`), so an
installed wheel, a zip and the phone's app bundle work the same as a checkout."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def shipped_checklists() -> Traversable:
    """The study's checklists: `<id>/<version>.yaml`."""
    return files("field_app") / "checklists"


def app_translations() -> Traversable:
    """The phone app's UI strings: `<language>/<screen>.json`."""
    return files("field_app") / "translations"


def shipped_calendars() -> Traversable:
    """The production calendars' decrees: `<country>.json`."""
    return files("field_app") / "calendars"
