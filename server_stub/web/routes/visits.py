"""`/visits/{uuid}`: a finalized revision of a visit in, a receipt out."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from field_app.domain import problems
from field_app.domain.records import VisitRevision
from field_app.domain.sync_messages import VisitReceipt

from ... import visits
from ..deps import CurrentDevice, Store
from ..problems import AUTH, responses

router = APIRouter(tags=["visits"])


@router.put(
    "/visits/{uuid}", response_model=VisitReceipt,
    responses=responses(
        *AUTH, problems.NOT_FOUND, problems.CHECKLIST_NOT_FOUND, problems.CHECKLIST_MISMATCH,
        problems.REVISION_CONFLICT, problems.REVISION_INVALID, problems.ASSIGNMENT_NOT_FOUND,
        problems.BODY_TOO_LARGE,
    ),
)
def put_visit(uuid: UUID, revision: VisitRevision, device: CurrentDevice, store: Store) -> VisitReceipt:
    """Store a revision. The same revision again answers the same receipt (a retry is
    harmless); the same revision number with other content is a conflict; the receipt
    lists the photos still to upload. A checklist version the server has not published
    is 404 `checklist_not_found` (the phone cannot fix that by editing the visit);
    published with another sha256 it is 409 `checklist_mismatch`."""
    return visits.put_revision(store, device, str(uuid), revision)


@router.get("/visits/{uuid}", response_model=VisitReceipt, responses=responses(*AUTH, problems.NOT_FOUND))
def get_visit(uuid: UUID, device: CurrentDevice, store: Store) -> VisitReceipt:
    """What the server holds of the visit: its latest revision, status and missing photos."""
    return visits.receipt(store, device, str(uuid))
