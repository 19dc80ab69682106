"""A server process killed (SIGKILL) mid-upload and started again on the same data: the
bytes that reached it are still there, HEAD says so, and the upload finishes."""

from __future__ import annotations

import signal

import httpx

from server_stub import admin
from server_stub.settings import Settings
from server_stub.store import open_store

from server_support import (
    free_port,
    new_uuid,
    noisy_photo,
    publish_mini,
    revision,
    sha,
    start_raw_patch,
    start_server,
    stop_server,
    upload,
    wait_for,
)


def test_an_upload_cut_by_a_killed_server_resumes_after_a_restart(tmp_path, server_db):
    data_dir, log = tmp_path / "server", tmp_path / "server.log"
    with open_store(Settings(data_dir=data_dir, db_url=server_db)) as store:
        publish_mini(store)
        code = admin.create_shopper(store, "Анна").pairing_code
    photo = noisy_photo((500, 400), seed=11)
    part = data_dir / "uploads" / f"{sha(photo)}.part"

    port = free_port()
    server = start_server(data_dir, server_db, port, log)
    try:
        api = f"http://127.0.0.1:{port}/api/v1"
        token = httpx.post(f"{api}/devices/pair", json={"code": code, "device_name": "Pixel"}).json()["token"]
        client = httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"})
        uuid = new_uuid()
        assert client.put(f"/visits/{uuid}", json=revision(photos=[photo])).status_code == 200
        sock = start_raw_patch(port, token, photo, 0, photo[:100_000])
        wait_for(lambda: part.exists() and part.stat().st_size == 100_000, what="the first bytes on disk")
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        sock.close()
        client.close()
    finally:
        stop_server(server)

    port = free_port()
    server = start_server(data_dir, server_db, port, log)
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", headers={"Authorization": f"Bearer {token}"})
        state = client.head(f"/blobs/{sha(photo)}")
        assert state.status_code == 200
        assert state.headers["Upload-Offset"] == "100000"
        assert state.headers["Upload-Length"] == str(len(photo))
        finished = upload(client, photo, 100_000)
        assert finished.status_code == 204, finished.text
        assert client.get(f"/visits/{uuid}").json()["missing_photos"] == []
        assert (data_dir / "blobs" / sha(photo)[:2] / f"{sha(photo)}.jpg").read_bytes() == photo
        client.close()
    finally:
        stop_server(server)
