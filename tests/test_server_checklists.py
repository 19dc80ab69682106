"""Checklist versions on the server: published on start, served with their sha256 as ETag,
and never two contents under one (id, version)."""

from __future__ import annotations

import copy
import hashlib

import pytest
import yaml

from field_app.domain.canonical import checklist_json
from field_app.domain.registry import Registry
from field_app.domain.resources import shipped_checklists
from server_stub import admin
from server_stub.errors import ChecklistConflictError
from server_stub.settings import Settings
from server_stub.store import open_store

from samples import SHOWROOM
from server_support import MINI, MINI_SHA


def write_checklist(folder, data: dict):
    path = folder / data["id"] / f"{data['version']}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_checklist_is_served_as_canonical_json_with_its_sha256_as_etag(live_server):
    anna = live_server.shopper()
    answer = anna.client.get("/checklists/mini_showroom/1")
    assert answer.status_code == 200
    assert answer.headers["ETag"] == f'"{MINI_SHA}"'
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.content == checklist_json(MINI)
    assert hashlib.sha256(answer.content).hexdigest() == MINI_SHA


@pytest.mark.parametrize("tag", [f'"{MINI_SHA}"', f'W/"{MINI_SHA}"', f'"other", "{MINI_SHA}"', "*"])
def test_the_phones_current_copy_answers_304(live_server, tag):
    anna = live_server.shopper()
    answer = anna.client.get("/checklists/mini_showroom/1", headers={"If-None-Match": tag})
    assert answer.status_code == 304
    assert answer.content == b""
    assert answer.headers["ETag"] == f'"{MINI_SHA}"'


def test_another_etag_gets_the_body(live_server):
    anna = live_server.shopper()
    answer = anna.client.get("/checklists/mini_showroom/1", headers={"If-None-Match": '"0000"'})
    assert answer.status_code == 200
    assert answer.content == checklist_json(MINI)


def test_an_unknown_version_is_not_found(live_server):
    anna = live_server.shopper()
    for path in ("/checklists/mini_showroom/2", "/checklists/nothing/1"):
        answer = anna.client.get(path)
        assert answer.status_code == 404
        assert answer.json()["code"] == "checklist_not_found"
    assert anna.client.get("/checklists/mini_showroom/zero").json()["code"] == "invalid_request"


def test_checklists_need_a_token(live_server):
    assert live_server.client().get("/checklists/mini_showroom/1").status_code == 401


def test_the_projects_checklists_are_published_on_start(live_server):
    registry = Registry.from_directory(shipped_checklists())
    for entry in registry:
        served = live_server.store.catalog.get(entry.checklist.id, entry.checklist.version)
        assert served.sha256 == entry.sha256


def test_publishing_on_every_start_adds_only_what_is_missing(tmp_path, server_db, clock):
    folder = tmp_path / "checklists"
    write_checklist(folder, SHOWROOM)
    settings = Settings(data_dir=tmp_path / "data", db_url=server_db, checklists_dir=folder, clock=clock)
    with open_store(settings) as store:
        assert store.catalog.get("mini_showroom", 1).sha256 == MINI_SHA
    write_checklist(folder, copy.deepcopy(SHOWROOM) | {"version": 2, "title": "Второй"})
    with open_store(settings) as store:
        assert store.catalog.get("mini_showroom", 2)
        assert store.catalog.newest("mini_showroom").checklist.version == 2


def test_a_changed_published_file_stops_the_start_with_a_clear_error(tmp_path, server_db, clock):
    folder = tmp_path / "checklists"
    write_checklist(folder, SHOWROOM)
    settings = Settings(data_dir=tmp_path / "data", db_url=server_db, checklists_dir=folder, clock=clock)
    open_store(settings).close()
    write_checklist(folder, SHOWROOM | {"title": "Исправленный заголовок"})
    with pytest.raises(ChecklistConflictError) as caught:
        open_store(settings)
    message = str(caught.value)
    assert "mini_showroom/1.yaml" in message and "new version" in message


def test_publish_refuses_other_content_and_ignores_the_same(live_server, tmp_path):
    path = write_checklist(tmp_path, SHOWROOM)
    same = admin.publish_checklist(live_server.store, path)
    assert (same.id, same.version, same.sha256, same.created) == ("mini_showroom", 1, MINI_SHA, False)
    path = write_checklist(tmp_path, SHOWROOM | {"title": "Другой"})
    with pytest.raises(ChecklistConflictError):
        admin.publish_checklist(live_server.store, path)
    assert live_server.store.catalog.get("mini_showroom", 1).sha256 == MINI_SHA
    fresh = write_checklist(tmp_path, SHOWROOM | {"version": 3})
    assert admin.publish_checklist(live_server.store, fresh).created


def test_the_project_checklists_folder_is_the_default(tmp_path):
    assert Settings(data_dir=tmp_path).checklists_dir == shipped_checklists()
    assert any(shipped_checklists().glob("*/*.yaml"))
