"""Benchmark: the 20-photo visit of benchmarks/sync.py through a slow link, against the
link's own limit, for this sync client and the one of the commit before it, side by side.

Run as ``.venv/bin/python benchmarks/sync_link.py [--before REV]`` (about 4 minutes).

The visit (its revision and 20 camera-like photos, 4.78 MB) is made once, by the code of
`--before`, on a phone paired with a server: both data folders are kept. For each link
(1 Mbit/s up with a 300 ms round trip, 2 Mbit/s with 200 ms), with and without a cut every
200-400 KB (the same cut positions for both clients), each client gets fresh copies of
the two folders, a server of this checkout on its copy and a proxy that is the link
(`tests/cutting_proxy.py`: the bandwidth shared by every connection, half the round trip
each way, a round trip to open a connection); the client runs in a process of its own,
with `field_app` from this checkout or from `--before` (checked out by `git worktree`),
and syncs until nothing is left. The two clients of one case run at the same time, each on
its own server and link. Prints one JSON object:

    machine                     where the figures came from
    payload_bytes               the revision's JSON and the photos' bytes
    before / after              the clients' commits
    <link>.<cuts>.<client>      wall_s (the first sync_now to the last one's end),
                                limit_s = payload*8/bandwidth, time_over_limit =
                                wall_s/limit_s, bytes_over_payload (what went up the link,
                                cut bytes included, over the payload), cuts, runs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = "--code" in sys.argv
if CHILD:
    # Everything from the tree given by --code (on PYTHONPATH), not from this script's.
    sys.path.remove(str(Path(__file__).resolve().parent))
else:
    sys.path.insert(0, str(ROOT / "tests"))

# The commit before this client: its sync client asked about every photo before sending it.
BEFORE = "67bcd00"
LINKS = {"1mbit_300ms": (1_000_000, 0.300), "2mbit_200ms": (2_000_000, 0.200)}
CUT_EVERY = (200_000, 400_000)
SEED = 20261123


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="the commit whose sync client is compared")
    parser.add_argument("--links", default=",".join(LINKS), help="which links, comma-separated")
    args = parser.parse_args()
    before = _git("rev-parse", "--short", args.before)
    after = _git("rev-parse", "--short", "HEAD") + ("+" if _git("status", "--porcelain", "--", "field_app") else "")
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        tree = work / "before"
        _git("worktree", "add", "--detach", str(tree), before)
        try:
            payload = _prepare(tree, work / "visit")
            results: dict = {"machine": _machine(), "payload_bytes": payload, "before": before, "after": after}
            for name in args.links.split(","):
                bandwidth, rtt = LINKS[name]
                for cuts in ("no_cuts", "cuts"):
                    with ThreadPoolExecutor(2) as pool:
                        runs = {client: pool.submit(_case, work / f"{name}-{cuts}-{client}", work / "visit",
                                                    code, bandwidth, rtt, cuts == "cuts", payload)
                                for client, code in (("before", tree), ("after", ROOT))}
                        results.setdefault(name, {})[cuts] = {client: run.result() for client, run in runs.items()}
        finally:
            _git("worktree", "remove", "--force", str(tree))
    print(json.dumps(results))


def _case(folder: Path, visit: Path, code: Path, bandwidth: float, rtt: float, cut: bool, payload: int) -> dict:
    """One client through one link: fresh copies of the server's and the phone's data."""
    from cutting_proxy import CuttingProxy, Link
    from samples import DEMO_NOW
    from server_support import LiveServer

    from field_app.domain.clock import ManualClock
    from server_stub.settings import Settings

    shutil.copytree(visit, folder)
    settings = Settings(data_dir=folder / "server", clock=ManualClock(DEMO_NOW))
    with LiveServer.start(settings) as server:
        with CuttingProxy(server.port, link=Link(bandwidth, rtt), seed=SEED,
                          cut_every=CUT_EVERY if cut else None) as proxy:
            answer = _run_client(code, "--client", str(folder / "phone"), proxy.url)
            sent, cuts = proxy.counts.bytes_up, proxy.counts.cuts
    limit = payload * 8 / bandwidth
    return {"wall_s": round(answer["wall_s"], 2), "limit_s": round(limit, 2),
            "time_over_limit": round(answer["wall_s"] / limit, 3), "bytes_over_payload": round(sent / payload, 3),
            "cuts": cuts, "runs": answer["runs"], "complete": answer["complete"]}


def _prepare(code: Path, folder: Path) -> int:
    """The server's and the phone's data with the finalized visit not yet sent, made by the
    code in `code`; returns the payload's bytes."""
    return _run_client(code, "--prepare", str(folder))["payload_bytes"]


def _run_client(code: Path, *args: str) -> dict:
    """This script again, in a process whose `field_app` (and tests, benchmarks) are `code`'s."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(code / sub) for sub in ("", "tests", "benchmarks")))
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args, "--code", str(code)],
                          env=env, cwd=code, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} in {code} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- in the child process --------------------------------------------------------------


def _child_prepare(folder: Path) -> dict:
    from samples import DEMO_NOW
    from server_support import LiveServer
    from sync import finalized_visit

    from field_app.domain.clock import ManualClock
    from server_stub.settings import Settings

    clock = ManualClock(DEMO_NOW)
    with LiveServer.start(Settings(data_dir=folder / "server", clock=clock)) as server:
        uuid, service, _ = finalized_visit(server, folder, clock)
        visit = service.visit(uuid)
        payload = len(service.store.revision_payload(uuid, visit.revision))
        payload += sum(service.photo_path(photo.sha256).stat().st_size for photo in visit.photos)
    return {"payload_bytes": payload}


def _child_sync(phone: Path, url: str) -> dict:
    from samples import DEMO_NOW

    from field_app.app import open_service
    from field_app.domain.clock import ManualClock
    from field_app.sync.service import SyncService

    clock = ManualClock(DEMO_NOW)
    service = open_service(phone, clock)
    sync = SyncService(service.store, service.photos_dir, clock=clock)
    service.store.set_setting("sync.server_url", url)
    started = time.perf_counter()
    runs = 0
    while True:
        runs += 1
        report = sync.sync_now()
        if report.complete or runs >= 50:
            break
    return {"wall_s": time.perf_counter() - started, "runs": runs, "complete": report.complete}


def _child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare")
    parser.add_argument("--client", nargs=2)
    parser.add_argument("--code", required=True)
    args = parser.parse_args(argv)
    import field_app

    where = Path(field_app.__file__).resolve().parent.parent
    if where != Path(args.code).resolve():
        raise SystemExit(f"field_app came from {where}, not {args.code}")
    answer = _child_prepare(Path(args.prepare)) if args.prepare else _child_sync(Path(args.client[0]), args.client[1])
    print(json.dumps(answer))


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{platform.node()}: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}; the link is simulated on loopback"


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    if CHILD:
        _child(sys.argv[1:])
    else:
        main()
