"""Shoppers: the list (searched and paged on the server, each with their last sync and
open work), a new shopper and the code (and QR code) that pairs their phone, a shopper's
page (renaming them, their devices and revoking one), and deactivating a shopper after a
confirmation that counts what it does (phones revoked, stops withdrawn), or reactivating."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ... import admin, limits
from ...database import storable
from ...errors import InvalidInputError, UnknownDeviceError
from ...queries.accounts import RECENT_DAYS
from ...records import Device, PairingCode
from ..paging import count, page_number
from ..qr import qr_svg
from ..web import Form, Session, Store, redirect, render

router = APIRouter()


@router.get("/shoppers", response_class=HTMLResponse)
def shopper_list(request: Request, store: Store, _session: Session, q: str = "", page: str = "",
                 inactive: str = "") -> HTMLResponse:
    return _list(request, store, query=q, page=page_number(page), inactive=bool(inactive))


@router.post("/shoppers", response_class=HTMLResponse)
def create_shopper(request: Request, store: Store, form: Form) -> HTMLResponse:
    name, city = _text(form, "name"), _text(form, "city")
    problems = _name_problems(name, city)
    if problems:
        return _list(request, store, 422, problems=problems, name=name, city=city)
    # The form's own shopper id: sent again by a reload, it gives that shopper a new code.
    try:
        code = admin.create_shopper(store, name, shopper_id=_text(form, "shopper_id") or None, city=city)
    except admin.ShopperInactiveError:  # the reload came after the shopper was deactivated
        return render(request, "error.html", 409, message_key="shoppers.inactive_no_code")
    except InvalidInputError:  # an id this console never drew: not a form a person filled in
        return render(request, "error.html", 400, message_key="errors.bad_request")
    return _pairing_page(request, store, code)


@router.get("/shoppers/{shopper_id}", response_class=HTMLResponse)
def shopper_page(request: Request, store: Store, _session: Session, shopper_id: str, revoked: str = "",
                 saved: str = "", deactivated: str = "", phones: str = "", stops: str = "",
                 reactivated: str = "") -> HTMLResponse:
    notice = None
    if deactivated:
        notice = ("deactivated_notice", {"phones": count(phones), "stops": count(stops)})
    elif reactivated:
        notice = ("reactivated_notice", {})
    elif saved:
        notice = ("saved_notice", {})
    return _one(request, store, shopper_id, revoked=revoked, notice=notice)


@router.post("/shoppers/{shopper_id}/edit", response_class=HTMLResponse)
def rename(request: Request, store: Store, form: Form, shopper_id: str) -> Response:
    admin.shopper_overview(store, shopper_id)  # an unknown shopper is a 404 before the form is read
    name, city = _text(form, "name"), _text(form, "city")
    problems = _name_problems(name, city)
    if problems:
        return _one(request, store, shopper_id, status_code=422, problems=problems, typed={"name": name, "city": city})
    admin.rename_shopper(store, shopper_id, name, city)
    return redirect(f"/shoppers/{shopper_id}", saved=1)


@router.post("/shoppers/{shopper_id}/code", response_class=HTMLResponse)
def new_code(request: Request, store: Store, _form: Form, shopper_id: str) -> HTMLResponse:
    try:
        code = admin.new_pairing_code(store, shopper_id)
    except admin.ShopperInactiveError:
        return render(request, "error.html", 409, message_key="shoppers.inactive_no_code")
    return _pairing_page(request, store, code)


@router.get("/shoppers/{shopper_id}/deactivate", response_class=HTMLResponse)
def deactivate_confirmation(request: Request, store: Store, _session: Session, shopper_id: str) -> HTMLResponse:
    shopper = admin.shopper_overview(store, shopper_id)
    counts = admin.deactivate_shopper(store, shopper_id, dry_run=True)
    return render(request, "shoppers_deactivate.html", shopper=shopper, counts=counts)


@router.post("/shoppers/{shopper_id}/deactivate")
def deactivate(store: Store, _form: Form, shopper_id: str) -> Response:
    done = admin.deactivate_shopper(store, shopper_id)
    return redirect(f"/shoppers/{shopper_id}", deactivated=1, phones=done.devices_revoked, stops=done.stops_withdrawn)


@router.post("/shoppers/{shopper_id}/reactivate")
def reactivate(store: Store, _form: Form, shopper_id: str) -> Response:
    admin.reactivate_shopper(store, shopper_id)
    return redirect(f"/shoppers/{shopper_id}", reactivated=1)


@router.get("/shoppers/{shopper_id}/devices/{device_id}/revoke", response_class=HTMLResponse)
def revoke_confirmation(request: Request, store: Store, _session: Session, shopper_id: str,
                        device_id: str) -> HTMLResponse:
    device = _device(store, shopper_id, device_id)
    return render(request, "shoppers_revoke.html", device=device,
                  shopper=admin.shopper_overview(store, shopper_id))


@router.post("/shoppers/{shopper_id}/devices/{device_id}/revoke")
def revoke(store: Store, _form: Form, shopper_id: str, device_id: str) -> Response:
    _device(store, shopper_id, device_id)
    admin.revoke_device(store, device_id)
    return redirect(f"/shoppers/{shopper_id}", revoked=device_id)


def _list(request: Request, store: Store, status_code: int = 200, *, query: str = "", page: int = 1,
          inactive: bool = False, problems: list[str] | None = None, name: str = "", city: str = "") -> HTMLResponse:
    listing = admin.shopper_page(store, query, page, include_inactive=inactive)
    return render(request, "shoppers.html", status_code, listing=listing, query=query.strip()[:limits.SEARCH],
                  inactive=inactive, problems=problems or [], name=name, city=city,
                  new_shopper_id=admin.new_shopper_id(), limits=limits, recent_days=RECENT_DAYS)


def _one(request: Request, store: Store, shopper_id: str, status_code: int = 200, *, revoked: str = "",
         notice: tuple[str, dict] | None = None, problems: list[str] | None = None,
         typed: dict[str, str] | None = None) -> HTMLResponse:
    shopper = admin.shopper_overview(store, shopper_id)
    devices = admin.list_devices(store, shopper_id)
    just_revoked = next((d for d in devices if d.id == revoked), None)
    return render(request, "shoppers_one.html", status_code, shopper=shopper, devices=devices,
                  just_revoked=just_revoked, notice=notice, problems=problems or [],
                  typed=typed or {"name": shopper.name, "city": shopper.city}, limits=limits)


def _name_problems(name: str, city: str) -> list[str]:
    """The keys (shoppers.<key>) of what is wrong with a typed name and city."""
    problems = []
    if not (storable(name) and storable(city)):
        problems.append("unreadable")
    elif not name.strip():
        problems.append("name_missing")
    elif limits.too_long(name, limits.SHOPPER_NAME):
        problems.append("name_long")
    if storable(city) and limits.too_long(city, limits.SHOPPER_CITY):
        problems.append("city_long")
    return problems


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


def _text(form, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""

