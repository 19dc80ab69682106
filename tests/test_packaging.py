"""What a phone build packages: the dependency list flet-cli reads, every binary package
in the phone's closure one of Flet's mobile builds at its version, and the app folder
flet-cli packs holding the app and nothing of the server.

flet-cli's own steps run here (its entry-point check and its reading of pyproject.toml);
the Flutter build itself needs the Flutter SDK, which these machines lack.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata as metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MOBILE = tomllib.loads((ROOT / "packaging" / "mobile-wheels.toml").read_text(encoding="utf-8"))
MOBILE_VERSIONS = {canonicalize_name(name): entry["version"] for name, entry in MOBILE["packages"].items()}
SERVER_SIDE = {"fastapi", "uvicorn", "starlette", "sqlalchemy", "psycopg", "psycopg-binary", "jinja2",
               "openpyxl", "segno", "flet-web", "python-multipart"}


def requirements(dist: metadata.Distribution) -> list[Requirement]:
    """What `dist` needs when installed with no extras, on this platform."""
    needed = []
    for line in dist.requires or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            needed.append(requirement)
    return needed


def closure(root: str) -> dict[str, metadata.Distribution]:
    """Every installed distribution `root` needs, itself left out."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [req.name for req in requirements(metadata.distribution(root))]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        dist = metadata.distribution(name)
        seen[name] = dist
        todo.extend(req.name for req in requirements(dist))
    return seen


def is_pure(dist: metadata.Distribution) -> bool:
    wheel = dist.read_text("WHEEL") or ""
    return "Root-Is-Purelib: true" in wheel


def declared() -> dict[str, Requirement]:
    return {canonicalize_name(Requirement(line).name): Requirement(line)
            for line in PYPROJECT["project"]["dependencies"]}


def test_every_binary_package_of_the_phone_is_a_flet_mobile_build_at_its_version():
    phone = closure("fieldaudit")
    binary = {name: dist.version for name, dist in phone.items() if not is_pure(dist)}
    assert binary == {name: version for name, version in MOBILE_VERSIONS.items() if name in binary}
    assert set(binary) == set(MOBILE_VERSIONS), "the list names a package the phone no longer needs"
    assert not SERVER_SIDE & set(phone)


def test_the_phones_binary_packages_are_pinned_to_flets_builds():
    pins = declared()
    for name, version in MOBILE_VERSIONS.items():
        assert str(pins[name].specifier) == f"=={version}", name


def third_party_imports(package: Path) -> set[str]:
    stdlib = sys.stdlib_module_names
    names = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in stdlib and name not in ("field_app", "__future__")}


def test_the_declared_dependencies_are_what_the_phone_app_imports():
    by_module = metadata.packages_distributions()
    imported = {canonicalize_name(by_module[name][0]) for name in third_party_imports(ROOT / "field_app")}
    # The binary packages pinned for flet's sake (msgpack) and pydantic's (its core) are
    # in the list without being imported; tzdata is read by zoneinfo where the system has
    # no time zone files (Android).
    assert set(declared()) == imported | set(MOBILE_VERSIONS) | {"tzdata"}


@pytest.fixture(scope="module")
def flet_build():
    """flet-cli 1.0.5's build command, set up for this repository as `flet build apk` is,
    up to where it would need the Flutter SDK."""
    from flet_cli.commands.build import Command
    from flet_cli.utils.pyproject_toml import load_pyproject_toml

    command = Command(argparse.ArgumentParser())
    command.options = argparse.Namespace(module_name=None, python_app_path=str(ROOT), exclude=None,
                                         include=None, default_excludes=None)
    command.python_app_path = ROOT
    command.get_pyproject = load_pyproject_toml(ROOT)
    command.config_platform = "android"
    command.target_platform = "apk"

    def stop(code, message=""):
        raise AssertionError(f"flet build stops ({code}): {message}")

    command.cleanup = stop
    return command


def test_flet_build_finds_the_entry_module(flet_build):
    flet_build.validate_entry_point()
    assert flet_build.python_module_name == "main"
    entry = flet_build.package_app_path / flet_build.python_module_filename
    assert "run_phone()" in entry.read_text(encoding="utf-8")


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_flet_build_packages_the_phone_dependencies(flet_build, platform):
    from flet_cli.utils.project_dependencies import get_project_dependencies

    # As package_python_app reads them: [project].dependencies plus the platform's own.
    packaged = get_project_dependencies(flet_build.get_pyproject("project.dependencies")) or []
    packaged += get_project_dependencies(flet_build.get_pyproject(f"tool.flet.{platform}.dependencies")) or []
    names = {canonicalize_name(Requirement(line).name) for line in packaged}
    assert names == set(declared())
    assert not names & SERVER_SIDE


def test_flet_build_packs_the_app_without_the_server(flet_build):
    from flet_cli.utils.app_excludes import find_default_excludes

    flet_build.validate_entry_point()
    app_folder = flet_build.package_app_path
    explicit = ["build", *flet_build.get_platform_setting("app.exclude", [])]
    excluded = set(explicit) | set(find_default_excludes(app_folder, [], explicit))
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    top_level = {line.split("/")[0] for line in tracked.stdout.splitlines()}
    packed = {name for name in top_level if name not in excluded}
    assert packed == {"field_app", "main.py", "assets", "pyproject.toml"}


def test_the_readmes_build_commands_ask_for_the_python_flet_built_the_binaries_for():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in ("apk", "ipa"):
        assert f"flet build {target} --python-version {MOBILE['python']}" in readme
