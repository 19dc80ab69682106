"""`fieldaudit sync` and `fieldaudit pair`: the phone's sync from a laptop, a script or a test.

Each opens the same data folder as `fieldaudit app --data`, calls one `SyncService`
method and turns the outcome into a message and an exit code. A test may hand an httpx
transport (and a `sleep`) in `obj={"transport": ..., "sleep": ...}`.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import click

from field_app.domain.clock import SystemClock

from .errors import InvalidServerUrlError, NetworkError, NotPairedError, ServerRefusedError
from .report import SyncProgress, SyncReport
from .service import SyncService

EXIT_LEFT = 1
EXIT_NOT_PAIRED = 2

DATA_OPTION = click.option(
    "--data", "data", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The phone's data folder, as for `fieldaudit app` (default: $FLET_APP_STORAGE_DATA, else data/app).",
)


@click.command()
@DATA_OPTION
@click.pass_context
def sync(ctx: click.Context, data: Path | None) -> None:
    """Sync once: fetch the route, send finalized visits and their photos.

    Exits 0 when nothing is left to send, 1 when something is left (the network failed,
    or it was made under another shopper's account) or was refused, 2 when the data
    folder is not paired (see `fieldaudit pair`).
    """
    with _opened(ctx, data) as service:
        line = _ProgressLine()
        try:
            report = service.sync_now(on_progress=line)
        except NotPairedError:
            line.end()
            click.echo("This data folder is not paired with a server: run `fieldaudit pair` first.", err=True)
            ctx.exit(EXIT_NOT_PAIRED)
        line.end()
    _summary(report)
    if report.unpaired:
        ctx.exit(EXIT_NOT_PAIRED)
    ctx.exit(0 if report.complete else EXIT_LEFT)


@click.command()
@DATA_OPTION
@click.option("--server", required=True, help="The sync server's address, e.g. https://audit.example.com.")
@click.option("--code", required=True, help="The one-time pairing code made by a coordinator.")
@click.option("--device-name", default=None, help="How the console lists this device (default: the host name).")
@click.pass_context
def pair(ctx: click.Context, data: Path | None, server: str, code: str, device_name: str | None) -> None:
    """Pair a data folder with a sync server, using a coordinator's one-time code."""
    with _opened(ctx, data) as service:
        try:
            name = service.pair(server, code, device_name or socket.gethostname() or "laptop")
        except InvalidServerUrlError as error:
            raise click.BadParameter(str(error), param_hint="--server")
        except ServerRefusedError as error:
            raise click.ClickException(f"the server refused the pairing ({error.code}): {error.message}")
        except NetworkError as error:
            raise click.ClickException(f"cannot reach the server: {error.message}")
    click.echo(f"paired with {server} as {name}")


class _opened:
    """The data folder's store and a sync service over it, closed at the end."""

    def __init__(self, ctx: click.Context, data: Path | None) -> None:
        # Imported here: the app module loads Flet, which `fieldaudit --help` need not wait for.
        from field_app.app import data_dir, open_service

        self.field = open_service(data_dir(data))
        given = ctx.obj if isinstance(ctx.obj, dict) else {}
        self.service = SyncService(self.field.store, self.field.photos_dir, clock=SystemClock(),
                                   transport=given.get("transport"), sleep=given.get("sleep", time.sleep))

    def __enter__(self) -> SyncService:
        return self.service

    def __exit__(self, *exc_info: object) -> None:
        self.field.store.close()


class _ProgressLine:
    """One line on stderr, rewritten when the percentage of bytes sent changes."""

    def __init__(self) -> None:
        self.shown: tuple[str, int] | None = None

    def __call__(self, progress: SyncProgress) -> None:
        if progress.phase == "done":
            return
        percent = progress.bytes_done * 100 // progress.bytes_total if progress.bytes_total else 0
        if (progress.phase, percent) == self.shown:
            return
        self.shown = (progress.phase, percent)
        click.echo(f"\r{progress.phase:<7} {percent:3d}%  {_size(progress.bytes_done)} of "
                   f"{_size(progress.bytes_total)}", nl=False, err=True)

    def end(self) -> None:
        if self.shown is not None:
            click.echo(err=True)


def _summary(report: SyncReport) -> None:
    pulled = "route updated" if report.pulled else "route not updated"
    click.echo(f"{pulled}; sent {report.sent_revisions} visit revision(s) and {report.sent_photos} photo(s), "
               f"{_size(report.bytes_sent)}")
    for item in report.refused:
        click.echo(f"refused: {item.subject}: {item.code}: {item.message}")
    if report.unpaired:
        click.echo("The server no longer accepts this device: pair it again with `fieldaudit pair`.")
    elif report.network_failed:
        # The network failed, or the server could not take an item now (the others may
        # have gone): the error says which.
        click.echo(f"not everything went, what is left goes next time: {report.network_error}")
    if report.held_visits:
        click.echo(f"{report.held_visits} visit(s) made under another shopper's account wait for that account "
                   "to be paired again: they are not sent under this one")
    click.echo(f"left to send: {report.left_to_send}")


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.1f} MB"
