"""Searching the console's lists of shoppers and dealerships on both databases.

Each row keeps a `search` column: its name, code, city (and brand) folded here, in Python,
with `fold`. SQLite's `lower()` folds only ASCII and PostgreSQL's depends on the
database's locale, so neither would find «Иван» by «иван» the same way; text folded once
on write is compared with a folded pattern by a plain LIKE, the same SQL on both. A
substring LIKE reads every row; at 60,000 dealerships the searched /dealers page takes
37 ms on SQLite (the index `dealerships_listed` holds `search`, so the rows are not read)
and 71 ms on PostgreSQL (benchmarks/console.py), well inside a page's 300 ms, so
no trigram index (pg_trgm, PostgreSQL only, and an extension to install) is needed.
"""

from __future__ import annotations

import re

ESCAPE = "\\"


def fold(*parts: str | None) -> str:
    """The parts as one search text: case folded, «ё» read as «е», spaces collapsed."""
    joined = " ".join(p for p in parts if p)
    return re.sub(r"\s+", " ", joined.casefold().replace("ё", "е")).strip()


def words(query: str) -> list[str]:
    """The folded words of what was typed; a row matches when it holds every one."""
    return fold(query).split()


def like_pattern(word: str) -> str:
    """A LIKE pattern finding `word` anywhere, its own % and _ taken literally (ESCAPE '\\')."""
    escaped = word.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def where_words(column: str, query: str, prefix: str = "w") -> tuple[str, dict[str, str]]:
    """SQL (`... AND ...`, or "" for no words) and its parameters: `column` holds every word."""
    found = words(query)
    clauses = [f"{column} LIKE :{prefix}{i} ESCAPE '\\'" for i in range(len(found))]
    return " AND ".join(clauses), {f"{prefix}{i}": like_pattern(w) for i, w in enumerate(found)}
