"""`fieldaudit demo`: the sync server with demo data and the shopper's app paired to it,
in one process, so a newcomer sees the whole loop: the route comes down from the server,
visits and photos go up, and a finished visit waits there for review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from field_app.app import open_service, open_sync, serve_app
from field_app.demo import DONE_DAYS_AGO, finished_service_visit
from field_app.services import FieldService
from field_app.sync.service import SyncService
from server_stub import admin
from server_stub.serve import serve_in_background
from server_stub.settings import Settings
from server_stub.store import open_store
from server_stub.web.app import create_app

from .demo_server import COORDINATOR, COORDINATOR_PASSWORD, SHOPPER, DemoServer, seed_demo

DEVICE_NAME = "Демо-телефон"


@dataclass(frozen=True)
class DemoAddresses:
    app: str
    server: str


def run_demo(folder: Path, *, host: str = "127.0.0.1", app_port: int = 8550, server_port: int = 8000) -> None:
    """Start the server and the app; block until the app stops."""
    settings = Settings(data_dir=folder / "server")
    server_url = f"http://{host}:{server_port}"
    with open_store(settings) as store:
        seeded = seed_demo(store, date.today())
    server, _ = serve_in_background(create_app(settings), host=host, port=server_port)
    service = open_service(folder / "app")
    sync = open_sync(service)
    try:
        connect_phone(service, sync, settings, server_url, seeded)
        addresses = DemoAddresses(f"http://{host}:{app_port}/", server_url)
        print(banner(addresses, folder), flush=True)
        serve_app(service, host=host, port=app_port, sync=sync)
    finally:
        server.should_exit = True


def connect_phone(service: FieldService, sync: SyncService, settings: Settings, server_url: str,
                  seeded: DemoServer) -> None:
    """Pair the app with the demo shopper (again, if the server forgot the phone), pull
    the route, and on the first start finish the visit of three weeks ago and send it."""
    if sync.status().paired and not sync.sync_now().unpaired:
        return
    code = seeded.pairing_code
    if code is None:  # the shopper was made on an earlier start: that code may be used
        with open_store(settings) as store:
            code = admin.new_pairing_code(store, seeded.shopper_id).pairing_code
    sync.pair(server_url, code, DEVICE_NAME)
    sync.sync_now()
    earlier = service.today() - timedelta(days=DONE_DAYS_AGO)
    for stop in service.store.stops(earlier, earlier):
        if stop.visit_uuid is None:
            finished_service_visit(service, stop.assignment.id, earlier)
    sync.sync_now()


def banner(addresses: DemoAddresses, folder: Path) -> str:
    return "\n".join([
        f"shopper's app:     {addresses.app}  (paired as {SHOPPER})",
        f"sync server API:   {addresses.server}/api/v1",
        f"coordinator:       {addresses.server}/console/  (log in as {COORDINATOR} / {COORDINATOR_PASSWORD})",
        f"data:              {folder}  (delete it to start again)",
    ])
