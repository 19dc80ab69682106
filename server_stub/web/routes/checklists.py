"""`/checklists/{id}/{version}`: a published checklist version, cacheable forever."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response
from starlette.concurrency import run_in_threadpool

from field_app.domain import problems
from field_app.domain.checklist import Checklist

from ..deps import CurrentDevice, Store
from ..problems import AUTH, responses

router = APIRouter(tags=["checklists"])


@router.get(
    "/checklists/{checklist_id}/{version}",
    response_class=Response,
    responses={
        200: {"model": Checklist, "description": "The checklist's canonical JSON; its ETag is its sha256."},
        304: {"description": "The phone's copy (If-None-Match) is this version."},
        **responses(*AUTH, problems.CHECKLIST_NOT_FOUND),
    },
)
async def get_checklist(
    device: CurrentDevice,
    store: Store,
    checklist_id: Annotated[str, Path(max_length=64)],
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    """One immutable checklist version, as the phone stores it."""
    entry = await run_in_threadpool(store.catalog.get, checklist_id, version)
    etag = f'"{entry.sha256}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable"}
    if if_none_match is not None and _matches(if_none_match, entry.sha256):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type="application/json", headers=headers)


def _matches(header: str, sha256: str) -> bool:
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or any(tag.removeprefix("W/").strip('"') == sha256 for tag in tags)
