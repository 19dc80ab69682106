"""The phone's side of the `fieldaudit` command (`app`, `checklists`; `sync` and `pair`
are in `sync/cli.py`): each command calls one library function and turns a named error
into a clear message and an exit code. The root that gathers them is `fieldaudit.cli`."""

from __future__ import annotations

import json
import os
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path

import click

from .domain.canonical import checklist_sha256
from .domain.checklist import Checklist
from .domain.due import DEFAULT_TIMEZONE, parse_moment
from .domain.follow_up_plan import follow_up_plan
from .domain.errors import ChecklistError, DomainError, Problem
from .domain.loader import load_checklist
from .domain.registry import Registry, layout_problem, parse_reference
from .domain.outline import outline
from .domain.resources import shipped_checklists
from .domain.workdays import read_calendar_years, shipped_calendar

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
            problems.append(Problem(str(path), None, "version", "version_twice", {
                "checklist": checklist.id, "version": str(checklist.version), "other": str(seen[key][1]),
            }))
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
@click.argument("reference")
@click.option("--start", "start", required=True, help="When the visit started: ISO moment with its offset.")
@click.option("--finish", "finish", default=None, help="When it was finalized (default: the start).")
@click.option("--answers", "answers", default="{}",
              help='The visit\'s answers as JSON, e.g. \'{"car_collected_at": "2026-12-07T18:00:00+03:00"}\'.')
@click.option("--tz", "zone", default=DEFAULT_TIMEZONE, show_default=True, help="The dealership's IANA time zone.")
@click.option("--brand", default="", help="The dealership's brand, for brand rules.")
@click.option("--calendar", "calendar_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A JSON file of calendar years to add to the shipped ones (as import-calendar).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def due(reference: str, start: str, finish: str | None, answers: str, zone: str, brand: str,
        calendar_file: Path | None, as_json: bool) -> None:
    """When each follow-up of a checklist opens, closes and is put to the shopper.

    Moments are printed in the dealership's time zone, with their offset, so that a rule
    can be checked against the production calendar.
    """
    try:
        checklist_id, version = parse_reference(reference)
        entry = Registry.from_directory(checklists_source()).get(checklist_id, version)
        extra = read_calendar_years(calendar_file.read_text(encoding="utf-8")) if calendar_file else []
        plans = follow_up_plan(entry.checklist, start=_moment("--start", start),
                               finish=_moment("--finish", finish) if finish else None,
                               answers=_answers(answers), zone=zone, brand=brand,
                               calendar=shipped_calendar().with_years(extra))
    except (DomainError, ValueError) as exc:
        raise click.ClickException(str(exc))
    if as_json:
        click.echo(json.dumps({"follow_ups": [p.to_json() for p in plans]}, ensure_ascii=False, indent=2))
        return
    for p in plans:
        asked = "" if p.asked else "  (not asked: show_if)"
        click.echo(f"{p.id}: {p.rule}{asked}\n  opens {p.opens_at.isoformat()}\n"
                   f"  closes {p.closes_at.isoformat()}\n  asked {p.ask_at.isoformat()}")


def _moment(option: str, text: str) -> datetime:
    moment = parse_moment(text)
    if moment is None:
        raise click.BadParameter(f"{text!r} is not an ISO moment with an offset, e.g. 2026-12-07T15:00:00+03:00",
                                 param_hint=option)
    return moment


def _answers(text: str) -> dict:
    try:
        answers = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON ({exc.msg})", param_hint="--answers") from None
    if not isinstance(answers, dict):
        raise click.BadParameter('an object of question ids and values, e.g. {"q": true}', param_hint="--answers")
    return answers


@checklists.command()
def schema() -> None:
    """Print the JSON Schema of the checklist format (for editors)."""
    click.echo(json.dumps(Checklist.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))
