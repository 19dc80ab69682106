"""The `fieldaudit` command: each command calls one library function and turns a named
error into a clear message and an exit code."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .domain.canonical import checklist_sha256
from .domain.checklist import Checklist
from .domain.errors import ChecklistError, DomainError, Problem
from .domain.loader import load_checklist
from .domain.registry import Registry, layout_problem, parse_reference
from .domain.outline import outline
from .paths import checklists_dir
from .sync.cli import pair, sync

@click.group()
@click.version_option(package_name="fieldaudit")
def cli() -> None:
    """Field audit kit for mystery shopping: checklists, the phone app, the sync server."""


@cli.command()
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the phone's data (default: $FLET_APP_STORAGE_DATA on a phone, else data/app).")
@click.option("--port", type=int, default=8550, show_default=True, help="Port of the web client.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve the web client on.")
@click.option("--demo", is_flag=True, help="Fill an empty store with a demo route for today.")
def app(data: Path | None, port: int, host: str, demo: bool) -> None:
    """Start the shopper's app (the web client sized for a phone when there is no display)."""
    from .app import run_app

    run_app(data, host=host, port=port, demo=demo)


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
    from .full_demo import run_demo

    run_demo(data, host=host, app_port=port, server_port=server_port)


@cli.group()
def checklists() -> None:
    """Write, check and read versioned checklists."""


@checklists.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check checklist files (or folders of them).

    Prints one line per problem (path: question id: field: message) and exits 1, or
    prints each file's id, version and sha256 and exits 0.
    """
    files = [f for p in paths for f in (sorted(p.rglob("*.yaml")) if p.is_dir() else [p])]
    if not files:
        raise click.UsageError("no .yaml files under the given paths")
    problems: list[Problem] = []
    seen: dict[tuple[str, int], tuple[str, Path]] = {}
    for path in files:
        try:
            checklist = load_checklist(path)
        except ChecklistError as exc:
            problems.extend(exc.problems)
            continue
        sha = checklist_sha256(checklist)
        misplaced = layout_problem(path, checklist)
        if misplaced:
            problems.append(misplaced)
        key = (checklist.id, checklist.version)
        if key in seen and seen[key][0] != sha:
            problems.append(Problem(
                str(path), None, "version",
                f"{checklist.id}@{checklist.version} has other content in {seen[key][1]}; give it a new version",
            ))
        seen.setdefault(key, (sha, path))
        if not problems:
            click.echo(f"{path}: ok {checklist.id}@{checklist.version} sha256 {sha}")
    if problems:
        for problem in problems:
            click.echo(problem.line())
        raise SystemExit(1)


@checklists.command()
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print the canonical JSON instead of an outline.")
def show(reference: str, as_json: bool) -> None:
    """Show a checklist: ID for the newest version, ID@VERSION for one version."""
    try:
        checklist_id, version = parse_reference(reference)
        entry = Registry.from_directory(checklists_dir()).get(checklist_id, version)
    except (DomainError, ValueError) as exc:
        raise click.ClickException(str(exc))
    if as_json:
        click.echo(json.dumps(entry.checklist.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                              ensure_ascii=False, indent=2))
    else:
        click.echo(outline(entry.checklist, entry.sha256))


@checklists.command()
def schema() -> None:
    """Print the JSON Schema of the checklist format (for editors)."""
    click.echo(json.dumps(Checklist.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))


cli.add_command(sync)
cli.add_command(pair)


# Only click is imported here: the server loads when one of its commands runs.
from server_stub.cli import admin as _server_admin, server as _server  # noqa: E402

cli.add_command(_server)
cli.add_command(_server_admin)


if __name__ == "__main__":
    cli()
