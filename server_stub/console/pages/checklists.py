"""Checklist versions: the list with their hashes and use, publishing an uploaded YAML
file, one version's questions, its canonical body, what changed between two versions, and
moving planned stops to a newer version (a re-pin: the count first, then the move).

The routes are plain functions: FastAPI runs them in a thread, where reading the
database and a YAML file may block."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from field_app.domain.errors import ChecklistError

from ... import admin
from ...catalog import MAX_UPLOAD, UnreadableUploadError
from ...errors import ChecklistConflictError, ChecklistNotFoundError, UnknownShopperError
from ...repin import RepinError, repin
from ..web import NO_STORE, Form, Session, Store, form_day, redirect, render

router = APIRouter()


@router.get("/checklists", response_class=HTMLResponse)
def checklist_list(request: Request, store: Store, _session: Session, moved: str = "",
                   to: str = "") -> HTMLResponse:
    # After a re-pin: how many stops moved, and to which version.
    repinned = {"count": int(moved), "to": to} if moved.isascii() and moved.isdigit() and to else None
    return _list_page(request, store, repinned=repinned)


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


@router.get("/checklists/{checklist_id}/repin", response_class=HTMLResponse)
def repin_page(request: Request, store: Store, _session: Session, checklist_id: str, version: str = "",
               from_day: str = "", shopper: str = "") -> HTMLResponse:
    """How many planned stops would move, with the button that moves them."""
    return _repin(request, store, checklist_id, version, from_day, shopper, dry_run=True)


@router.post("/checklists/{checklist_id}/repin")
def repin_stops(request: Request, store: Store, form: Form, checklist_id: str) -> Response:
    fields = [_text(form, name) for name in ("version", "from_day", "shopper")]
    return _repin(request, store, checklist_id, *fields, dry_run=False)


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
    context = {"refusal": None, "file_name": "", "problems": [], "detail": "", "max_kb": MAX_UPLOAD // 1024,
               "repinned": None, **refused}
    return render(request, "checklists.html", status_code, versions=store.catalog.versions(),
                  shoppers=admin.list_shoppers(store, active_only=True), today=store.now().date(), **context)


def _repin(request: Request, store: Store, checklist_id: str, version: str, from_day: str, shopper: str, *,
           dry_run: bool) -> Response:
    """The confirmation page (a dry run), or the move and back to the list saying how many
    stops moved. A refusal is shown on the confirmation page, without a button."""
    bad_day: list[str] = []
    day = form_day(from_day.strip(), "from_day", bad_day)
    number = _number(version.strip())
    context = {"checklist_id": checklist_id, "version": number, "from_day": from_day.strip(),
               "shopper": shopper.strip(), "shopper_name": "", "title": "", "result": None, "refusal": None}
    if bad_day:
        return _refused_repin(request, context, "day_bad")
    try:
        result = repin(store, checklist_id, number, from_day=day, shopper_id=shopper.strip() or None, dry_run=dry_run)
    except RepinError as refused:
        return _refused_repin(request, context, refused.key)
    except UnknownShopperError:
        return _refused_repin(request, context, "shopper_unknown")
    if not dry_run:
        return redirect("/checklists", moved=result.count, to=f"{result.checklist_id}@{result.to_version}")
    name = next((s.name for s in admin.list_shoppers(store) if s.id == result.shopper_id), "")
    return render(request, "checklists_repin.html", **context | {
        "result": result, "from_day": result.from_day.isoformat(), "shopper_name": name,
        "title": store.catalog.get(checklist_id, result.to_version).checklist.title,
    })


def _refused_repin(request: Request, context: dict, key: str) -> HTMLResponse:
    return render(request, "checklists_repin.html", 422, **context | {"refusal": "checklists.repin_" + key})


def _text(form, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _number(text: str) -> int:
    """A version number from an address; 0, which no version has, when it is not one."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0
