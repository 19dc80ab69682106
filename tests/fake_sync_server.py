"""An in-memory sync server for the sync client's tests: the API of DESIGN.md over dicts,
as an httpx transport, with switches that inject failures (a cut mid-upload, a refused
connection, 503, an answer lost on its way back, a revoked token...).

Not the real server (that is `server_stub`): just enough of the contract, strictly, so a
client that bends it fails here.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

from field_app.domain.sync_messages import API_PREFIX, TUS_VERSION, UPLOAD_CONTENT_TYPE

TOKEN = "token-of-the-test-phone"
SHOPPER = {"id": "shopper-1", "name": "Анна Петрова"}


@dataclass
class Fault:
    """One injected failure, for the next `times` requests matching `method` and `path`."""

    method: str
    path: str = ""  # a prefix of the path under /api/v1
    times: int = 1
    error: type[Exception] | None = None  # raised before the server sees the request
    status: int | None = None  # answered instead of handling the request
    code: str = "internal_error"
    cut_after: int | None = None  # PATCH: keep this many body bytes, then drop the connection
    lose_answer: bool = False  # handle the request, then drop the connection before answering
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer(httpx.BaseTransport):
    def __init__(self) -> None:
        self.tokens: dict[str, str] = {TOKEN: SHOPPER["id"]}
        self.revoked: set[str] = set()
        self.pairing_codes: dict[str, dict] = {"PAIR-1234": SHOPPER}
        self.visits: dict[str, dict[int, bytes]] = {}
        self.foreign_visits: set[str] = set()  # uuids of another shopper: 404
        self.photo_sizes: dict[str, int] = {}  # named by a received revision
        self.blobs: dict[str, bytearray] = {}
        self.complete: set[str] = set()
        self.refuse_photos: dict[str, tuple[int, str]] = {}  # sha256 -> (status, code) at completion
        self.pull_body: dict[str, Any] = {"cursor": "c1", "server_time": "2026-11-22T09:00:00Z"}
        self.checklists: dict[tuple[str, int], str] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.pulls: list[str | None] = []  # the `since` of each pull
        self.patch_bytes = 0  # body bytes received by PATCH, cut ones included
        self.patch_offsets: list[int] = []  # the Upload-Offset of each PATCH
        self._lock = threading.Lock()

    # --- switches ------------------------------------------------------------------------

    def fail(self, method: str, path: str = "", **kwargs: Any) -> Fault:
        fault = Fault(method, path, **kwargs)
        self.faults.append(fault)
        return fault

    def stored(self, uuid: str, revision: int) -> bytes | None:
        return self.visits.get(uuid, {}).get(revision)

    # --- the transport -------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(API_PREFIX)
        self.requests.append((request.method, path))
        fault = self._fault(request.method, path)
        if fault is not None and fault.error is not None:
            raise fault.error("injected", request=request)
        if fault is not None and fault.status is not None:
            return _problem(fault.status, fault.code, "injected", fault.headers)
        if fault is not None and fault.cut_after is not None:
            return self._cut_patch(request, path, fault.cut_after)
        response = self._route(request, path)
        if fault is not None and fault.lose_answer:
            raise httpx.ReadError("answer lost", request=request)
        return response

    def _fault(self, method: str, path: str) -> Fault | None:
        with self._lock:  # photos go several at a time, each on its own thread
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and path.startswith(fault.path):
                    fault.times -= 1
                    return fault
        return None

    def _route(self, request: httpx.Request, path: str) -> httpx.Response:
        method = request.method
        if (method, path) == ("GET", "/health"):
            return httpx.Response(200, json={"ok": True})
        if (method, path) == ("POST", "/devices/pair"):
            return self._pair(request)
        shopper = self._shopper(request)
        if isinstance(shopper, httpx.Response):
            return shopper
        if (method, path) == ("DELETE", "/devices/current"):
            self.revoked.add(request.headers["Authorization"].removeprefix("Bearer "))
            return httpx.Response(204)
        if (method, path) == ("GET", "/sync/pull"):
            self.pulls.append(request.url.params.get("since"))
            return httpx.Response(200, json=self.pull_body)
        if method == "GET" and (m := re.fullmatch(r"/checklists/([^/]+)/(\d+)", path)):
            body = self.checklists.get((m[1], int(m[2])))
            if body is None:
                return _problem(404, "checklist_not_found", "no such checklist")
            return httpx.Response(200, content=body.encode(), headers={
                "Content-Type": "application/json", "ETag": hashlib.sha256(body.encode()).hexdigest()})
        if method == "PUT" and (m := re.fullmatch(r"/visits/([0-9a-f-]+)", path)):
            return self._put_visit(request, m[1])
        if m := re.fullmatch(r"/blobs/([0-9a-f]{64})", path):
            if method == "HEAD":
                return self._head(m[1])
            if method == "PATCH":
                return self._patch(request, m[1])
        return _problem(404, "not_found", f"no route {method} {path}")

    # --- endpoints -----------------------------------------------------------------------

    def _pair(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read())
        shopper = self.pairing_codes.pop(body["code"], None)
        if shopper is None:
            return _problem(404, "pairing_code_unknown", "There is no such pairing code.")
        token = f"token-{len(self.tokens) + 1}"
        self.tokens[token] = shopper["id"]
        return httpx.Response(200, json={"token": token, "shopper": shopper})

    def _shopper(self, request: httpx.Request) -> str | httpx.Response:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return _problem(401, "token_missing", "The request carries no device token.")
        token = header.removeprefix("Bearer ")
        if token in self.revoked:
            return _problem(401, "token_revoked", "This device has been unpaired; pair it again.")
        if token not in self.tokens:
            return _problem(401, "token_invalid", "The device token is not known to this server.")
        return self.tokens[token]

    def _put_visit(self, request: httpx.Request, uuid: str) -> httpx.Response:
        if request.headers.get("Content-Type") != "application/json":
            return _problem(415, "invalid_request", "a visit is JSON")
        if uuid in self.foreign_visits:
            return _problem(404, "not_found", "There is no such thing, or it is not yours.")
        payload = request.read()
        revision = json.loads(payload)
        number = revision["revision"]
        held = self.visits.setdefault(uuid, {})
        if number in held and held[number] != payload:
            return _problem(409, "revision_conflict",
                            "The server already has this revision of the visit with other content.")
        held[number] = payload
        for photo in revision.get("photos", []):
            self.photo_sizes[photo["sha256"]] = photo["bytes"]
        missing = [p["sha256"] for p in revision.get("photos", []) if p["sha256"] not in self.complete]
        return httpx.Response(200, json={
            "uuid": uuid, "revision": number, "revisions": sorted(held), "status": "received",
            "missing_photos": list(dict.fromkeys(missing)),
        })

    def _head(self, sha256: str) -> httpx.Response:
        if sha256 not in self.photo_sizes:
            return httpx.Response(404)
        size = self.photo_sizes[sha256]
        offset = size if sha256 in self.complete else len(self.blobs.get(sha256, b""))
        return httpx.Response(200, headers={"Upload-Offset": str(offset), "Upload-Length": str(size),
                                            "Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"})

    def _patch(self, request: httpx.Request, sha256: str) -> httpx.Response:
        if request.headers.get("Tus-Resumable") != TUS_VERSION:
            return _problem(412, "tus_version_unsupported", "Only Tus-Resumable 1.0.0 is spoken here.")
        if request.headers.get("Content-Type") != UPLOAD_CONTENT_TYPE:
            return _problem(415, "upload_content_type", "wrong content type")
        if sha256 not in self.photo_sizes:
            return _problem(404, "not_found", "no visit names this photo")
        size = self.photo_sizes[sha256]
        blob = self.blobs.setdefault(sha256, bytearray())
        if int(request.headers["Upload-Length"]) != size:
            return _problem(409, "upload_length_mismatch", "length differs")
        self.patch_offsets.append(int(request.headers["Upload-Offset"]))
        if int(request.headers["Upload-Offset"]) != len(blob) or sha256 in self.complete:
            # Refused before the body is read, as a real server does.
            offset = size if sha256 in self.complete else len(blob)
            return _problem(409, "offset_mismatch", "The upload does not continue where the server's copy ends.",
                            {"Upload-Offset": str(offset)})
        body = request.read()
        blob.extend(body[: size - len(blob)])
        self.patch_bytes += len(body)
        if len(blob) == size:
            refusal = self.refuse_photos.get(sha256)
            if refusal is None and hashlib.sha256(blob).hexdigest() != sha256:
                refusal = (422, "hash_mismatch")
            if refusal is not None:
                del self.blobs[sha256]  # a bad file is never stored as good
                return _problem(refusal[0], refusal[1], "refused at completion")
            self.complete.add(sha256)
        return httpx.Response(204, headers={"Upload-Offset": str(len(blob)), "Tus-Resumable": TUS_VERSION})

    def _cut_patch(self, request: httpx.Request, path: str, keep: int) -> httpx.Response:
        """Read the streamed body chunk by chunk, keep `keep` bytes, then drop the link."""
        sha256 = path.rsplit("/", 1)[1]
        received = bytearray()
        for chunk in request.stream:
            received.extend(chunk)
            if len(received) >= keep:
                break
        self.patch_offsets.append(int(request.headers["Upload-Offset"]))
        kept = bytes(received[:keep])
        blob = self.blobs.setdefault(sha256, bytearray())
        if int(request.headers["Upload-Offset"]) == len(blob):
            blob.extend(kept)
        self.patch_bytes += len(received)
        raise httpx.RemoteProtocolError("peer closed connection mid-body", request=request)


def _problem(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message}, headers=headers or {})


def pull_body(**fields: Any) -> dict[str, Any]:
    body = {"cursor": "c1", "server_time": "2026-11-22T09:00:00Z"}
    body.update(fields)
    return body


def pair_directly(store, server_url: str = "http://sync.test", token: str = TOKEN) -> None:
    """Pairing as `SyncService.pair` leaves it, written straight into the settings."""
    store.set_settings({
        "sync.server_url": server_url, "sync.token": token, "sync.shopper_id": SHOPPER["id"],
        "sync.shopper_name": SHOPPER["name"], "sync.device_name": "test phone",
    })
