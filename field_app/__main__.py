"""The phone build's entry point (`flet build` runs this module) and `python -m field_app`."""

from .app import run_phone

run_phone()
