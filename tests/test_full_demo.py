"""`fieldaudit demo`: the server's demo data and the app paired to it."""

from __future__ import annotations

from datetime import timedelta

from field_app.app import open_service, open_sync
from field_app.demo import DONE_DAYS_AGO
from field_app.domain.registry import Registry
from fieldaudit.demo import connect_phone
from server_stub import admin
from fieldaudit.demo_server import SHOPPER, seed_demo
from server_stub.queries import visits as server_visits
from server_stub.visits import missing_photos

from server_support import LiveServer


def test_the_demo_phone_pulls_its_route_and_sends_the_finished_visit_once(server_settings, folder, clock):
    with LiveServer.start(server_settings) as server:
        today = clock.now().astimezone().date()
        seeded = seed_demo(server.store, today)
        assert seed_demo(server.store, today).shopper_id == seeded.shopper_id  # a second start adds nothing
        assert [s.name for s in admin.list_shoppers(server.store)] == [SHOPPER]

        service = open_service(folder, clock)
        sync = open_sync(service)
        connect_phone(service, sync, server_settings, server.url, seeded)
        connect_phone(service, sync, server_settings, server.url, seeded)

        assert [s.dealership.code for s in service.overview().today] == ["DEMO-N", "DEMO-W", "DEMO-S"]
        earlier = service.store.stops(today - timedelta(days=DONE_DAYS_AGO), today - timedelta(days=DONE_DAYS_AGO))
        assert len(earlier) == 1 and earlier[0].visit_uuid is not None
        done = service.visit(earlier[0].visit_uuid)
        newest = Registry.shipped().get("service_visit").checklist.version  # 3: evidence photos taken live
        assert done.checklist.version == newest and "car_collected_at" in done.answers
        assert [d.follow_up.id for d in service.due_follow_ups()] == ["callback_48_hours"]
        assert not service.store.pending_outbox()
        with server.store.db.read() as conn:
            assert server_visits.revisions(conn, earlier[0].visit_uuid) == [1]
        assert missing_photos(server.store, earlier[0].visit_uuid) == []
        assert len(admin.list_devices(server.store, seeded.shopper_id)) == 1
        service.store.close()


def test_the_banner_gives_addresses_that_answer(server_settings, folder, clock, tmp_path):
    import re

    import httpx

    from fieldaudit.demo import DemoAddresses, banner

    with LiveServer.start(server_settings) as server:
        text = banner(DemoAddresses("http://127.0.0.1:8550/", server.url), tmp_path)
        api, console = re.search(r"API:\s+(\S+)", text).group(1), re.search(r"coordinator:\s+(\S+)", text).group(1)
        assert httpx.get(api + "/health").status_code == 200
        assert httpx.get(console, follow_redirects=True).url.path == "/console/login"
