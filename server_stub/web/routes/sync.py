"""`/sync/pull` (what changed for the shopper) and `/health` (is the server there)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from field_app.domain.sync_messages import PullResponse

from ... import pull as pulling
from ..deps import CurrentDevice, Store
from ..problems import AUTH, responses

router = APIRouter(tags=["sync"])


class Health(BaseModel):
    """The server answers; the phone polls this to notice a connection came back."""

    ok: bool


@router.get("/health", response_model=Health)
async def health() -> Health:
    """Answers without a token, touching nothing: cheap enough to poll."""
    return Health(ok=True)


@router.get("/sync/pull", response_model=PullResponse, responses=responses(*AUTH))
def pull(device: CurrentDevice, store: Store,
         since: Annotated[str | None, Query(max_length=32, description="The cursor of the previous pull.")] = None,
         ) -> PullResponse:
    """The shopper's route changes since the cursor (or the whole current route), the
    dealerships and checklist versions it names, returned visits and open follow-ups."""
    return pulling.pull(store, device, since)
