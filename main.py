"""The phone build's entry point: `flet build` looks for `[tool.flet.app].module` (this
file) at the root of the app folder and runs it."""

from field_app.app import run_phone

run_phone()
