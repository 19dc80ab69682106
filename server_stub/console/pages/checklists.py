"""Checklist versions: the list with their hashes and use, publishing an uploaded YAML
file, one version's questions, its canonical body, and what changed between two versions.

The routes are plain functions: FastAPI runs them in a thread, where reading the
database and a YAML file may block."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from field_app.domain.errors import ChecklistError

from ...catalog import MAX_UPLOAD, UnreadableUploadError
from ...errors import ChecklistConflictError, ChecklistNotFoundError
from ..web import NO_STORE, Form, Session, Store, redirect, render

router = APIRouter()


@router.get("/checklists", response_class=HTMLResponse)
def checklist_list(request: Request, store: Store, _session: Session) -> HTMLResponse:
    return _list_page(request, store)


@router.post("/checklists")
def publish(request: Request, store: Store, form: Form) -> Response:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _list_page(request, store, 422, refusal="checklists.no_file")
    name = upload.filename
    try:
        entry, created = store.catalog.publish_upload(upload.file.read(MAX_UPLOAD + 1), name, store.now())
    except UnreadableUploadError as exc:
        return _list_page(request, store, 422, refusal="checklists.file_" + exc.reason, file_name=name)
    except ChecklistError as exc:
        return _list_page(request, store, 422, refusal="checklists.invalid", file_name=name, problems=exc.problems)
    except ChecklistConflictError as exc:
        return _list_page(request, store, 409, refusal="checklists.conflict", file_name=name, detail=exc.message)
    checklist = entry.checklist
    return redirect(f"/checklists/{checklist.id}/{checklist.version}", published="new" if created else "same")


@router.get("/checklists/{checklist_id}/diff", response_class=HTMLResponse)
def diff_page(request: Request, store: Store, _session: Session, checklist_id: str,
              old: str = "", new: str = "") -> HTMLResponse:
    numbers = store.catalog.version_numbers(checklist_id)
    if not numbers:
        return render(request, "error.html", 404, message_key="checklists.not_found")
    # Unless told otherwise: what the newest version changed.
    old_number = _number(old) if old else numbers[max(len(numbers) - 2, 0)]
    new_number = _number(new) if new else numbers[-1]
    context = {"checklist_id": checklist_id, "numbers": numbers, "old": old_number, "new": new_number}
    if old_number not in numbers or new_number not in numbers:
        return render(request, "checklists_diff.html", 404, diff=None, **context)
    return render(request, "checklists_diff.html", diff=store.catalog.diff(checklist_id, old_number, new_number),
                  before=store.catalog.get(checklist_id, old_number).checklist,
                  after=store.catalog.get(checklist_id, new_number).checklist, **context)


@router.get("/checklists/{checklist_id}/{version}", response_class=HTMLResponse)
def version_page(request: Request, store: Store, _session: Session, checklist_id: str, version: str,
                 published: str = "") -> HTMLResponse:
    try:
        listed = store.catalog.version(checklist_id, _number(version))
    except ChecklistNotFoundError:
        return render(request, "error.html", 404, message_key="checklists.not_found")
    earlier = [n for n in store.catalog.version_numbers(checklist_id) if n < listed.version]
    return render(request, "checklists_version.html", listed=listed,
                  checklist=store.catalog.get(checklist_id, listed.version).checklist,
                  previous=earlier[-1] if earlier else None, published=published)


@router.get("/checklists/{checklist_id}/{version}/body")
def version_body(request: Request, store: Store, _session: Session, checklist_id: str, version: str) -> Response:
    try:
        entry = store.catalog.get(checklist_id, _number(version))
    except ChecklistNotFoundError:
        return render(request, "error.html", 404, message_key="checklists.not_found")
    name = f"{entry.checklist.id}-{entry.checklist.version}.json"
    return Response(entry.body, media_type="application/json", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="{name}"', "ETag": f'"{entry.sha256}"',
    })


def _list_page(request: Request, store: Store, status_code: int = 200, **refused) -> HTMLResponse:
    context = {"refusal": None, "file_name": "", "problems": [], "detail": "", "max_kb": MAX_UPLOAD // 1024, **refused}
    return render(request, "checklists.html", status_code, versions=store.catalog.versions(), **context)


def _number(text: str) -> int:
    """A version number from an address; 0, which no version has, when it is not one."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0
