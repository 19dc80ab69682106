"""Re-pinning planned work: move a checklist's planned stops to a newer published version
in one action, instead of withdrawing and adding every stop again.

A stop moves when it is on an older version of the checklist, not withdrawn, on `from_day`
or later (of one shopper, when one is named), and no visit for it has arrived on the
server. A stop whose visit arrived keeps its version: the visit was filled against it.

`from_day` is today (the server's date) unless told: a past stop without a visit is most
likely done on a phone that has not synced yet, and it is the plan as it was sent;
moving it is a choice the coordinator makes by naming an earlier day. A visit begun on a
phone before the move keeps its own version there too (the phone's store shows a begun
stop with its visit's checklist).

The move takes a number of the route change sequence, as an edit of a stop does, so the
phone's next `sync/pull` carries the moved stops and the new version's stamp.

    ServerError
    └── AdminError
        └── InvalidInputError
            └── RepinError                      (console: `checklists.repin_<key>`)
                ├── RepinVersionUnknownError    key "version_unknown"
                └── RepinVersionNotNewerError   key "version_not_newer"

An unknown shopper is `UnknownShopperError`, as elsewhere.
"""

from __future__ import annotations

from datetime import date

from .errors import InvalidInputError, UnknownShopperError
from .queries import accounts, routes
from .records import Repin
from .store import ServerStore

__all__ = ["Repin", "RepinError", "RepinVersionNotNewerError", "RepinVersionUnknownError", "repin"]


class RepinError(InvalidInputError):
    """Planned stops cannot be moved to the version asked for; `key` names why."""

    key: str


class RepinVersionUnknownError(RepinError):
    """The checklist, or the version to move stops to, is not published."""

    key = "version_unknown"


class RepinVersionNotNewerError(RepinError):
    """The version to move stops to is the checklist's oldest: no stop can be on an older one."""

    key = "version_not_newer"


def repin(store: ServerStore, checklist_id: str, to_version: int, *, from_day: date | None = None,
          shopper_id: str | None = None, dry_run: bool = False) -> Repin:
    """Move the planned stops of `checklist_id` on older versions, not yet visited, from
    `from_day` (default: today) on, of `shopper_id` (default: everyone) to `to_version`.
    With `dry_run`, only say which stops would move."""
    first = store.now().date() if from_day is None else from_day
    if dry_run:
        with store.db.read() as conn:
            _check(conn, checklist_id, to_version, shopper_id)
            moved = routes.repinnable(conn, checklist_id, to_version, first, shopper_id)
    else:
        with store.db.write() as conn:
            # The number first: its row lock keeps this apart from other edits of routes.
            seq = routes.next_change(conn)
            _check(conn, checklist_id, to_version, shopper_id)
            moved = routes.repin_stops(conn, checklist_id, to_version, first, shopper_id, seq)
    return Repin(checklist_id, to_version, first, shopper_id, moved, dry_run)


def _check(conn, checklist_id: str, to_version: int, shopper_id: str | None) -> None:
    versions = routes.checklist_versions(conn).get(checklist_id, [])
    if to_version not in versions:
        listed = ", ".join(map(str, versions)) or "none"
        raise RepinVersionUnknownError(
            f"There is no published checklist {checklist_id}@{to_version} (published versions: {listed}).")
    if to_version == versions[0]:
        raise RepinVersionNotNewerError(
            f"{checklist_id}@{to_version} is the oldest published version: no stop is on an older one.")
    if shopper_id is not None and accounts.get_shopper(conn, shopper_id) is None:
        raise UnknownShopperError(f"There is no shopper {shopper_id!r}.")
