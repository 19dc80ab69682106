"""Shoppers: the list with each one's last sync and open work, a new shopper and the code
(and QR code) that pairs their phone, a shopper's devices, and revoking one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ... import admin
from ...errors import InvalidInputError, UnknownDeviceError
from ...records import Device, PairingCode
from ..qr import qr_svg
from ..web import Form, Session, Store, redirect, render

router = APIRouter()


@router.get("/shoppers", response_class=HTMLResponse)
def shopper_list(request: Request, store: Store, _session: Session) -> HTMLResponse:
    return _list(request, store)


@router.post("/shoppers", response_class=HTMLResponse)
def create_shopper(request: Request, store: Store, form: Form) -> HTMLResponse:
    name = str(form.get("name") or "").strip()
    if not name:
        return _list(request, store, 422, name_missing=True, name=str(form.get("name") or ""))
    # The form's own shopper id: sent again by a reload, it gives that shopper a new code.
    try:
        code = admin.create_shopper(store, name, shopper_id=str(form.get("shopper_id") or "") or None)
    except InvalidInputError:  # an id this console never drew: not a form a person filled in
        return render(request, "error.html", 400, message_key="errors.bad_request")
    return _pairing_page(request, store, code)


@router.get("/shoppers/{shopper_id}", response_class=HTMLResponse)
def shopper_page(request: Request, store: Store, _session: Session, shopper_id: str,
                 revoked: str = "") -> HTMLResponse:
    shopper = admin.shopper_overview(store, shopper_id)
    devices = admin.list_devices(store, shopper_id)
    just_revoked = next((d for d in devices if d.id == revoked), None)
    return render(request, "shoppers_one.html", shopper=shopper, devices=devices, just_revoked=just_revoked)


@router.post("/shoppers/{shopper_id}/code", response_class=HTMLResponse)
def new_code(request: Request, store: Store, _form: Form, shopper_id: str) -> HTMLResponse:
    return _pairing_page(request, store, admin.new_pairing_code(store, shopper_id))


@router.get("/shoppers/{shopper_id}/devices/{device_id}/revoke", response_class=HTMLResponse)
def revoke_confirmation(request: Request, store: Store, _session: Session, shopper_id: str,
                        device_id: str) -> HTMLResponse:
    device = _device(store, shopper_id, device_id)
    return render(request, "shoppers_revoke.html", device=device)


@router.post("/shoppers/{shopper_id}/devices/{device_id}/revoke")
def revoke(store: Store, _form: Form, shopper_id: str, device_id: str) -> Response:
    _device(store, shopper_id, device_id)
    admin.revoke_device(store, device_id)
    return redirect(f"/shoppers/{shopper_id}", revoked=device_id)


def _list(request: Request, store: Store, status_code: int = 200, name_missing: bool = False,
          name: str = "") -> HTMLResponse:
    return render(request, "shoppers.html", status_code, shoppers=admin.shopper_overviews(store),
                  name_missing=name_missing, name=name, new_shopper_id=admin.new_shopper_id())


def _pairing_page(request: Request, store: Store, code: PairingCode) -> HTMLResponse:
    # The code is kept only as its hash: this page is the one time it can be read.
    shopper = admin.shopper_overview(store, code.shopper_id)
    server = f"{request.url.scheme}://{request.url.netloc}"
    return render(request, "shoppers_code.html", shopper=shopper, code=code, server=server,
                  qr=qr_svg(code.pairing_code))


def _device(store: Store, shopper_id: str, device_id: str) -> Device:
    """The device, if it is this shopper's: a made-up pair of ids is a 404."""
    device = admin.get_device(store, device_id)
    if device.shopper_id != shopper_id:
        raise UnknownDeviceError(f"There is no device {device_id!r}.")
    return device
