"""Demo data on the server: a coordinator login, a shopper, the demo dealerships and a
route around today, so `fieldaudit demo` shows the whole loop with nothing typed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from field_app.demo import DEALERSHIPS, DONE_DAYS_AGO
from server_stub import admin
from server_stub.store import ServerStore

COORDINATOR = "coordinator"
COORDINATOR_PASSWORD = "demo-password"
SHOPPER = "Анна Смирнова"

# (days from today, dealership, checklist, window)
ROUTE = [
    (0, "DEMO-N", "dealer_call", "09:00-10:00"),
    (0, "DEMO-W", "showroom_visit", "11:00-13:00"),
    (0, "DEMO-S", "service_visit", "15:00-17:00"),
    (1, "DEMO-N", "roadside_assistance_call", "21:00-23:00"),
    (-DONE_DAYS_AGO, "DEMO-S", "service_visit", "10:00-12:00"),
]


@dataclass(frozen=True)
class DemoServer:
    shopper_id: str
    pairing_code: str | None  # None when the demo shopper was made on an earlier start


def seed_demo(store: ServerStore, today: date) -> DemoServer:
    """Fill an empty server; a server that already has shoppers is left alone."""
    existing = [s for s in admin.list_shoppers(store) if s.name == SHOPPER]
    if existing:
        return DemoServer(existing[0].id, None)
    admin.create_coordinator(store, COORDINATOR, COORDINATOR_PASSWORD)
    admin.save_dealers(store, DEALERSHIPS)
    code = admin.create_shopper(store, SHOPPER)
    for days, dealer, checklist, window in ROUTE:
        admin.assign(store, code.shopper_id, today + timedelta(days=days), dealer, checklist, window=window)
    return DemoServer(code.shopper_id, code.pairing_code)
