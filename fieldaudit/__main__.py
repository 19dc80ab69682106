"""`python -m fieldaudit ...`, the same as the `fieldaudit` command."""

from .cli import cli

cli()
