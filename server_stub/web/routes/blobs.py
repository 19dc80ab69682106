"""`/blobs/{sha256}`: resumable photo and recording uploads in tus 1.0 core terms (HEAD, PATCH)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response

from field_app.domain import problems
from field_app.domain.sync_messages import TUS_VERSION, UPLOAD_CONTENT_TYPE

from ...uploads import PatchHeaders
from ..deps import BearerToken, UploadManager
from ..problems import AUTH, responses

router = APIRouter(tags=["blobs"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="The photo's sha256, lowercase hex.")]
TusResumable = Annotated[str | None, Header(alias="Tus-Resumable", description="Must be 1.0.0.")]

_UPLOAD_HEADERS = {
    "Tus-Resumable": {"schema": {"type": "string"}, "description": "1.0.0"},
    "Upload-Offset": {"schema": {"type": "integer"}, "description": "Bytes of the photo the server holds."},
    "Cache-Control": {"schema": {"type": "string"}, "description": "no-store"},
}


@router.head(
    "/blobs/{sha256}", status_code=200, response_class=Response,
    responses={
        200: {"description": "How much of the photo the server holds.",
              "headers": {**_UPLOAD_HEADERS,
                          "Upload-Length": {"schema": {"type": "integer"},
                                            "description": "The photo's size, as its visit gives it."}}},
        **responses(*AUTH, problems.NOT_FOUND, problems.UPLOAD_LOCKED),
    },
)
async def upload_state(sha256: Sha256, token: BearerToken, uploads: UploadManager) -> Response:
    """How many bytes of the photo the server holds (`Upload-Offset`) of how many
    (`Upload-Length`), once no PATCH of it is under way (423 if one stays under way);
    404 unless one of the caller's stored visits names the photo."""
    state = await uploads.state(token, sha256)
    return Response(status_code=200, headers={
        "Tus-Resumable": TUS_VERSION, "Upload-Offset": str(state.offset),
        "Upload-Length": str(state.length), "Cache-Control": "no-store",
    })


@router.patch(
    "/blobs/{sha256}", status_code=204, response_class=Response,
    openapi_extra={"requestBody": {
        "required": True,
        "content": {UPLOAD_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }},
    responses={
        204: {"description": "The bytes were appended; `Upload-Offset` is where the next ones go.",
              "headers": _UPLOAD_HEADERS},
        **responses(
            *AUTH, problems.NOT_FOUND, problems.TUS_VERSION_UNSUPPORTED, problems.UPLOAD_CONTENT_TYPE,
            problems.OFFSET_MISMATCH, problems.UPLOAD_LENGTH_MISMATCH, problems.UPLOAD_TOO_LONG,
            problems.BODY_TOO_LARGE, problems.HASH_MISMATCH, problems.IMAGE_NOT_JPEG, problems.IMAGE_CORRUPT,
            problems.IMAGE_TOO_LARGE, problems.UPLOAD_LOCKED, problems.AUDIO_FORMAT_UNKNOWN,
            problems.AUDIO_CORRUPT, problems.AUDIO_TOO_LONG, problems.AUDIO_TOO_LARGE,
        ),
    },
)
async def upload(
    sha256: Sha256,
    request: Request,
    token: BearerToken,
    uploads: UploadManager,
    tus_resumable: TusResumable = None,
    upload_offset: Annotated[str | None, Header(alias="Upload-Offset", description="Where these bytes go.")] = None,
    upload_length: Annotated[str | None, Header(alias="Upload-Length",
                                                description="The photo's whole size.")] = None,
) -> Response:
    """Append the body at `Upload-Offset`. When the last byte arrives the photo is checked
    (sha256, JPEG, pixel limit), or the recording (sha256, container, length, size), and
    stored, or refused and thrown away. The token is
    checked first, then the right to the photo, then the tus headers."""
    headers = PatchHeaders(tus_resumable, request.headers.get("content-type"), upload_offset, upload_length)
    held = await uploads.append(token, sha256, headers, request.stream())
    return Response(status_code=204, headers={
        "Tus-Resumable": TUS_VERSION, "Upload-Offset": str(held), "Cache-Control": "no-store",
    })
