"""The wheel is what a user installs: built once per run, installed (not editable) in a
fresh venv outside the checkout, first with no extras (the phone's set), then with
`[server]`, and used as a newcomer would: the shipped checklists, the server on SQLite,
a coordinator logging into the console."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import openpyxl
import pytest

from server_support import free_port, stop_server, wait_for

ROOT = Path(__file__).resolve().parents[1]
SERVER_ONLY = ("fastapi", "uvicorn", "starlette", "sqlalchemy", "psycopg", "jinja2", "openpyxl", "segno",
               "flet_web")
PACKAGE_DATA = (
    "field_app/checklists/showroom_visit/1.yaml",
    "field_app/translations/ru/visit.json",
    "server_stub/console/templates/base.html",
    "server_stub/console/static/console.css",
    "server_stub/console/translations/ru/base.json",
)

@dataclass
class Venv:
    folder: Path
    work: Path  # a folder outside the checkout, so nothing is imported from the source tree

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        result = subprocess.run([str(self.folder / "bin" / args[0]), *args[1:]], cwd=self.work, env=env,
                                input=stdin, capture_output=True, text=True, timeout=600)
        if check:
            assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
        return result


@dataclass
class Bare:
    """What the install with no extras showed, read before the server extra is added."""

    imported: str
    missing: str
    server: subprocess.CompletedProcess
    admin: subprocess.CompletedProcess
    demo: subprocess.CompletedProcess
    app: subprocess.CompletedProcess
    show: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (built,) = out.glob("fieldaudit-*.whl")
    return built


@pytest.fixture(scope="session")
def venv(tmp_path_factory, wheel) -> Venv:
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    made = Venv(folder, tmp_path_factory.mktemp("work"))
    made.run("python", "-m", "pip", "install", "--quiet", str(wheel))
    return made


@pytest.fixture(scope="session")
def bare(venv) -> Bare:
    phone_modules = (
        "import importlib, pkgutil, field_app\n"
        "names = [m.name for m in pkgutil.walk_packages(field_app.__path__, 'field_app.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(field_app.__file__, len(names))\n"
    )
    missing = f"import importlib.util; print([n for n in {SERVER_ONLY!r} if importlib.util.find_spec(n) is None])"
    return Bare(
        imported=venv.run("python", "-c", phone_modules).stdout,
        missing=venv.run("python", "-c", missing).stdout,
        server=venv.run("fieldaudit", "server", "--data", "data", check=False),
        admin=venv.run("fieldaudit", "admin", "create-shopper", "Иван Петров", "--data", "data", check=False),
        demo=venv.run("fieldaudit", "demo", "--data", "demo", check=False),
        app=venv.run("fieldaudit", "app", "--data", "app", check=False),
        show=venv.run("fieldaudit", "checklists", "show", "showroom_visit@1", check=False),
    )


@pytest.fixture(scope="session")
def server_venv(venv, bare, wheel) -> Venv:
    venv.run("python", "-m", "pip", "install", "--quiet", f"{wheel}[server]")
    return venv


def test_the_wheel_carries_its_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(PACKAGE_DATA) <= names
    assert not any(name.startswith(("tests/", "benchmarks/", "docs/")) for name in names)


def test_with_no_extras_every_phone_module_imports_from_the_installed_wheel(bare, venv):
    where, count = bare.imported.split()
    assert Path(where).is_relative_to(venv.folder)
    assert int(count) >= 50


def test_with_no_extras_nothing_of_the_server_is_installed(bare):
    assert bare.missing.strip() == repr(list(SERVER_ONLY))


SERVER_MISSING = "Error: the sync server is not installed here: pip install 'fieldaudit[server]'"
WEB_MISSING = "Error: the app's web client is not installed here: pip install 'fieldaudit[web]'"


@pytest.mark.parametrize("command, line", [("server", SERVER_MISSING), ("admin", SERVER_MISSING),
                                           ("demo", SERVER_MISSING), ("app", WEB_MISSING)])
def test_with_no_extras_a_command_that_needs_one_names_it_in_one_line(bare, command, line):
    result = getattr(bare, command)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [line]


def test_with_no_extras_the_shipped_checklists_are_found(bare):
    assert bare.show.returncode == 0, bare.show.stderr
    assert "showroom_visit@1" in bare.show.stdout


def import_xlsx_routes(venv: Venv, data: Path) -> str:
    """A dealership, a shopper and an XLSX route file planning one stop for them next week,
    imported by the installed server's CLI (openpyxl comes with the server extra)."""
    dealers = venv.work / "dealers.csv"
    dealers.write_text("code,name,brand,city\nMSK-07,Авто Плюс Север,Kia,Москва\n", encoding="utf-8")
    venv.run("fieldaudit", "admin", "import-dealers", str(dealers), "--data", str(data))
    venv.run("fieldaudit", "admin", "create-shopper", "Иван Петров", "--data", str(data))
    book = openpyxl.Workbook()
    book.active.append(["shopper", "date", "dealer", "checklist", "version", "window", "note"])
    book.active.append(["Иван Петров", date.today() + timedelta(days=7), "MSK-07", "showroom_visit", None,
                        "10:00-11:30", "с тест-драйвом"])
    routes = venv.work / "routes.xlsx"
    book.save(routes)
    return venv.run("fieldaudit", "admin", "import-routes", str(routes), "--data", str(data)).stdout


def test_with_the_server_extra_a_coordinator_logs_into_the_console(server_venv):
    validated = server_venv.run("fieldaudit", "checklists", "validate")
    assert validated.stdout.count(": ok ") == len(list((ROOT / "field_app" / "checklists").rglob("*.yaml")))
    # the production calendar ships as package data: a follow-up's window counts working days
    due = server_venv.run("fieldaudit", "checklists", "due", "showroom_visit@2", "--start",
                          "2026-12-07T15:00:00+03:00", "--json")
    assert '"closes_at": "2026-12-17T00:00:00+03:00"' in due.stdout, due.stdout + due.stderr
    data = server_venv.work / "server-data"
    server_venv.run("fieldaudit", "admin", "create-coordinator", "olga", "--data", str(data),
                    stdin="a long enough password\n")
    assert "1 stops for 1 shoppers on 1 days planned" in import_xlsx_routes(server_venv, data)
    port = free_port()
    log = server_venv.work / "server.log"
    process = subprocess.Popen([str(server_venv.folder / "bin" / "fieldaudit"), "server", "--data", str(data),
                                "--port", str(port)], cwd=server_venv.work, stdout=log.open("ab"),
                               stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, timeout=60, what="the installed server to answer")
        with httpx.Client(base_url=base, follow_redirects=True, timeout=10) as client:
            form = client.get("/console/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
            page = client.post("/console/login", data={"username": "olga", "password": "a long enough password",
                                                       "csrf": csrf})
            assert page.status_code == 200 and page.url.path == "/console/visits"
            checklists = client.get("/console/checklists")
            assert checklists.status_code == 200 and "showroom_visit" in checklists.text
            assert client.get("/console/static/console.css").status_code == 200
    finally:
        stop_server(process)
