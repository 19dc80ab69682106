"""The phone's side of the `fieldaudit` command (`app`, `checklists`; `sync` and `pair`
are in `sync/cli.py`): each command calls one library function and turns a named error
into a clear message and an exit code. The root that gathers them is `fieldaudit.cli`."""

from __future__ import annotations

import json
import os
from importlib.util import find_spec
from pathlib import Path

import click

from .domain.canonical import checklist_sha256
from .domain.checklist import Checklist
from .domain.errors import ChecklistError, DomainError, Problem
from .domain.loader import load_checklist
from .domain.registry import Registry, layout_problem, parse_reference
from .domain.outline import outline
from .domain.resources import shipped_checklists

WEB_CLIENT_MISSING = "the app's web client is not installed here: pip install 'fieldaudit[web]'"


def checklists_source():
    """The checklists `show` reads: $FIELDAUDIT_CHECKLISTS, else the ones this package ships."""
    folder = os.environ.get("FIELDAUDIT_CHECKLISTS")
    return Path(folder) if folder else shipped_checklists()


def require_web_client() -> None:
    """Off a phone the app is served as Flet's web client, which is the `web` extra."""
    if find_spec("flet_web") is None:
        raise click.ClickException(WEB_CLIENT_MISSING)


@click.command()
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the phone's data (default: $FLET_APP_STORAGE_DATA on a phone, else data/app).")
@click.option("--port", type=int, default=8550, show_default=True, help="Port of the web client.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve the web client on.")
@click.option("--demo", is_flag=True, help="Fill an empty store with a demo route for today.")
def app(data: Path | None, port: int, host: str, demo: bool) -> None:
    """Start the shopper's app (the web client sized for a phone when there is no display)."""
    require_web_client()
    from .app import run_app

    run_app(data, host=host, port=port, demo=demo)


@click.group()
def checklists() -> None:
    """Write, check and read versioned checklists."""


@checklists.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check checklist files (or folders of them); with none given, the shipped ones.

    Prints one line per problem (path: question id: field: message) and exits 1, or
    prints each file's id, version and sha256 and exits 0.
    """
    paths = paths or (Path(str(shipped_checklists())),)
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
        entry = Registry.from_directory(checklists_source()).get(checklist_id, version)
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
