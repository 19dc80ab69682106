"""`/devices`: pairing a phone with a one-time code, unpairing it, and what it cannot open."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from field_app.domain import problems
from field_app.domain.sync_messages import PairRequest, PairResponse, UnreadableChecklists

from ... import devices
from ..deps import ClientAddress, CurrentDevice, Store
from ..problems import AUTH, responses

router = APIRouter(tags=["devices"])


@router.post(
    "/devices/pair", response_model=PairResponse,
    responses=responses(problems.PAIRING_CODE_UNKNOWN, problems.PAIRING_CODE_USED, problems.PAIRING_CODE_EXPIRED,
                        problems.TOO_MANY_ATTEMPTS, problems.BODY_TOO_LARGE),
)
def pair(request: PairRequest, store: Store, address: ClientAddress) -> PairResponse:
    """Trade a coordinator's one-time pairing code for this phone's device token. After 20
    wrong codes from one address within 15 minutes every code is refused (429
    `too_many_attempts` with Retry-After) until the oldest of them is 15 minutes old."""
    return devices.pair(store, request.code, request.device_name, request.attempt, address)


@router.delete("/devices/current", status_code=204, response_class=Response, responses=responses(*AUTH))
async def unpair(device: CurrentDevice, store: Store) -> Response:
    """Revoke the calling device's token (the app's "unpair")."""
    await run_in_threadpool(devices.unpair, store, device)
    return Response(status_code=204)


@router.put("/devices/current/unreadable-checklists", status_code=204, response_class=Response,
            responses=responses(*AUTH, problems.BODY_TOO_LARGE))
async def report_unreadable(report: UnreadableChecklists, device: CurrentDevice, store: Store) -> Response:
    """The checklists the calling phone cannot open (written for a newer app), replacing
    what it reported before; `[]` clears them. The console shows them on the shopper."""
    await run_in_threadpool(devices.report_unreadable, store, device, report.checklists)
    return Response(status_code=204)
