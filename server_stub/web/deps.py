"""Dependencies of the routes: the store, the upload manager, and the calling device."""

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
