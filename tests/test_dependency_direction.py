"""Dependencies point one way: the phone app (`field_app`) imports neither the server nor
the command root; the server (`server_stub`) uses the phone's domain and photo checks and
nothing else of it; only `fieldaudit` (the command and the full demo) joins the two."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the server may use of the phone: its domain, the checks a photo must pass, and how
# a photo's EXIF capture time and GPS are read (the proof of a visit reads them back).
SERVER_MAY_USE = ("field_app.domain", "field_app.photos.decode", "field_app.photos.errors",
                  "field_app.photos.metadata", "field_app.photos.pipeline")


def absolute_imports(path: Path, package: str) -> set[str]:
    """Every module `path` imports, relative imports resolved against `package`."""
    module_parts = package.split(".")
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module_parts[: len(module_parts) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            names.add(stem)
            if node.module is None or node.level:
                names.update(f"{stem}.{alias.name}" for alias in node.names)
    return names


def imports_of(top: str) -> dict[str, set[str]]:
    found = {}
    for path in sorted((ROOT / top).rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        # A module's relative imports resolve against the package that holds it.
        package = ".".join(relative.parts[:-1])
        found[str(relative)] = absolute_imports(path, package)
    return found


def offenders(top: str, allowed) -> dict[str, list[str]]:
    bad = {}
    for module, names in imports_of(top).items():
        wrong = sorted(n for n in names if not allowed(n))
        if wrong:
            bad[module] = wrong
    return bad


def test_the_phone_app_imports_neither_the_server_nor_the_command_root():
    assert offenders("field_app", lambda n: n.split(".")[0] not in ("server_stub", "fieldaudit")) == {}


def test_the_sync_client_and_the_store_import_no_flet():
    # `fieldaudit sync` and `fieldaudit pair` run with no Flet page; the app's secure
    # storage of the device token (`field_app.secure_vault`) comes in through `TokenVault`.
    for top in ("field_app/sync", "field_app/store"):
        assert offenders(top, lambda n: n.split(".")[0] not in ("flet", "flet_secure_storage")) == {}, top


def test_the_server_uses_only_the_phones_domain_and_photo_checks():
    def allowed(name: str) -> bool:
        if name.split(".")[0] == "fieldaudit":
            return False
        if name.split(".")[0] != "field_app":
            return True
        return any(name == use or name.startswith(use + ".") for use in SERVER_MAY_USE)

    assert offenders("server_stub", allowed) == {}


def test_the_direction_check_sees_a_wrong_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from server_stub.store import open_store\nfrom ..services import FieldService\n"
                   "import fieldaudit.cli\n", encoding="utf-8")
    names = absolute_imports(bad, "field_app.sync")
    assert {"server_stub.store", "field_app.services", "fieldaudit.cli"} <= names
