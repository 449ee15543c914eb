"""Click-to-first-scalar: from `POST /projects/NAME/tensorboard` to the first non-empty scalars
answer through Beekeeper's proxy, median of 5 cold starts, against the baseline from issue 4 run
here in the same way: TensorBoard started by hand and read through the stock
jupyter-server-proxy route /proxy/PORT/ (1.0 s, ~77 MB RSS measured there).

A real `jupyter server` with Beekeeper, a real project (git repo, uv venv), event files written
into its log dir before the clock starts.

    .venv/bin/python bench/tensorboard_ready.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "beekeeper_ext" / "example_project"))
from common import print_header  # noqa: E402
from live_server import LiveServer  # noqa: E402
from tbevents import SummaryWriter  # noqa: E402

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x", "GIT_CONFIG_NOSYSTEM": "1"}


def make_repo(root: Path) -> str:
    work = root / "repo"
    work.mkdir()
    (work / "train.py").write_text("print('train')\n")
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *argv], cwd=work, check=True, env=GIT_ENV)
    return work.as_uri()


def tree_rss(pid: int) -> int:
    try:
        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.NoSuchProcess:
        return 0


def first_scalar(session: requests.Session, url: str, timeout: float = 120) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            response = session.get(url, params={"run": "exp", "tag": "loss"}, timeout=10)
            if response.status_code == 200 and response.json():
                return time.monotonic() - started
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.02)
    raise RuntimeError(f"no scalars from {url}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bk-bench-tb-") as tmp:
        root = Path(tmp)
        server = LiveServer(root, {"tensorboard_reload_interval": 5})
        session = requests.Session()
        session.headers["Authorization"] = f"token {server.token}"
        api = server.url + "beekeeper/api/"
        try:
            response = session.post(api + "projects", json={"name": "bench", "git_url": make_repo(root)})
            assert response.status_code == 201, response.text
            while (state := session.get(api + "projects/bench").json()["setup"]["state"]) not in ("ready", "failed"):
                time.sleep(0.2)
            assert state == "ready", state
            logdir = server.bk_home / "projects" / "bench" / "src" / "runs" / "exp"
            writer = SummaryWriter(str(logdir))
            for step in range(1000):
                writer.add_scalar("loss", 1 / (step + 1), step)
            writer.close()

            ours, ours_rss = [], []
            proxied = server.url + "beekeeper/tensorboard/bench/data/plugin/scalars/scalars"
            for _ in range(args.repeat):
                session.delete(api + "projects/bench/tensorboard")
                clicked = time.monotonic()
                status = session.post(api + "projects/bench/tensorboard").json()
                first_scalar(session, proxied)
                ours.append(time.monotonic() - clicked)
                ours_rss.append(tree_rss(status["pid"]))
            session.delete(api + "projects/bench/tensorboard")

            stock, stock_rss = [], []
            for _ in range(args.repeat):
                port = free_port()
                started = time.monotonic()
                tb = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir.parent),
                                       "--host", "127.0.0.1", "--port", str(port), "--reload_interval", "5"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                try:
                    first_scalar(session, server.url + f"proxy/{port}/data/plugin/scalars/scalars")
                    stock.append(time.monotonic() - started)
                    stock_rss.append(tree_rss(tb.pid))
                finally:
                    os.killpg(tb.pid, 15)
                    tb.wait()
        finally:
            server.stop()

    def row(name, times, rss):
        return (f"{name:<48} | {statistics.median(times):>8.2f} | {min(times):>6.2f} | {max(times):>6.2f} | "
                f"{statistics.median(rss) / 2**20:>8.0f}")

    print(f"\nclick-to-first-scalar, median of {args.repeat} cold starts, {psutil.cpu_count()} cores\n")
    header = f"{'route':<48} | {'median s':>8} | {'min s':>6} | {'max s':>6} | {'RSS MiB':>8}"
    print_header(header)
    print(row("Beekeeper: POST start → /beekeeper/tensorboard/", ours, ours_rss))
    print(row("baseline: hand-started TB → stock /proxy/PORT/", stock, stock_rss))
    print(f"\n(issue 4 baseline measured elsewhere: 1.0 s, ~77 MB; runs: ours {json.dumps([round(t, 2) for t in ours])},"
          f" stock {json.dumps([round(t, 2) for t in stock])})")


if __name__ == "__main__":
    main()
