"""The sync client's one network seam: each endpoint's request as the contract spells it,
and every way a request can fail sorted into "retry later" or "the server said no"."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from field_app.domain.canonical import checklist_json
from field_app.sync import (
    ApiClient,
    InvalidServerUrlError,
    NetworkError,
    OffsetMismatchError,
    PairingRevokedError,
    ServerBusyError,
    ServerRefusedError,
    UnexpectedResponseError,
)
from field_app.sync.api import api_root

from samples import checklist

SHA = hashlib.sha256(b"photo").hexdigest()
RECEIPT = {"uuid": "u1", "revision": 1, "revisions": [1], "status": "received", "missing_photos": [SHA]}


def client(handler, token: str | None = "tok") -> ApiClient:
    return ApiClient("https://sync.example/", token, transport=httpx.MockTransport(handler))


def answering(status: int, body: object = None, headers: dict | None = None, content: bytes | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=body, headers=headers)
    return handler


def raising(error: type[Exception]):
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("injected", request=request)
    return handler


# --- requests ------------------------------------------------------------------------------


def test_requests_carry_the_bearer_token_under_api_v1():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"cursor": "c2", "server_time": "2026-11-22T09:00:00Z"})

    api = client(handler)
    api.pull(None)
    api.pull("c1")
    assert [str(r.url) for r in seen] == ["https://sync.example/api/v1/sync/pull",
                                          "https://sync.example/api/v1/sync/pull?since=c1"]
    assert all(r.headers["Authorization"] == "Bearer tok" for r in seen)


def test_pairing_sends_no_token_and_returns_the_shopper():
    def handler(request: httpx.Request) -> httpx.Response:
        assert "Authorization" not in request.headers
        assert json.loads(request.content) == {"code": "PAIR-1234", "device_name": "Анна's phone"}
        return httpx.Response(200, json={"token": "t", "shopper": {"id": "s1", "name": "Анна"}})

    answer = client(handler, token=None).pair("PAIR-1234", "Анна's phone")
    assert answer.token == "t" and answer.shopper.name == "Анна"


def test_a_visit_is_put_as_the_exact_bytes_given():
    payload = b'{"revision":1,"z":"\xd0\xb0"}'
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=RECEIPT)

    receipt = client(handler).put_visit("u1", payload)
    assert seen[0].method == "PUT" and seen[0].url.path == "/api/v1/visits/u1"
    assert seen[0].content == payload and seen[0].headers["Content-Type"] == "application/json"
    assert receipt.missing_photos == [SHA]


def test_a_patch_streams_the_chunks_with_the_tus_headers():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204, headers={"Upload-Offset": "10"})

    assert client(handler).patch_blob(SHA, 4, 10, iter([b"ab", b"cd", b"ef"])) == 10
    request = seen[0]
    assert request.method == "PATCH" and request.content == b"abcdef"
    assert {k: request.headers[k] for k in ("Tus-Resumable", "Content-Type", "Upload-Offset",
                                            "Upload-Length", "Content-Length")} == {
        "Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": "4", "Upload-Length": "10", "Content-Length": "6"}
    assert "Transfer-Encoding" not in request.headers


def test_head_reads_the_offset_and_length():
    state = client(answering(200, headers={"Upload-Offset": "123", "Upload-Length": "456"},
                             content=b"")).blob_state(SHA)
    assert (state.offset, state.length) == (123, 456)


def test_a_checklist_is_parsed_and_a_malformed_one_is_refused():
    body = checklist_json(checklist())
    assert client(answering(200, content=body)).checklist("mini_showroom", 1) == checklist()
    with pytest.raises(UnexpectedResponseError):
        client(answering(200, {"id": "x"})).checklist("x", 1)


def test_health_is_true_only_for_ok():
    assert client(answering(200, {"ok": True})).health()
    assert not client(answering(200, {"ok": False})).health()


@pytest.mark.parametrize("typed, root", [
    ("https://sync.example", "https://sync.example/api/v1"),
    (" https://sync.example/ ", "https://sync.example/api/v1"),
    ("http://10.0.0.2:8000/api/v1/", "http://10.0.0.2:8000/api/v1"),
])
def test_the_server_address_may_be_typed_with_or_without_the_api_prefix(typed, root):
    assert api_root(typed) == root


@pytest.mark.parametrize("typed", ["sync.example", "ftp://sync.example", "", "https://"])
def test_a_server_address_that_is_not_http_is_refused_before_any_network(typed):
    with pytest.raises(InvalidServerUrlError):
        ApiClient(typed, transport=httpx.MockTransport(answering(200, {})))


# --- failures: the network ----------------------------------------------------------------


@pytest.mark.parametrize("error, code", [
    (httpx.ConnectError, "connect_error"),
    (httpx.ConnectTimeout, "timeout"),
    (httpx.ReadTimeout, "timeout"),
    (httpx.WriteTimeout, "timeout"),
    (httpx.ReadError, "read_error"),
    (httpx.WriteError, "write_error"),
    (httpx.RemoteProtocolError, "remote_protocol_error"),
])
def test_transport_failures_are_network_errors(error, code):
    with pytest.raises(NetworkError) as caught:
        client(raising(error)).pull(None)
    assert caught.value.code == code and not isinstance(caught.value, ServerRefusedError)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 423, 429])
def test_server_errors_and_throttling_are_network_errors_to_retry(status):
    with pytest.raises(ServerBusyError) as caught:
        client(answering(status, {"code": "internal_error", "message": "boom"},
                         headers={"Retry-After": "3"})).put_visit("u1", b"{}")
    assert isinstance(caught.value, NetworkError)
    assert caught.value.status == status and caught.value.retry_after == 3.0


def test_a_captive_portal_page_is_a_network_error():
    with pytest.raises(NetworkError) as caught:
        client(answering(200, content=b"<html>Login to Wi-Fi</html>")).pull(None)
    assert caught.value.code == "not_json"
    with pytest.raises(NetworkError):
        client(answering(302, headers={"Location": "http://portal/"}, content=b"")).pull(None)


# --- failures: the server said no -----------------------------------------------------------


@pytest.mark.parametrize("code", ["token_missing", "token_invalid", "token_revoked"])
def test_a_401_means_pair_again(code):
    with pytest.raises(PairingRevokedError) as caught:
        client(answering(401, {"code": code, "message": "no"})).pull(None)
    assert caught.value.code == code and caught.value.status == 401


@pytest.mark.parametrize("status, code", [
    (404, "pairing_code_unknown"), (409, "pairing_code_used"), (410, "pairing_code_expired"),
])
def test_a_bad_pairing_code_is_refused_with_its_code(status, code):
    with pytest.raises(ServerRefusedError) as caught:
        client(answering(status, {"code": code, "message": "bad code"}), token=None).pair("PAIR-0000", "phone")
    assert (caught.value.code, caught.value.status, caught.value.message) == (code, status, "bad code")


@pytest.mark.parametrize("status, code", [
    (409, "revision_conflict"), (404, "not_found"), (422, "revision_invalid"),
    (422, "hash_mismatch"), (415, "image_not_jpeg"), (422, "image_corrupt"), (413, "body_too_large"),
])
def test_refusals_carry_the_servers_code_and_message(status, code):
    with pytest.raises(ServerRefusedError) as caught:
        client(answering(status, {"code": code, "message": "because"})).put_visit("u1", b"{}")
    assert not isinstance(caught.value, NetworkError)
    assert (caught.value.code, caught.value.message, caught.value.status) == (code, "because", status)


def test_an_offset_mismatch_carries_the_servers_offset():
    with pytest.raises(OffsetMismatchError) as caught:
        client(answering(409, {"code": "offset_mismatch", "message": "no"}, headers={"Upload-Offset": "77"})
               ).patch_blob(SHA, 0, 100, iter([b"x" * 100]))
    assert caught.value.offset == 77


def test_a_head_404_without_a_body_is_not_found():
    with pytest.raises(ServerRefusedError) as caught:
        client(answering(404, content=b"")).blob_state(SHA)
    assert caught.value.code == "not_found"


def test_an_answer_that_does_not_fit_the_contract_is_refused_not_retried():
    with pytest.raises(UnexpectedResponseError):
        client(answering(200, {"uuid": "u1"})).put_visit("u1", b"{}")
