"""`GET /runs` sorted on the server by a metric (and by a param, and unsorted), p50/p99, with
10,000 runs over 100 projects that each carry 5 metric summaries.

The rows are inserted through the store directly (what 10,000 real runs would have left in
beekeeper.db), then a real `jupyter server` with Beekeeper opens that home and answers over HTTP
with keep-alive, one request at a time, as the Runs tab asks for a page.

    .venv/bin/python bench/runs_list.py [--runs 10000 --projects 100 --repeat 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from common import machine, print_header  # noqa: E402
from live_server import LiveServer  # noqa: E402
from seeded_runs import finished_runs, stamp  # noqa: E402

from beekeeper_ext.store import Store  # noqa: E402

TAGS = ("loss/train", "loss/test", "acc/test", "lr", "grad_norm")
#: The previous session's measurement (docs: prev-note, load average 10-20), shown beside today's.
BEFORE = {"sort=metric:loss/test:min, all projects": "128 / 909", "no sort (newest first), all projects": "70 / 144",
          "(floor: Jupyter GET /api/status)": "10 / 62"}


def populate(home: Path, runs: int, projects: int) -> None:
    home.mkdir(parents=True)
    store = Store(home / "beekeeper.db")
    rng = random.Random(0)
    now = datetime.now(timezone.utc)
    for p in range(projects):
        store.insert_project({"name": f"proj{p:03d}", "git_url": f"file:///nowhere/proj{p}.git", "branch": "main",
                              "train_file": "train.py", "tensorboard_log_dir": "runs",
                              "requirements_file": "requirements.txt", "env": {}, "setup_state": "ready",
                              "created": stamp(now), "updated": stamp(now), "packages": []})
    metric_rows = []
    store.db.execute("BEGIN IMMEDIATE")
    for run in finished_runs(runs, [f"proj{p:03d}" for p in range(projects)], now, rng=rng):
        store.insert_run(run)
        for tag in TAGS:
            low = rng.random()
            metric_rows.append((run["id"], tag, "events", low + 0.1, low, low + 1.0, 1000, time.time(), 1000))
    store.db.execute("COMMIT")
    store.insert_metric_rows(metric_rows)
    store.close()


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def settle(proc: psutil.Process, quiet: float = 0.05, timeout: float = 120) -> float:
    """Wait until the fresh server's start-up work (its first metrics pass over every project)
    is done: under `quiet` of a core over a second. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = cpu_seconds(proc)
        time.sleep(1.0)
        if cpu_seconds(proc) - before < quiet:
            break
    return time.monotonic() - started


def measure(session: requests.Session, url: str, params: dict, repeat: int,
            proc: psutil.Process) -> tuple[list[float], float]:
    """Sorted latencies, and the server's CPU milliseconds per request (user + system): the
    figure a loaded machine does not distort."""
    fresh = params.pop("fresh", False)  # a different first page each time: the server makes every one anew
    for _ in range(5):  # the first few warm the server's caches
        assert session.get(url, params=params, timeout=60).status_code == 200
    times = []
    cpu = cpu_seconds(proc)
    for i in range(repeat):
        if fresh:  # 40 page sizes in turn: more than the server keeps, so none is kept long enough
            params["limit"] = 100 + i % 40
        started = time.perf_counter()
        response = session.get(url, params=params, timeout=60)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        times.append(elapsed)
    return sorted(times), (cpu_seconds(proc) - cpu) / repeat * 1000


def pct(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, int(round(q * (len(times) - 1))))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    cases = [
        ("sort=metric:loss/test:min, all projects", {"sort": "metric:loss/test:min"}),
        ("sort=-metric:acc/test:max, all projects", {"sort": "-metric:acc/test:max"}),
        ("sort=metric:loss/test:min, one project", {"sort": "metric:loss/test:min", "project": "proj042"}),
        ("  same, a new page each time (none kept)", {"sort": "metric:loss/test:min", "fresh": True}),
        ("sort=param:lr, all projects", {"sort": "param:lr"}),
        ("no sort (newest first), all projects", {}),
    ]
    with tempfile.TemporaryDirectory(prefix="bk-bench-runs-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        populate(root / "bkhome", args.runs, args.projects)
        print(f"inserted {args.runs:,} runs × {len(TAGS)} metrics in {time.perf_counter() - started:.1f} s", flush=True)
        server = LiveServer(root)
        try:
            session = requests.Session()
            session.headers["Authorization"] = f"token {server.token}"
            url = server.url + "beekeeper/api/runs"
            body = session.get(url, params={"sort": "metric:loss/test:min", "limit": 3}).json()
            assert body["total"] == args.runs and body["runs"][0]["metrics"]["loss/test"]["min"] <= \
                body["runs"][1]["metrics"]["loss/test"]["min"], body
            proc = psutil.Process(server.proc.pid)
            waited = settle(proc)
            results = [(name, *measure(session, url, {**params, "limit": 100}, args.repeat, proc))
                       for name, params in cases]
            results.append(("(floor: Jupyter GET /api/status)",
                            *measure(session, server.url + "api/status", {}, args.repeat, proc)))
        finally:
            server.stop()
    print(f"\nGET /beekeeper/api/runs?limit=100, {args.runs:,} runs over {args.projects} projects, {len(TAGS)} metrics "
          f"each; {args.repeat} requests per row, keep-alive, {machine()}; measured after the server's start-up "
          f"work settled ({waited:.0f} s)\n")
    header = (f"{'query':<44} | {'p50 ms':>7} | {'p99 ms':>7} | {'max ms':>7} | {'server CPU ms/req':>17} | "
              f"{'before: p50/p99':>15}")
    print_header(header)
    for name, times, cpu in results:
        print(f"{name:<44} | {pct(times, 0.5):>7.1f} | {pct(times, 0.99):>7.1f} | {times[-1] * 1000:>7.1f} | "
              f"{cpu:>17.1f} | {BEFORE.get(name, ''):>15}")
    worst = max(pct(times, 0.99) for _name, times, _cpu in results[:4])
    print(f"\nmetric-sorted p99: {worst:.1f} ms (target < 50 ms); median of the metric rows "
          f"{statistics.median(pct(t, 0.5) for _n, t, _c in results[:4]):.1f} ms. 'before': the last "
          f"session's figures (load 10-20), for comparison only")


if __name__ == "__main__":
    main()
