"""The protocol's edges: every refusal is a JSON problem with a stable code, and the
OpenAPI document describes every endpoint with its models and problems."""

from __future__ import annotations

import logging

from field_app.domain import problems
from field_app.domain.sync_messages import API_PREFIX
from server_stub.web.app import create_app

from server_support import LiveServer, publish_mini


def test_an_unknown_address_is_a_not_found_problem(live_server):
    answer = live_server.client().get("/no/such/thing")
    assert answer.status_code == 404
    assert answer.json() == {"code": "not_found", "message": problems.NOT_FOUND.message}
    outside = live_server.client().get(live_server.url + "/elsewhere")
    assert outside.json()["code"] == "not_found"


def test_a_wrong_method_is_a_problem_that_says_which_are_allowed(live_server):
    answer = live_server.client().post("/sync/pull")
    assert answer.status_code == 405
    assert answer.json()["code"] == "method_not_allowed"
    assert "GET" in answer.headers["Allow"]


def test_a_validation_error_is_a_short_invalid_request_problem(live_server):
    answer = live_server.client().post("/devices/pair", json={"code": 5})
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == "invalid_request"
    assert body["message"].startswith("code: ")
    assert "(and 1 more problem(s))" in body["message"]


def test_an_unhandled_error_is_logged_and_answered_as_a_500_problem(server_settings, caplog):
    app = create_app(server_settings)

    @app.get(API_PREFIX + "/boom")
    def boom() -> None:
        raise RuntimeError("the disk caught fire")

    with LiveServer.start(server_settings, app) as server, caplog.at_level(logging.ERROR, logger="server_stub"):
        answer = server.client().get("/boom")
        assert answer.status_code == 500
        assert answer.json() == {"code": "internal_error", "message": problems.INTERNAL_ERROR.message}
        assert server.client().get("/health").status_code == 200
    assert "the disk caught fire" in caplog.text


def test_every_problem_code_is_unique_and_has_an_error_status():
    assert len(problems.ALL) == len({p.code for p in problems.ALL.values()})
    assert all(400 <= p.status < 600 and p.message for p in problems.ALL.values())


def test_the_openapi_document_describes_every_endpoint(live_server):
    spec = live_server.client().get(live_server.url + "/openapi.json").json()
    paths = spec["paths"]
    expected = {
        "/health": {"get"},
        "/devices/pair": {"post"},
        "/devices/current": {"delete"},
        "/devices/current/unreadable-checklists": {"put"},
        "/sync/pull": {"get"},
        "/checklists/{checklist_id}/{version}": {"get"},
        "/visits/{uuid}": {"put", "get"},
        "/blobs/{sha256}": {"head", "patch"},
    }
    assert {p.removeprefix(API_PREFIX): set(ops) for p, ops in paths.items()} == expected

    def ref(schema: dict) -> str:
        return schema.get("$ref", "").rsplit("/", 1)[-1]

    put = paths[f"{API_PREFIX}/visits/{{uuid}}"]["put"]
    assert ref(put["requestBody"]["content"]["application/json"]["schema"]) == "VisitRevision"
    assert ref(put["responses"]["200"]["content"]["application/json"]["schema"]) == "VisitReceipt"
    for status in ("401", "404", "409", "413", "422", "500"):
        assert ref(put["responses"][status]["content"]["application/json"]["schema"]) == "ProblemBody"
    assert "`revision_conflict`" in put["responses"]["409"]["description"]

    pair = paths[f"{API_PREFIX}/devices/pair"]["post"]
    assert ref(pair["requestBody"]["content"]["application/json"]["schema"]) == "PairRequest"
    assert ref(pair["responses"]["200"]["content"]["application/json"]["schema"]) == "PairResponse"
    assert {"404", "409", "410"} <= set(pair["responses"])

    pull = paths[f"{API_PREFIX}/sync/pull"]["get"]
    assert ref(pull["responses"]["200"]["content"]["application/json"]["schema"]) == "PullResponse"
    assert pull["security"] == [{"HTTPBearer": []}]

    patch = paths[f"{API_PREFIX}/blobs/{{sha256}}"]["patch"]
    assert "application/offset+octet-stream" in patch["requestBody"]["content"]
    assert {"204", "401", "404", "409", "412", "413", "415", "422", "423"} <= set(patch["responses"])
    assert "Upload-Offset" in patch["responses"]["204"]["headers"]
    head = paths[f"{API_PREFIX}/blobs/{{sha256}}"]["head"]
    assert {"Upload-Offset", "Upload-Length", "Tus-Resumable"} <= set(head["responses"]["200"]["headers"])
    headers = {p["name"] for p in patch["parameters"] if p["in"] == "header"}
    assert {"Tus-Resumable", "Upload-Offset", "Upload-Length"} <= headers

    checklist = paths[f"{API_PREFIX}/checklists/{{checklist_id}}/{{version}}"]["get"]
    assert ref(checklist["responses"]["200"]["content"]["application/json"]["schema"]) == "Checklist"
    assert "304" in checklist["responses"]


def test_two_servers_can_share_one_store(server_settings):
    """The app takes an open store: the lead's integration tests may run admin calls on it."""
    with LiveServer.start(server_settings) as first:
        publish_mini(first.store)
        app = create_app(server_settings, first.store)
        with LiveServer.start(server_settings, app) as second:
            anna = first.shopper()
            assert second.client(anna.token).get("/sync/pull").status_code == 200
