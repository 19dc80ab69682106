"""Copying a week's routes to the next week, for one shopper or for all.

Each stop of the week (not withdrawn) is planned again seven days later, at the same
dealership, with the same window and note, on the newest published version of its
checklist. What cannot be copied is skipped and said, the rest is copied: a deactivated
shopper or dealership, a day already past, and a stop that would duplicate or overlap
one already planned next week (the checks of `route_import`, so the words are the same).
30-day and same-day repeats are warnings, except the repeat of the stop copied. `copy_week(..., dry_run=True)` is the preview;
the copy itself takes one transaction and one route change number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .queries import accounts, routes
from .queries.routes import StopRow
from .route_import import Flaw, RouteRow, check_rows, insert_stops
from .store import ServerStore
from .planning import monday_of


@dataclass(frozen=True)
class CopyNote:
    """A stop of the source week that is skipped (or copied with a warning), and why."""

    stop: StopRow
    flaws: tuple[Flaw, ...]

    @property
    def target_day(self) -> date:
        return self.stop.day + timedelta(days=7)


@dataclass(frozen=True)
class WeekCopy:
    monday: date  # of the week copied
    shopper_id: str | None  # None: every shopper
    copied: int  # stops copied (or, on a dry run, to be copied)
    shoppers: int  # shoppers who get stops
    skipped: list[CopyNote]
    warnings: list[CopyNote]
    change: int | None
    dry_run: bool
    labels: dict[str, str]  # shopper id -> how the console names them

    @property
    def target_monday(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def source_stops(self) -> int:
        return self.copied + len(self.skipped)


def copy_week(store: ServerStore, any_day: date, shopper_id: str | None = None, *,
              dry_run: bool = False) -> WeekCopy:
    """Copy the stops of the week holding `any_day` (of one shopper, or of all) to the
    week after; with `dry_run`, only say what would be copied and skipped."""
    monday = monday_of(any_day)
    now = store.now()
    with (store.db.read() if dry_run else store.db.write()) as conn:
        seq = None if dry_run else routes.next_change(conn)
        shoppers = [accounts.get_shopper(conn, shopper_id)] if shopper_id else accounts.list_shoppers(conn)
        ids = [s.id for s in shoppers if s is not None]
        source = routes.stops_between(conn, ids, monday, monday + timedelta(days=6), with_visits=False)
        rows = [RouteRow(n, s.shopper_id, s.day + timedelta(days=7), s.dealer_code, s.checklist_id, None,
                         (s.window_start, s.window_end) if s.window_start else None, s.note)
                for n, s in enumerate(source, start=1)]
        # Each copy repeats its own stop of the week before: asked for, so not a warning.
        copied = frozenset((s.shopper_id, s.dealer_code, s.day) for s in source)
        dealers = {s.dealer_code: (s.dealer_name, s.dealer_active) for s in source}  # read with the stops
        stops, bad, warned = check_rows(conn, rows, [], now.date(), copied, dealers) if rows else ([], [], [])
        if not dry_run:
            insert_stops(conn, stops, now, seq)
    by_line = {n: s for n, s in enumerate(source, start=1)}
    return WeekCopy(monday, shopper_id, len(stops), len({s.shopper_id for s in stops}),
                    [CopyNote(by_line[b.line], b.flaws) for b in bad],
                    [CopyNote(by_line[w.line], w.flaws) for w in warned], seq, dry_run,
                    {s.id: s.label for s in shoppers if s is not None})
