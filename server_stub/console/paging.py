"""Numbers read from a console address: a list's page (`?page=3`) and a count a redirect
carries to the page that reports it (`?stops=4`). Anything else reads as the default."""

from __future__ import annotations


def page_number(text: str) -> int:
    """A page number; 1 when `text` is not one (the list clamps a page past its end)."""
    return max(1, count(text))


def count(text: str) -> int:
    """A whole number from 0; 0 when `text` is not one."""
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 6 else 0
