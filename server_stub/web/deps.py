"""Dependencies of the routes: the store, the upload manager, the calling device and its
address."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .. import devices
from ..records import Device
from ..store import ServerStore
from ..uploads import Uploads

bearer = HTTPBearer(auto_error=False, description="The device token that `POST /devices/pair` returned.")


# Dependencies that do no I/O are async: FastAPI runs a plain `def` dependency on a worker
# thread, and under load each such hop waits milliseconds for the GIL.
async def get_store(request: Request) -> ServerStore:
    return request.app.state.store


async def get_uploads(request: Request) -> Uploads:
    return request.app.state.uploads


Store = Annotated[ServerStore, Depends(get_store)]
UploadManager = Annotated[Uploads, Depends(get_uploads)]


def current_device(store: Store,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Device:
    return devices.authenticate(store, credentials.credentials if credentials else None)


CurrentDevice = Annotated[Device, Depends(current_device)]


async def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str | None:
    """The raw token, for routes that check it together with other things in one read."""
    return credentials.credentials if credentials else None


BearerToken = Annotated[str | None, Depends(bearer_token)]


async def client_address(request: Request) -> str:
    """The client's IP address: the peer's, or behind a proxy that uvicorn trusts
    (`FORWARDED_ALLOW_IPS`, 127.0.0.1 by default) the one it put in X-Forwarded-For.
    Empty when the server does not know it (then all such clients count as one)."""
    return request.client.host if request.client else ""


ClientAddress = Annotated[str, Depends(client_address)]
