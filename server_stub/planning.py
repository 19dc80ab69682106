"""Planning routes in the console: a shopper's day (add, order and withdraw stops), the
week board of all shoppers, and the warning when a shopper would go back to a dealership
within `REPEAT_DAYS` days (staff remember a face).

Every change takes a number of the route change sequence in its transaction, so the
phone's next `sync/pull` brings it. Typed input is checked here, and refused as a list of
`Problem`s the console translates, before `admin.assign` stores the stop.

The dealership field takes a code, or words of a name, brand or city: with 60,000
dealerships no page can list them all, so words are looked up here and the page offers
the matches (`DayPlan.dealer_choices`) to pick from. Deactivated shoppers and
dealerships are planned no more (`roster.py`); the board shows a deactivated shopper
only in a week where a stop of theirs is left (their past).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from . import admin, limits
from .database import storable
from .errors import ChecklistNotFoundError, InvalidInputError, UnknownAssignmentError
from .queries import accounts, routes
from .queries.routes import StopRow
from field_app.domain.route import Dealership

from .records import PlannedVisit, ShopperAccount
from .roster import page_numbers
from .store import ServerStore

REPEAT_DAYS = 30
MAX_NOTE = 500
BOARD_SHOPPERS = 20  # rows of the week board a page: 20 shoppers, four stops every day of the week, draw about 240 KB
DEALER_CHOICES = 10  # matches of typed words offered to pick from
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Repeat:
    """Another trip of the same shopper to the same dealership near a stop."""

    day: date
    days_apart: int  # negative: before the stop
    visited: bool


@dataclass(frozen=True)
class DayPlan:
    shopper: ShopperAccount
    day: date
    stops: list[StopRow]
    repeats: dict[str, list[Repeat]]  # stop id -> its repeats, only for stops that have some
    checklists: dict[str, list[int]]  # id -> published versions
    inactive_dealers: frozenset[str] = frozenset()  # codes of the day's dealerships that are deactivated
    titles: dict[str, str] = field(default_factory=dict)  # checklist id -> its newest version's title
    default_checklist: str = ""  # preselected: the shopper's last one, else the newest published
    past: bool = False  # the day is before today


@dataclass(frozen=True)
class Pick:
    """A dealership offered by the picker: in the shopper's city or not, and this
    shopper's other trips there within `REPEAT_DAYS` days of the day (none: «not visited
    for 30+ days»)."""

    dealer: Dealership
    home: bool
    near: list[Repeat]


@dataclass(frozen=True)
class WeekBoard:
    monday: date
    days: list[date]
    shoppers: list[ShopperAccount]  # this page's rows
    cells: dict[tuple[str, date], list[StopRow]]
    repeats: dict[str, list[Repeat]]
    query: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0  # shoppers on the board (matching the query), on every page
    per_page: int = BOARD_SHOPPERS
    titles: dict[tuple[str, int], str] = field(default_factory=dict)  # (checklist id, version) -> its title

    @property
    def numbers(self) -> list[int | None]:
        return page_numbers(self.page, self.pages)

    @property
    def busy_days(self) -> set[date]:
        """The days with a stop of a shopper of this page (the others get narrow columns)."""
        return {day for (_, day), stops in self.cells.items() if stops}

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.shoppers else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.shoppers)


@dataclass(frozen=True)
class StopInput:
    """A stop as typed into the form; `version` empty means the newest. `dealer` is a code
    or words of a dealership's name, brand or city; `pick` the code chosen among the
    matches of those words (it wins over `dealer`)."""

    dealer: str = ""
    checklist: str = ""
    version: str = ""
    window: str = ""
    note: str = ""
    pick: str = ""


@dataclass(frozen=True)
class Problem:
    """Why a typed stop was refused: a field, a key the console translates, its values."""

    field: str
    key: str
    values: dict[str, object] = field(default_factory=dict)


class StopInputError(InvalidInputError):
    """The typed stop cannot be saved; `problems` says why, field by field, and
    `dealer_choices` are the dealerships the typed words match, to pick one from."""

    def __init__(self, problems: list[Problem], dealer_choices: list | None = None):
        self.problems = problems
        self.dealer_choices = dealer_choices or []
        super().__init__("; ".join(f"{p.field}: {p.key}" for p in problems))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_board(store: ServerStore, any_day: date, query: str = "", page: int = 1,
               per_page: int = BOARD_SHOPPERS) -> WeekBoard:
    """The stops of the week (Monday to Sunday) holding `any_day` of a page of shoppers in
    name order: those matching every word of `query`, not deactivated (or with a stop
    that week)."""
    monday = monday_of(any_day)
    sunday = monday + timedelta(days=6)
    query = query.strip()[: limits.SEARCH] if storable(query) else ""
    with store.db.read() as conn:
        total = accounts.count_board_shoppers(conn, (monday, sunday), query)
        pages = max(1, -(-total // per_page))
        page = min(max(page, 1), pages)
        shoppers = accounts.board_shoppers(conn, (monday, sunday), query, per_page, (page - 1) * per_page)
        ids = [s.id for s in shoppers]
        stops = routes.stops_between(conn, ids, monday, sunday)
        repeats = _repeats(conn, stops, ids, monday, sunday)
    cells: dict[tuple[str, date], list[StopRow]] = {}
    for stop in stops:
        cells.setdefault((stop.shopper_id, stop.day), []).append(stop)
    return WeekBoard(monday, [monday + timedelta(days=n) for n in range(7)], shoppers, cells, repeats,
                     query, page, pages, total, per_page, checklist_titles(store, stops))


def checklist_titles(store: ServerStore, stops: list[StopRow]) -> dict[tuple[str, int], str]:
    """The title of each checklist version the stops use, as the catalogue has it (read
    once, then kept in memory); a version the catalogue cannot give is left out (the
    board shows its id)."""
    titles = {}
    for key in {(s.checklist_id, s.checklist_version) for s in stops}:
        try:
            titles[key] = store.catalog.get(*key).checklist.title
        except ChecklistNotFoundError:
            pass
    return titles


def day_plan(store: ServerStore, shopper_id: str, day: date) -> DayPlan | None:
    """A shopper's stops of a day, or None when there is no such shopper."""
    with store.db.read() as conn:
        shopper = accounts.get_shopper(conn, shopper_id)
        if shopper is None:
            return None
        stops = routes.stops_between(conn, [shopper_id], day, day)
        repeats = _repeats(conn, stops, [shopper_id], day, day)
        checklists = routes.checklist_versions(conn)
        inactive = frozenset(code for code in {s.dealer_code for s in stops}
                             if (row := routes.dealer_row(conn, code)) is not None and not row.active)
        last = routes.last_checklist(conn, shopper_id)
    titles = {cid: store.catalog.newest(cid).checklist.title for cid in checklists}
    if last not in checklists:
        last = max(checklists, key=lambda cid: store.catalog.version(cid, checklists[cid][-1]).published_at,
                   default="")
    return DayPlan(shopper, day, stops, repeats, checklists, inactive, titles, last or "", day < store.now().date())


def dealer_picks(store: ServerStore, shopper: ShopperAccount, day: date, words: str,
                 limit: int = 20) -> tuple[list[Pick], int]:
    """Active dealerships matching the words, the shopper's city first, each with the
    shopper's trips there within `REPEAT_DAYS` days of `day`; and how many match."""
    words = words.strip()[: limits.SEARCH] if storable(words) else ""
    if not words:
        return [], 0
    with store.db.read() as conn:
        found, total = routes.dealer_search(conn, words, shopper.city, limit)
        near = _near(conn, shopper.id, day)
    return [Pick(d, bool(shopper.city) and d.city == shopper.city, near.get(d.code, [])) for d in found], total


def picked(store: ServerStore, shopper: ShopperAccount, day: date, code: str) -> Pick | None:
    """The dealership picked for the form, with the trips that would make it a repeat."""
    if not code or not storable(code) or len(code) > limits.DEALER_CODE:
        return None
    with store.db.read() as conn:
        row = routes.dealer_row(conn, code)
        if row is None:
            return None
        near = _near(conn, shopper.id, day)
    return Pick(row.dealer, bool(shopper.city) and row.dealer.city == shopper.city, near.get(code, []))


def _near(conn, shopper_id: str, day: date) -> dict[str, list[Repeat]]:
    span = timedelta(days=REPEAT_DAYS)
    near: dict[str, list[Repeat]] = {}
    for trip in routes.trips_between(conn, [shopper_id], day - span, day + span):
        near.setdefault(trip.dealer_code, []).append(Repeat(trip.day, (trip.day - day).days, trip.visited))
    return near


def stop_of(store: ServerStore, shopper_id: str, day: date, assignment_id: str) -> tuple[StopRow, ShopperAccount]:
    """A stop of this shopper's day, not withdrawn, and the shopper."""
    with store.db.read() as conn:
        found = routes.stop(conn, assignment_id)
        shopper = accounts.get_shopper(conn, shopper_id)
    if found is None or shopper is None or found.shopper_id != shopper_id or found.day != day:
        raise UnknownAssignmentError(f"There is no stop {assignment_id!r} on this route.")
    return found, shopper


def add_stop(store: ServerStore, shopper_id: str, day: date, typed: StopInput,
             overlap_confirmed: bool = False, repeat_confirmed: bool = False,
             past_confirmed: bool = False) -> PlannedVisit:
    """Put a typed stop at the end of the shopper's day, or refuse it with its problems
    (and, when words were typed for the dealership, the matches to pick from). A window
    overlapping another stop's of the day is a problem until `overlap_confirmed`; a day
    in the past until `past_confirmed`, the shopper at the same dealership within
    `REPEAT_DAYS` days until `repeat_confirmed` (the page that showed those warnings
    before the form was sent says so)."""
    choices: list = []
    problems = check_stop(store, typed, choices)
    if not problems and not past_confirmed and day < store.now().date():
        problems.append(Problem("confirm", "warn_past", {"day": day.isoformat()}))
    if not problems and not repeat_confirmed:
        with store.db.read() as conn:
            near = _near(conn, shopper_id, day).get(chosen_dealer(typed), [])
        if near:
            problems.append(Problem("confirm", "warn_repeat", {
                "days": REPEAT_DAYS, "list": ", ".join(r.day.isoformat() for r in near)}))
    if not problems and not overlap_confirmed and (window := _plain_window(typed.window)):
        start, end = window.split("-")
        with store.db.read() as conn:
            for other in routes.stops_between(conn, [shopper_id], day, day, with_visits=False):
                if other.window_start and start < other.window_end and other.window_start < end:
                    problems.append(Problem("window", "window_overlap", {
                        "window": window, "other": f"{other.window_start}-{other.window_end}",
                        "dealer": other.dealer_name}))
    with store.db.read() as conn:
        shopper = accounts.get_shopper(conn, shopper_id)
    if shopper is not None and not shopper.active:
        problems.insert(0, Problem("shopper", "shopper_inactive", {"name": shopper.label}))
    if problems:
        raise StopInputError(problems, choices)
    reference = typed.checklist.strip() + (f"@{int(typed.version)}" if typed.version.strip() else "")
    return admin.assign(store, shopper_id, day, chosen_dealer(typed), reference,
                        window=_plain_window(typed.window) or None, note=typed.note.strip())


def chosen_dealer(typed: StopInput) -> str:
    """The dealership's code the form names: the one picked, else what was typed."""
    return (typed.pick or typed.dealer).strip()


def check_stop(store: ServerStore, typed: StopInput, dealer_choices: list | None = None) -> list[Problem]:
    """What is wrong with a typed stop; when the dealership field holds words that are no
    code, the active dealerships they match are put in `dealer_choices`."""
    problems: list[Problem] = []
    for name in ("dealer", "checklist", "version", "window", "note", "pick"):
        if not storable(getattr(typed, name)):
            problems.append(Problem("dealer" if name == "pick" else name, "unreadable"))
    if problems:
        return problems
    dealer, checklist, version = chosen_dealer(typed), typed.checklist.strip(), typed.version.strip()
    with store.db.read() as conn:
        found = routes.dealer_row(conn, dealer) if dealer and len(dealer) <= limits.DEALER_CODE else None
        published = routes.checklist_versions(conn).get(checklist)
    if not dealer:
        problems.append(Problem("dealer", "dealer_missing"))
    elif found is not None and not found.active:
        problems.append(Problem("dealer", "dealer_inactive", {"code": dealer, "name": found.dealer.name}))
    elif found is None:
        problems.append(_dealer_words(store, dealer, dealer_choices))
    if not checklist:
        problems.append(Problem("checklist", "checklist_missing"))
    elif published is None:
        problems.append(Problem("checklist", "checklist_unknown", {"id": checklist}))
    if version and not (version.isascii() and version.isdigit() and len(version) <= 9 and int(version) >= 1):
        problems.append(Problem("version", "version_bad", {"version": version}))
    elif version and published is not None and int(version) not in published:
        problems.append(Problem("version", "version_unknown", {
            "id": checklist, "version": version, "versions": ", ".join(map(str, published))}))
    problems.extend(_window_problems(typed.window))
    if len(typed.note.strip()) > MAX_NOTE:
        problems.append(Problem("note", "note_long", {"max": MAX_NOTE}))
    return problems


def _dealer_words(store: ServerStore, typed: str, choices: list | None) -> Problem:
    """Words typed for a dealership that are not a code: how many active ones they match
    (the first `DEALER_CHOICES` go to `choices`)."""
    if len(typed) > limits.SEARCH:
        return Problem("dealer", "dealer_unknown", {"code": typed[:limits.SEARCH] + "…"})
    matches, total = admin.find_dealers(store, typed, DEALER_CHOICES)
    if choices is not None:
        choices.extend(matches)
    if not matches:
        return Problem("dealer", "dealer_unknown", {"code": typed})
    more = {"shown": len(matches), "total": total} if total > len(matches) else {}
    return Problem("dealer", "dealer_choose_more" if more else "dealer_choose", {"words": typed, **more})


def move_stop(store: ServerStore, shopper_id: str, day: date, assignment_id: str, step: int) -> None:
    """Move a stop one place earlier (-1) or later (+1) in its day; the day's stops are
    numbered 1, 2, 3... again and those whose number changed travel to the phone."""
    with store.db.write() as conn:
        seq = routes.next_change(conn)  # first: its row lock keeps two coordinators' moves apart
        stops = routes.stops_between(conn, [shopper_id], day, day)
        order = [s.id for s in stops]
        if assignment_id not in order:
            raise UnknownAssignmentError(f"There is no stop {assignment_id!r} on this route.")
        at = order.index(assignment_id)
        to = min(max(at + step, 0), len(order) - 1)
        order[at], order[to] = order[to], order[at]
        held = {s.id: s.position for s in stops}
        for position, stop_id in enumerate(order, start=1):
            if held[stop_id] != position:
                routes.set_position(conn, stop_id, position, seq)


def time_order(stops: list[StopRow]) -> list[str]:
    """The ids of a day's stops ordered by the start of their windows; those without a
    window keep their place relative to each other, after the timed ones."""
    return [s.id for s in sorted(stops, key=lambda s: (s.window_start is None, s.window_start or "", s.position))]


def sort_by_time(store: ServerStore, shopper_id: str, day: date) -> int:
    """Put the day's stops in the order of their windows; how many moved (their new
    numbers travel to the phone with one change number)."""
    with store.db.write() as conn:
        seq = routes.next_change(conn)
        stops = routes.stops_between(conn, [shopper_id], day, day, with_visits=False)
        held = {s.id: s.position for s in stops}
        moved = 0
        for position, stop_id in enumerate(time_order(stops), start=1):
            if held[stop_id] != position:
                routes.set_position(conn, stop_id, position, seq)
                moved += 1
    return moved


def remove_stop(store: ServerStore, shopper_id: str, day: date, assignment_id: str) -> None:
    """Withdraw a stop of this shopper's day; the phone drops it on its next pull."""
    with store.db.write() as conn:
        found = routes.stop(conn, assignment_id)
        if found is None or found.shopper_id != shopper_id or found.day != day:
            raise UnknownAssignmentError(f"There is no stop {assignment_id!r} on this route.")
        routes.remove_assignment(conn, assignment_id, store.now(), routes.next_change(conn))


def _repeats(conn, stops: list[StopRow], shopper_ids: list[str], first: date, last: date) -> dict[str, list[Repeat]]:
    """For each of `stops` (those of these shoppers from `first` to `last`), the other trips
    of its shopper to its dealership at most `REPEAT_DAYS` days away."""
    near = timedelta(days=REPEAT_DAYS)
    trips: dict[tuple[str, str], list[routes.Trip]] = {}
    for trip in routes.trips_near(conn, shopper_ids, first, last, first - near, last + near):
        trips.setdefault((trip.shopper_id, trip.dealer_code), []).append(trip)
    found: dict[str, list[Repeat]] = {}
    for stop in stops:
        for trip in trips.get((stop.shopper_id, stop.dealer_code), []):
            apart = (trip.day - stop.day).days
            if trip.id != stop.id and abs(apart) <= REPEAT_DAYS:
                found.setdefault(stop.id, []).append(Repeat(trip.day, apart, trip.visited))
    return found


def _plain_window(window: str) -> str:
    """The window as typed, with spaces dropped and a typographic dash read as '-'."""
    return re.sub(r"\s+", "", window).replace("–", "-").replace("—", "-")


def _window_problems(window: str) -> list[Problem]:
    plain = _plain_window(window)
    if not plain:
        return []
    start, dash, end = plain.partition("-")
    if not (dash and _WINDOW.match(start) and _WINDOW.match(end)):
        return [Problem("window", "window_bad", {"window": window.strip()})]
    if start >= end:
        return [Problem("window", "window_backwards", {"window": window.strip()})]
    return []
