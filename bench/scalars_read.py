"""Time to a 2,000-point series of one scalar tag: Beekeeper's /runs/{id}/scalars/{tag} vs.
TensorBoard's own HTTP scalars route, on the same event files.

A real `jupyter server` with Beekeeper and a real run whose script writes 10 tags × 100,000
steps with tensorboard's own EventFileWriter (one event per tag and step, as
torch.utils.tensorboard does) into the fixed folder `out/`. Beekeeper reads the files while the
run goes, as it always does; then the server is restarted, so the first request is cold (a new
process, no cache in memory). TensorBoard's cold figure includes its start: from spawning
`tensorboard --logdir out` to the first answer holding the whole series (the last step).
Also printed: Beekeeper reading the same event files from scratch, in process (what a pass costs
when it has never seen the files), and how long after the run ended every point was read.

    .venv/bin/python bench/scalars_read.py [--tags 10 --steps 100000 --repeat 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from common import machine, print_header  # noqa: E402
from live_server import LiveServer  # noqa: E402

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x", "GIT_CONFIG_NOSYSTEM": "1"}

WRITER = """
import sys
sys.path.append(sys.argv[1])  # Beekeeper's site-packages: tensorboard's own writer, not the project's venv
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter
import math, time
tags, steps = int(sys.argv[2]), int(sys.argv[3])
writer = EventFileWriter("out", max_queue_size=1000, flush_secs=5)
Value, Summary, Event = summary_pb2.Summary.Value, summary_pb2.Summary, event_pb2.Event
for step in range(steps):
    now = time.time()
    for k in range(tags):
        value = math.exp(-step / 20000) + k + 0.01 * math.sin(step)
        writer.add_event(Event(wall_time=now, step=step, summary=Summary(value=[Value(tag=f"loss{k}", simple_value=value)])))
writer.close()
print("wrote", tags * steps, "events", flush=True)
"""


def make_repo(root: Path) -> str:
    work = root / "repo"
    work.mkdir()
    (work / "train.py").write_text(WRITER)
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *argv], cwd=work, check=True, env=GIT_ENV)
    return work.as_uri()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_for(server: LiveServer) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"token {server.token}"
    return session


def timed_get(session, url, **params) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = session.get(url, params=params, timeout=600)
    return time.perf_counter() - started, response


def tensorboard_cold(logdir: Path, tag: str, last_step: int, session: requests.Session) -> tuple[float, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/data/plugin/scalars/scalars"
    started = time.perf_counter()
    tb = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
                           "--port", str(port), "--reload_interval", "1"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        while time.perf_counter() - started < 900:
            try:
                response = requests.get(url, params={"run": ".", "tag": tag}, timeout=60)
                if response.status_code == 200:
                    points = response.json()
                    if points and points[-1][1] == last_step:
                        cold = time.perf_counter() - started
                        warm = []
                        for _ in range(ARGS.repeat):
                            started_warm = time.perf_counter()
                            requests.get(url, params={"run": ".", "tag": tag}, timeout=60).json()
                            warm.append(time.perf_counter() - started_warm)
                        TB_WARM.extend(warm)
                        TB_POINTS.append(len(points))
                        return cold, "rust data server" if has_data_server() else "python loader"
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.02)
        raise RuntimeError("TensorBoard never served the whole series")
    finally:
        os.killpg(tb.pid, signal.SIGTERM)
        tb.wait()


def has_data_server() -> bool:
    try:
        import tensorboard_data_server  # noqa: F401

        return True
    except ImportError:
        return False


def from_scratch(files: list[Path], tmp: Path) -> tuple[float, int]:
    """Beekeeper's reader on event files it has never seen: parse every record, write every series."""
    import numpy as np

    from beekeeper_ext import series
    from beekeeper_ext.scalars import ScalarCursor, read_points

    started = time.perf_counter()
    total = 0
    counts: dict[str, int] = {}
    for path in files:
        cursor = ScalarCursor()
        while True:
            before = cursor.offset
            points = read_points(path, cursor, 16 * 1024**2)
            if cursor.offset == before:
                break
            by_tag: dict[str, list] = {}
            for tag, step, wall, value in points:
                by_tag.setdefault(tag, []).append((step, wall, value))
            for tag, rows in by_tag.items():
                series.append(tmp, tag, rows, counts.get(tag, 0))
                counts[tag] = counts.get(tag, 0) + len(rows)
            total += len(points)
    elapsed = time.perf_counter() - started
    assert np.isfinite(elapsed)
    return elapsed, total


def spread(times: list[float]) -> str:
    """Median (p90) in ms."""
    ordered = sorted(times)
    return f"{statistics.median(ordered) * 1000:>7.1f} ({ordered[int(0.9 * (len(ordered) - 1))] * 1000:>5.1f})"


TB_WARM: list[float] = []
TB_POINTS: list[int] = []
ARGS: argparse.Namespace


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=10)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    ARGS = args = parser.parse_args()
    tag = "loss3"
    with tempfile.TemporaryDirectory(prefix="bk-bench-scalars-") as tmp:
        root = Path(tmp)
        srv = root / "srv"
        server = LiveServer(srv, {"scalars_interval": 2.0})
        try:
            session = session_for(server)
            api = server.url + "beekeeper/api/"
            response = session.post(api + "projects", json={  # the writer imports this interpreter's packages
                "name": "bench", "git_url": make_repo(root), "python_version": sys.version.split()[0]})
            assert response.status_code == 201, response.text
            while (state := session.get(api + "projects/bench").json()["setup"]["state"]) not in ("ready", "failed"):
                time.sleep(0.2)
            assert state == "ready", state
            site = sysconfig.get_paths()["purelib"]
            run = session.post(api + "projects/bench/runs", json={
                "args": [site, str(args.tags), str(args.steps)], "gpus": 0}).json()
            print(f"run {run['id']}: writing {args.tags * args.steps:,} events with tensorboard's EventFileWriter ...",
                  flush=True)
            write_started = time.perf_counter()
            while (run := session.get(api + f"runs/{run['id']}").json())["state"] not in (
                    "succeeded", "failed", "stopped", "lost"):
                time.sleep(0.5)
            assert run["state"] == "succeeded", session.get(api + f"runs/{run['id']}/log").text[-3000:]
            ended = time.perf_counter()
            print(f"  written in {ended - write_started:.0f} s", flush=True)
            while True:
                metrics = session.get(api + f"runs/{run['id']}").json()["metrics"]
                if len(metrics) == args.tags and all(m["count"] == args.steps for m in metrics.values()):
                    break
                time.sleep(0.1)
            lag = time.perf_counter() - ended
        finally:
            server.stop()

        server = LiveServer(srv, {"scalars_interval": 2.0})
        try:
            session = session_for(server)
            url = server.url + f"beekeeper/api/runs/{run['id']}/scalars/{tag}"
            cold, response = timed_get(session, url, max_points=2000)
            body = response.json()
            assert response.status_code == 200 and body["points"][-1][0] == args.steps - 1, body
            points = len(body["points"])
            warm = [timed_get(session, url, max_points=2000)[0] for _ in range(args.repeat)]
            other_cold, _ = timed_get(session, server.url + f"beekeeper/api/runs/{run['id']}/scalars/loss7",
                                      max_points=2000)
            floor = [timed_get(session, server.url + "api/status")[0] for _ in range(args.repeat)]
        finally:
            server.stop()

        logdir = srv / "bkhome" / "projects" / "bench" / "src" / "out"
        files = sorted(p for p in logdir.iterdir() if "tfevents" in p.name)
        size = sum(p.stat().st_size for p in files)
        scratch_dir = root / "scratch"
        scratch_dir.mkdir()
        scratch, total = from_scratch(files, scratch_dir)
        shutil.rmtree(scratch_dir)
        tb_cold, loader = tensorboard_cold(logdir, tag, args.steps - 1, session)

    ms = lambda s: f"{s * 1000:>10.1f}"  # noqa: E731
    print(f"\n{args.tags} tags × {args.steps:,} steps ({size / 2**20:.0f} MiB of event files), tag {tag}, "
          f"{machine()}; warm = median of {args.repeat} (p90 in brackets)\n")
    header = f"{'route':<58} | {'cold ms':>10} | {'warm ms':>16} | {'points':>6} | {'before cold/warm':>16}"
    print_header(header)
    print(f"{'Beekeeper GET /runs/ID/scalars/TAG?max_points=2000':<58} | {ms(cold)} | {spread(warm)} | "
          f"{points:>6} | {'619 / 86.5':>16}")
    print(f"{'  (cold: another tag, same server)':<58} | {ms(other_cold)} | {'':>16} | {'':>6} | {'':>16}")
    print(f"{'TensorBoard /data/plugin/scalars/scalars (' + loader + ')':<58} | {ms(tb_cold)} | "
          f"{spread(TB_WARM)} | {TB_POINTS[0]:>6} | {'8273 / 73.7':>16}")
    print(f"{'(floor: Jupyter GET /api/status on the same server)':<58} | {'':>10} | "
          f"{spread(floor)} | {'':>6} | {'- / 50':>16}")
    print("'before': the previous session's figures (load 10-20), for comparison only")
    print(f"\ncold speed-up: {tb_cold / cold:.0f}× (target ≥ 5×); warm: {statistics.median(warm) * 1000:.1f} ms "
          f"(target < 50 ms)")
    print(f"Beekeeper reading all {total:,} points from scratch (in process, no cache): {scratch:.1f} s "
          f"({scratch / total * 1e6:.1f} µs/point); every point read {lag:.1f} s after the run ended "
          f"(read while the run wrote)")


if __name__ == "__main__":
    main()
