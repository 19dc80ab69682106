"""What a coordinator does, as a library: the CLI (and later the console) call these.

Each function opens one transaction, returns a plain record, and refuses with a named
error from `errors.py`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

from field_app.domain.loader import load_checklist
from field_app.domain.registry import parse_reference
from field_app.domain.route import Dealership

from . import evidence_store, limits, security, summaries
from .dealers_csv import parse_dealers
from .errors import (
    InvalidInputError,
    CoordinatorExistsError,
    PasswordError,
    UnknownAssignmentError,
    UnknownDealerError,
    UnknownDeviceError,
    UnknownShopperError,
)
from .queries import accounts, routes
from .queries.accounts import ShopperOverview
from .records import (
    Coordinator,
    DealerImport,
    Device,
    PairingCode,
    PlannedVisit,
    PublishedChecklist,
    ShopperAccount,
)
from .repin import repin
from .roster import (
    DealerInactiveError,
    Deactivation,
    ShopperInactiveError,
    check_shopper_fields,
    deactivate_dealer,
    deactivate_shopper,
    dealer_page,
    dealer_row,
    find_dealers,
    reactivate_dealer,
    reactivate_shopper,
    rename_dealer,
    rename_shopper,
    require_active_dealer,
    require_active_shopper,
    shopper_page,
)
from .store import ServerStore
from .visits import recount_follow_ups, review_visit

MIN_PASSWORD = 8
SHOPPER_ID = re.compile(r"sh_[0-9a-f]{10}")
WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")

__all__ = [
    "add_dealer", "assign", "check_coordinator_password", "create_coordinator", "create_shopper", "edit_dealer",
    "set_dealer_radius",
    "get_dealer", "get_device", "import_dealers", "import_dealers_csv", "list_dealers", "list_devices",
    "list_shoppers", "new_pairing_code", "new_shopper_id", "parse_day", "publish_checklist", "repin", "review_visit",
    "revoke_device",
    "save_dealers", "shopper_overview", "shopper_overviews", "withdraw_assignment",
    # roster.py: renaming, deactivating, and the searched, paged lists
    "DealerInactiveError", "Deactivation", "ShopperInactiveError", "deactivate_dealer", "deactivate_shopper",
    "dealer_page", "dealer_row", "find_dealers", "reactivate_dealer", "reactivate_shopper", "rename_dealer",
    "rename_shopper", "shopper_page",
]


def create_coordinator(store: ServerStore, username: str, password: str) -> Coordinator:
    username = username.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.@\-]{1,64}", username):
        raise InvalidInputError("A username has 1 to 64 letters, digits, '_', '.', '@' or '-'.")
    if len(password) < MIN_PASSWORD:
        raise PasswordError(f"A password has at least {MIN_PASSWORD} characters.")
    coordinator = Coordinator(security.new_id("co_"), username, store.now())
    password_hash = security.hash_password(password)
    with store.db.write() as conn:
        if accounts.coordinator_exists(conn, username):
            raise CoordinatorExistsError(f"There is already a coordinator {username!r}.")
        accounts.insert_coordinator(conn, coordinator, password_hash)
    return coordinator


def check_coordinator_password(store: ServerStore, username: str, password: str) -> bool:
    with store.db.read() as conn:
        stored = accounts.coordinator_password(conn, username)
    return stored is not None and security.verify_password(password, stored)


def list_shoppers(store: ServerStore, active_only: bool = False) -> list[ShopperAccount]:
    """Every shopper in name order; `active_only` leaves out the deactivated (a picker)."""
    with store.db.read() as conn:
        return accounts.list_shoppers(conn, active_only=active_only)


def shopper_overviews(store: ServerStore) -> list[ShopperOverview]:
    with store.db.read() as conn:
        return accounts.shopper_overviews(conn, store.now().date())


def shopper_overview(store: ServerStore, shopper_id: str) -> ShopperOverview:
    with store.db.read() as conn:
        found = accounts.shopper_overviews(conn, store.now().date(), shopper_id)
    if not found:
        raise UnknownShopperError(f"There is no shopper {shopper_id!r}.")
    return found[0]


def new_shopper_id() -> str:
    """An id for a shopper not yet created: the console's form carries one, so that the
    form sent twice (a reload) names the same shopper instead of making a second."""
    return security.new_id("sh_", 5)


def create_shopper(store: ServerStore, name: str, lifetime: timedelta | None = None,
                   shopper_id: str | None = None, city: str = "") -> PairingCode:
    """A new shopper and the one-time code that pairs their phone (valid for `lifetime`,
    by default the settings' pairing code lifetime). With the `shopper_id` of an earlier
    call, nobody new is made: that shopper gets a fresh code, as `new_pairing_code` gives.
    The name has at most `limits.SHOPPER_NAME` characters, the city `limits.SHOPPER_CITY`."""
    name, city = check_shopper_fields(name, city)
    if shopper_id is not None and not SHOPPER_ID.fullmatch(shopper_id):
        raise InvalidInputError("A shopper id is 'sh_' and ten hexadecimal digits.")
    shopper = ShopperAccount(shopper_id or new_shopper_id(), name, store.now(), city)
    with store.db.write() as conn:
        if accounts.get_shopper(conn, shopper.id) is not None:
            require_active_shopper(conn, shopper.id)
            accounts.expire_unused_codes(conn, shopper.id, store.now())
        else:
            accounts.insert_shopper(conn, shopper)
        return _issue_code(store, conn, shopper.id, lifetime)


def new_pairing_code(store: ServerStore, shopper_id: str, lifetime: timedelta | None = None) -> PairingCode:
    """A fresh code for an existing shopper; their earlier unused codes stop working.
    A deactivated shopper gets none (ShopperInactiveError)."""
    with store.db.write() as conn:
        require_active_shopper(conn, shopper_id)
        accounts.expire_unused_codes(conn, shopper_id, store.now())
        return _issue_code(store, conn, shopper_id, lifetime)


def _issue_code(store: ServerStore, conn, shopper_id: str, lifetime: timedelta | None) -> PairingCode:
    lifetime = store.settings.pairing_code_lifetime if lifetime is None else lifetime
    if lifetime <= timedelta(0):
        raise InvalidInputError("A pairing code must stay valid for some time.")
    code = security.new_pairing_code()
    now = store.now()
    expires = now + lifetime
    accounts.insert_code(conn, security.code_hash(code), shopper_id, now, expires)
    return PairingCode(shopper_id, code, expires)


def list_devices(store: ServerStore, shopper_id: str | None = None) -> list[Device]:
    with store.db.read() as conn:
        return accounts.list_devices(conn, shopper_id)


def get_device(store: ServerStore, device_id: str) -> Device:
    with store.db.read() as conn:
        device = accounts.get_device(conn, device_id)
    if device is None:
        raise UnknownDeviceError(f"There is no device {device_id!r}.")
    return device


def revoke_device(store: ServerStore, device_id: str) -> Device:
    """Unpair a phone: its token stops working at once. Revoking twice is harmless."""
    with store.db.write() as conn:
        if accounts.get_device(conn, device_id) is None:
            raise UnknownDeviceError(f"There is no device {device_id!r}.")
        accounts.revoke_device(conn, device_id, store.now())
        device = accounts.get_device(conn, device_id)
    assert device is not None
    return device


def import_dealers(store: ServerStore, path: Path | str) -> DealerImport:
    """Add or update dealerships from a CSV file; a file with any bad row changes nothing."""
    return import_dealers_csv(store, Path(path).read_bytes())


def import_dealers_csv(store: ServerStore, data: bytes) -> DealerImport:
    """The same from the file's bytes (an upload)."""
    return save_dealers(store, parse_dealers(data))


def save_dealers(store: ServerStore, dealers: list[Dealership]) -> DealerImport:
    with store.db.write() as conn:
        return _save_dealers(store, conn, dealers)


def list_dealers(store: ServerStore, active_only: bool = False) -> list[Dealership]:
    """Every dealership in code order; `active_only` leaves out the deactivated (a picker)."""
    with store.db.read() as conn:
        return routes.dealerships(conn, active_only=active_only)


def get_dealer(store: ServerStore, code: str) -> Dealership:
    with store.db.read() as conn:
        found = routes.dealerships(conn, [code])
    if not found:
        raise UnknownDealerError(f"There is no dealership {code!r}.")
    return found[0]


def add_dealer(store: ServerStore, dealer: Dealership) -> bool:
    """A new dealership; False, changing nothing, when its code is taken already."""
    with store.db.write() as conn:
        if routes.dealer_exists(conn, dealer.code):
            return False
        _save_dealers(store, conn, [dealer])
    return True


def edit_dealer(store: ServerStore, dealer: Dealership) -> DealerImport:
    """New details for a known dealership (its code stays)."""
    with store.db.write() as conn:
        if not routes.dealer_exists(conn, dealer.code):
            raise UnknownDealerError(f"There is no dealership {dealer.code!r}.")
        return _save_dealers(store, conn, [dealer])


def set_dealer_radius(store: ServerStore, code: str, radius_m: float | None) -> bool:
    """How far a dealership reaches for its visits' flags, in metres within
    `limits.RADIUS_M` (None: `evidence.DEFAULT_RADIUS_M`); whether it changed. Flags
    already stored keep the radius they were computed with (their numbers say it): the
    new one counts for revisions that arrive, and those computed again when a photo of
    theirs arrives."""
    low, high = limits.RADIUS_M
    if radius_m is not None and not low <= radius_m <= high:
        raise InvalidInputError(f"A dealership's radius is from {low} to {high} metres, not {radius_m:g}.")
    before = dealer_row(store, code).radius_m  # UnknownDealerError for an unknown code
    if before != radius_m:
        evidence_store.set_radius(store, code, radius_m)
    return before != radius_m


def _save_dealers(store: ServerStore, conn, dealers: list[Dealership]) -> DealerImport:
    for dealer in dealers:
        _check_lengths(dealer)
    known = {d.code: d for d in routes.dealerships(conn, (d.code for d in dealers))}
    changed = [d for d in dealers if d.code in known and known[d.code] != d]
    new = [d for d in dealers if d.code not in known]
    now = store.now()
    for dealer in new + changed:
        routes.upsert_dealership(conn, dealer, now)
    if changed:
        # Phones hold these dealers' details through their assignments: send them again.
        routes.touch_assignments_of_dealers(conn, [d.code for d in changed], routes.next_change(conn))
    for dealer in changed:
        before = known[dealer.code]
        if (before.timezone, before.brand) != (dealer.timezone, dealer.brand):
            recount_follow_ups(store, conn, dealer.code)
        if before.timezone != dealer.timezone:
            summaries.move_months(conn, dealer.code)  # its visits count in the months of the new zone
    return DealerImport(inserted=len(new), updated=len(changed), unchanged=len(dealers) - len(new) - len(changed))


def _check_lengths(dealer: Dealership) -> None:
    """The limits the console's form and the CSV import say (`limits.DEALER`), for a
    dealership handed to the library directly."""
    for column, value in dealer.model_dump().items():
        limit = limits.DEALER.get(column)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            raise InvalidInputError(f"Dealership {dealer.code[:limits.DEALER_CODE]!r}: {column} has at most "
                                    f"{limit} characters, not {len(value)}.")


def assign(store: ServerStore, shopper_id: str, day: date, dealer_code: str, checklist: str,
           position: int | None = None, window: str | None = None, note: str = "") -> PlannedVisit:
    """Put a dealership on a shopper's route; `checklist` is ID (newest version) or ID@VERSION."""
    try:
        checklist_id, version = parse_reference(checklist)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    entry = store.catalog.newest(checklist_id) if version is None else store.catalog.get(checklist_id, version)
    window_start, window_end = _window(window)
    if position is not None and position < 0:
        raise InvalidInputError("The order of a stop is a whole number from 0.")
    now = store.now()
    with store.db.write() as conn:
        require_active_shopper(conn, shopper_id)
        if not routes.dealer_exists(conn, dealer_code):
            raise UnknownDealerError(f"There is no dealership {dealer_code!r}; import it first.")
        require_active_dealer(conn, dealer_code)
        plan = PlannedVisit(
            assignment_id=security.new_id("as_"), shopper_id=shopper_id, day=day,
            position=routes.next_position(conn, shopper_id, day) if position is None else position,
            dealer_code=dealer_code, checklist_id=entry.checklist.id, checklist_version=entry.checklist.version,
            window_start=window_start, window_end=window_end, note=note,
        )
        routes.insert_assignment(conn, plan, now, routes.next_change(conn))
    return plan


def withdraw_assignment(store: ServerStore, assignment_id: str) -> None:
    """Take a stop off a route; the phone learns it on its next pull."""
    with store.db.write() as conn:
        if not routes.assignment_exists(conn, assignment_id):
            raise UnknownAssignmentError(f"There is no assignment {assignment_id!r}.")
        routes.remove_assignment(conn, assignment_id, store.now(), routes.next_change(conn))


def publish_checklist(store: ServerStore, path: Path | str) -> PublishedChecklist:
    """Publish a checklist file; the same version with other content is refused, and the
    same content again changes nothing."""
    checklist = load_checklist(path)
    entry, created = store.catalog.publish(checklist, store.now())
    return PublishedChecklist(checklist.id, checklist.version, entry.sha256, created)


def _window(window: str | None) -> tuple[str | None, str | None]:
    if not window:
        return None, None
    match = WINDOW.match(window.strip())
    if not match:
        raise InvalidInputError(f"A time window reads HH:MM-HH:MM, like 10:00-12:30, not {window!r}.")
    start, end = window.strip().split("-")
    if start >= end:
        raise InvalidInputError(f"The window {window!r} ends before it starts.")
    return start, end


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"A day reads YYYY-MM-DD, not {text!r}.") from None

