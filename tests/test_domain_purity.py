"""The domain stays pure: no UI, network, storage or server code in `field_app/domain`."""

import ast
import subprocess
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[1] / "field_app" / "domain"
FORBIDDEN = ("flet", "httpx", "sqlite_utils", "sqlite3", "server_stub", "fastapi", "PIL")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            names.add("field_app." + (node.module or ""))  # reaches outside the domain
    return names


def test_domain_modules_import_nothing_forbidden():
    offenders = {}
    for path in DOMAIN.glob("*.py"):
        bad = {m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN or
               (m.startswith("field_app.") and not m.startswith("field_app.domain"))}
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}


def test_importing_the_whole_domain_loads_no_forbidden_package():
    modules = [f"field_app.domain.{p.stem}" for p in DOMAIN.glob("*.py") if p.stem != "__init__"]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_purity_check_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import httpx\nfrom sqlite_utils import Database\nfrom ..store import Store\n")
    assert {"httpx", "sqlite_utils", "field_app.store"} <= imported_modules(bad)
