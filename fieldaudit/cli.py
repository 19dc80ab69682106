"""The `fieldaudit` command: the phone's commands (`app`, `checklists`, `pair`, `sync`),
the server's (`server`, `admin`) and `demo`, which runs both. Each side's commands load
their own packages only when they run, so an install without an extra still starts and
names the extra a command needs."""

from __future__ import annotations

from pathlib import Path

import click

from field_app.cli import app, checklists, require_web_client
from field_app.sync.cli import pair, sync
from server_stub.cli import admin, require_server, server


@click.group()
@click.version_option(package_name="fieldaudit")
def cli() -> None:
    """Field audit kit for mystery shopping: checklists, the phone app, the sync server."""


@cli.command()
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), default=Path("data/demo"),
              show_default=True, help="Folder for the demo's server and app data (delete it to start again).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve both on.")
@click.option("--port", type=int, default=8550, show_default=True, help="Port of the shopper's app (web client).")
@click.option("--server-port", type=int, default=8000, show_default=True, help="Port of the sync server.")
def demo(data: Path, host: str, port: int, server_port: int) -> None:
    """Start the sync server with demo data and the shopper's app paired to it.

    The server gets a coordinator login, a shopper, three dealerships and a route around
    today; the app is paired as that shopper and pulls the route. Prints the addresses
    and logins.
    """
    require_server()
    require_web_client()
    from .demo import run_demo

    run_demo(data, host=host, app_port=port, server_port=server_port)


for command in (app, checklists, sync, pair, server, admin):
    cli.add_command(command)


if __name__ == "__main__":
    cli()
