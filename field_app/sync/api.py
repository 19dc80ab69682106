"""The sync server's HTTP API, one method per endpoint: the only module that does network I/O.

It takes an `httpx` transport, so tests swap the network for `httpx.MockTransport`, a
fake server or a proxy that cuts connections. Whatever goes wrong comes out as an error of
`errors.py`: `NetworkError` (retry later) or `ServerRefusedError` (the server said no).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
from pydantic import ValidationError

from field_app.domain.checklist import Checklist
from field_app.domain.errors import ChecklistError
from field_app.domain.loader import parse_checklist
from field_app.domain.sync_messages import (
    API_PREFIX,
    TUS_VERSION,
    UPLOAD_CONTENT_TYPE,
    PairRequest,
    PairResponse,
    ProblemBody,
    PullResponse,
    VisitReceipt,
)

from .errors import (
    InvalidServerUrlError,
    NetworkError,
    OffsetMismatchError,
    PairingRevokedError,
    ServerBusyError,
    ServerRefusedError,
    UnexpectedResponseError,
    UnreadableChecklistError,
)

# A weak link may stall a 64 KB write for a while; a dead one should not hang a run.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=60.0, pool=10.0)
HEALTH_TIMEOUT = httpx.Timeout(5.0)
# 423: another upload of the same photo (a cut connection the server has not noticed yet)
# still holds it; it is released in a moment.
# A small send buffer keeps "bytes handed to the network" close to "bytes on the wire":
# progress then moves with the link, and a cut loses less that was counted as sent.
SEND_BUFFER_BYTES = 64 * 1024
TRANSIENT_STATUSES = frozenset({408, 423, 429})


@dataclass(frozen=True)
class BlobState:
    """How much of a photo the server holds (`Upload-Offset`) and its declared length."""

    offset: int
    length: int | None


def api_root(server_url: str) -> str:
    """The API's base URL from what a person typed: with or without `/api/v1`, a trailing
    slash or spaces."""
    url = server_url.strip().rstrip("/")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidServerUrlError(f"not a server address: {server_url!r} ({exc})") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidServerUrlError(f"the server address must start with http:// or https://: {server_url!r}")
    return url if url.endswith(API_PREFIX) else url + API_PREFIX


class ApiClient:
    """A connection to one sync server, as one device (its bearer token), or as none yet."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # An injected transport belongs to the caller, who may reuse it after we are gone.
        self._owns_transport = transport is None
        self._client = httpx.Client(
            base_url=api_root(base_url), headers=headers, timeout=timeout,
            transport=transport or _default_transport(), follow_redirects=False,
        )

    def close(self) -> None:
        if self._owns_transport:
            self._client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- endpoints ---------------------------------------------------------------------

    def health(self, *, timeout: httpx.Timeout | float = HEALTH_TIMEOUT) -> bool:
        """`GET /health`: True when the server answers that it is fine."""
        response = self._send("GET", "/health", timeout=timeout)
        return _json(response).get("ok") is True

    def pair(self, code: str, device_name: str, attempt: str | None = None) -> PairResponse:
        """`POST /devices/pair`: trade a coordinator's one-time code for a device token.
        Safe to retry with the same `attempt` (see `PairRequest`)."""
        request = PairRequest(code=code, device_name=device_name, attempt=attempt)
        body = request.model_dump(mode="json", exclude_none=True)
        return _parse(PairResponse, self._send("POST", "/devices/pair", json=body))

    def unpair(self, *, timeout: httpx.Timeout | float = HEALTH_TIMEOUT) -> None:
        """`DELETE /devices/current`: the server forgets this device's token."""
        self._send("DELETE", "/devices/current", expect=(200, 204), timeout=timeout)

    def pull(self, since: str | None) -> PullResponse:
        """`GET /sync/pull`: what changed for this shopper since the cursor (all without one)."""
        params = {"since": since} if since else None
        return _parse(PullResponse, self._send("GET", "/sync/pull", params=params))

    def report_unreadable(self, checklists: list[str]) -> None:
        """`PUT /devices/current/unreadable-checklists`: the checklists ("id@version") this
        app cannot open, in place of those reported before (`[]`: none any more)."""
        # A plain body, not `UnreadableChecklists`: a name the server would refuse comes back
        # as its refusal, which the caller handles, not as an error of this phone's.
        self._send("PUT", "/devices/current/unreadable-checklists", json={"checklists": checklists},
                   expect=(200, 204))

    def checklist(self, checklist_id: str, version: int) -> Checklist:
        """`GET /checklists/{id}/{version}`, parsed and checked like a checklist file."""
        response = self._send("GET", f"/checklists/{checklist_id}/{version}")
        try:
            return parse_checklist(response.text, f"{checklist_id}@{version}")
        except ChecklistError as exc:
            # Most likely written for a newer app (a new question type or field), not broken:
            # the server checked it when it was published.
            raise UnreadableChecklistError("checklist_unreadable", f"the checklist cannot be read: {exc}",
                                           response.status_code) from exc

    def put_visit(self, uuid: str, payload: bytes) -> VisitReceipt:
        """`PUT /visits/{uuid}` with a frozen revision's bytes, exactly as stored."""
        response = self._send("PUT", f"/visits/{uuid}", content=payload,
                              headers={"Content-Type": "application/json"})
        return _parse(VisitReceipt, response)

    def blob_state(self, sha256: str) -> BlobState:
        """`HEAD /blobs/{sha256}`: where the server's copy of a photo ends."""
        response = self._send("HEAD", f"/blobs/{sha256}", headers={"Tus-Resumable": TUS_VERSION})
        offset = _int_header(response, "Upload-Offset")
        if offset is None:
            raise UnexpectedResponseError("unexpected_response", "the answer to HEAD carries no Upload-Offset",
                                          response.status_code)
        return BlobState(offset, _int_header(response, "Upload-Length"))

    def patch_blob(self, sha256: str, offset: int, length: int, chunks: Iterable[bytes]) -> int:
        """`PATCH /blobs/{sha256}`: the bytes from `offset` to the end, streamed from
        `chunks` in one request; returns the server's new offset."""
        headers = {
            "Tus-Resumable": TUS_VERSION,
            "Content-Type": UPLOAD_CONTENT_TYPE,
            "Upload-Offset": str(offset),
            "Upload-Length": str(length),
            # A declared length lets the server refuse an oversized body before reading it.
            "Content-Length": str(length - offset),
        }
        response = self._send("PATCH", f"/blobs/{sha256}", content=chunks, headers=headers,
                              expect=(200, 204))
        new_offset = _int_header(response, "Upload-Offset")
        if new_offset is None:
            raise UnexpectedResponseError("unexpected_response", "the answer to PATCH carries no Upload-Offset",
                                          response.status_code)
        return new_offset

    # --- inside --------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kwargs) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.UnsupportedProtocol as exc:
            raise InvalidServerUrlError(str(exc)) from exc
        except httpx.TimeoutException as exc:
            raise NetworkError(f"{method} {path}: timed out ({type(exc).__name__})", code="timeout") from exc
        except httpx.RequestError as exc:
            # Connect, read and write errors, a connection cut mid-body, a broken answer.
            raise NetworkError(f"{method} {path}: {type(exc).__name__}: {exc}", code=_snake(exc)) from exc
        if response.status_code in expect:
            return response
        raise _refusal(method, path, response)


def _default_transport() -> httpx.HTTPTransport:
    return httpx.HTTPTransport(retries=0, socket_options=[(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)])


def _refusal(method: str, path: str, response: httpx.Response) -> Exception:
    status = response.status_code
    where = f"{method} {path}"
    if status >= 500 or status in TRANSIENT_STATUSES:
        busy = _problem(response)
        return ServerBusyError(busy.message if busy else f"{where}: the server answered {status}", status=status,
                               retry_after=_retry_after(response), code=busy.code if busy else None)
    if 300 <= status < 400:
        # A captive portal or a proxy stands between the phone and the server: a network matter.
        return NetworkError(f"{where}: redirected ({status}) to {response.headers.get('Location')}",
                            code="redirected")
    problem = _problem(response)
    code = problem.code if problem else ("not_found" if status == 404 else f"http_{status}")
    message = problem.message if problem else f"{where}: the server answered {status}"
    if status == 401:
        return PairingRevokedError(code if problem else "token_invalid", message, status)
    if status == 409 and code == "offset_mismatch":
        return OffsetMismatchError(code, message, status, _int_header(response, "Upload-Offset"))
    return ServerRefusedError(code, message, status)


def _problem(response: httpx.Response) -> ProblemBody | None:
    try:
        data = response.json()
        return ProblemBody.model_validate({"code": data["code"], "message": data["message"]})
    except (ValueError, KeyError, TypeError, ValidationError):
        return None


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError as exc:
        # Typically a captive portal's page served with 200: not the server, so try later.
        raise NetworkError(f"{response.request.url.path}: the answer is not JSON", code="not_json") from exc
    if not isinstance(data, dict):
        raise UnexpectedResponseError("unexpected_response", "the answer is not a JSON object",
                                      response.status_code)
    return data


def _parse(model, response: httpx.Response):
    data = _json(response)
    try:
        # Answers are `Reply` models: fields a newer server adds are ignored (the server
        # itself still refuses unknown fields in what phones send).
        return model.model_validate(data)
    except ValidationError as exc:
        raise UnexpectedResponseError(
            "unexpected_response",
            f"{response.request.url.path}: the answer does not fit {model.__name__}: {exc.errors()[:3]}",
            response.status_code,
        ) from exc


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _retry_after(response: httpx.Response) -> float | None:
    # Only the seconds form; an HTTP date is rare from an API and the backoff copes anyway.
    value = response.headers.get("Retry-After", "")
    return float(value) if value.strip().isdigit() else None


def _snake(exc: Exception) -> str:
    name = type(exc).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
