"""Log streaming latency: Beekeeper's WebSocket follower vs. the original's SSE file re-reader.

Starts a real `jupyter server` with Beekeeper and a project whose train.py prints timestamped
lines at 10, 1,000 and 100,000 lines/s. For each rate, two clients follow the same run's log
at once: Beekeeper's `/runs/{id}/log/stream` WebSocket, and the original Beekeeper's mechanism
(a server-sent-events endpoint that re-reads the whole file every 0.5 s, implemented here as a
tiny tornado app in its own process over the same file). Each client records, for every line,
receive time minus the time written in the line, and counts lines lost. Last, a run writes a
100 MB log as fast as it can while a WebSocket client follows; the server's RSS growth is printed.

Usage: .venv/bin/python bench/log_latency.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from gitrepos import GitRepo  # noqa: E402
from live_server import LiveServer, free_port  # noqa: E402
from runhelpers import LiveApi  # noqa: E402

EMITTER = r'''
import os, sys, time
rate, duration, pad = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
filler = b"x" * pad
time.sleep(2.0)  # let the clients attach
total = int(rate * duration) if rate else int(duration)
start, n = time.time(), 0
while n < total:
    now = time.time()
    due = total if not rate else min(total, int((now - start) * rate) + 1)
    due = min(due, n + 2000)
    if due > n:
        ts = b"%.6f" % now
        os.write(1, b"".join(b"L %d %s %s\n" % (i, ts, filler) for i in range(n, due)))
        n = due
    else:
        time.sleep(0.0005)
os.write(1, b"done %d\n" % n)
'''

BASELINE_APP = r'''
import asyncio, sys
from tornado import web, ioloop
from tornado.iostream import StreamClosedError

class Events(web.RequestHandler):
    """The original mechanism: every 0.5 s, read the whole file again and send the new lines."""
    async def get(self):
        path, sent = self.get_argument("path"), 0
        self.set_header("Content-Type", "text/event-stream")
        while True:
            with open(path, "rb") as f:
                content = f.read()
            lines = content.split(b"\n")[:-1]
            new, sent = lines[sent:], len(lines)
            for line in new:
                self.write(b"data: " + line + b"\n\n")
            try:
                await self.flush()
            except StreamClosedError:
                return
            if any(line.startswith(b"done ") for line in new):
                return
            await asyncio.sleep(0.5)

app = web.Application([(r"/events", Events)])
app.listen(int(sys.argv[1]), "127.0.0.1")
ioloop.IOLoop.current().start()
'''


class Collector:
    """Turns received text into lines and records each line's latency and sequence number."""

    def __init__(self):
        self.latencies: list[float] = []
        self.seen: set[int] = set()
        self.pending = ""
        self.done: int | None = None

    def feed(self, text: str, received: float) -> None:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.line(line, received)

    def line(self, line: str, received: float) -> None:
        if line.startswith("L "):
            _, seq, ts, *_ = line.split(" ")
            self.seen.add(int(seq))
            self.latencies.append((received - float(ts)) * 1000)
        elif line.startswith("done "):
            self.done = int(line.split()[1])


def follow_ws(server: LiveServer, run_id: str, out: Collector) -> None:
    url = server.url.replace("http", "ws") + f"beekeeper/api/runs/{run_id}/log/stream?offset=0"
    # No UTF-8 re-check in Python: websocket-client's pure-Python validator (no wsaccel here) took 85 %
    # of this client's CPU at 100,000 lines/s, so that phase timed the client; a browser checks in C++.
    ws = websocket.create_connection(url, header=[f"Authorization: token {server.token}"], timeout=300,
                                     skip_utf8_validation=True)
    try:
        while True:
            message = json.loads(ws.recv())
            received = time.time()
            if message["type"] == "end":
                return
            out.feed(message["data"], received)
    finally:
        ws.close()


def follow_sse(port: int, path: Path, out: Collector) -> None:
    with requests.get(f"http://127.0.0.1:{port}/events", params={"path": str(path)}, stream=True,
                      timeout=300) as response:
        for raw in response.iter_lines():
            if raw.startswith(b"data: "):
                out.line(raw[6:].decode(), time.time())
                if out.done is not None:
                    return


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def start_run(api: LiveApi, args: list[str]) -> dict:
    code, run = api.post("projects/bench/runs", {"args": args, "gpus": 0})
    assert code == 201, run
    return api.wait_run(run["id"], ("running", "succeeded", "failed"))


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bk-bench-"))
    os.environ.update({"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
                       "GIT_COMMITTER_EMAIL": "b@b"})
    repo = GitRepo(work / "repo", {"train.py": EMITTER})
    server = LiveServer(work / "srv", {"max_concurrent_runs": 4})
    port = free_port()
    baseline = subprocess.Popen([sys.executable, "-c", BASELINE_APP, str(port)])
    try:
        api = LiveApi(server)
        api.create_project("bench", repo.url)
        time.sleep(1)
        rows = []
        for rate, duration in ((10, 5), (1000, 5), (100000, 3)):
            run = start_run(api, [str(rate), str(duration), "0"])
            log_path = server.bk_home / "projects" / "bench" / "runs" / run["id"] / "output.log"
            ws_out, sse_out = Collector(), Collector()
            threads = [threading.Thread(target=follow_ws, args=(server, run["id"], ws_out)),
                       threading.Thread(target=follow_sse, args=(port, log_path, sse_out))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(300)
            api.wait_run(run["id"])
            total = int(rate * duration)
            for name, out in (("Beekeeper WebSocket", ws_out), ("original SSE (0.5 s re-read)", sse_out)):
                rows.append((f"{rate:,}/s", name, len(out.latencies), pct(out.latencies, 0.5),
                             pct(out.latencies, 0.99), total - len(out.seen)))
        print()
        print(f"{'rate':>10}  {'mechanism':<30} {'lines':>8} {'p50 ms':>9} {'p99 ms':>9} {'lost':>6}")
        for rate, name, n, p50, p99, lost in rows:
            print(f"{rate:>10}  {name:<30} {n:>8} {p50:>9.1f} {p99:>9.1f} {lost:>6}")

        # 100 MB burst: 100,000 lines of ~1 KB, as fast as possible, one WebSocket follower.
        proc = psutil.Process(server.proc.pid)
        base_rss = proc.memory_info().rss
        peak = [base_rss]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], proc.memory_info().rss)
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        t0 = time.monotonic()
        run = start_run(api, ["0", "100000", "1000"])
        burst = Collector()
        follow_ws(server, run["id"], burst)
        elapsed = time.monotonic() - t0
        stop.set()
        sampler.join()
        size = (server.bk_home / "projects" / "bench" / "runs" / run["id"] / "output.log").stat().st_size
        print()
        print(f"100 MB burst: log {size / 1e6:.1f} MB streamed in {elapsed:.1f} s, lines lost "
              f"{100000 - len(burst.seen)}; server RSS {base_rss / 2**20:.1f} MiB -> peak "
              f"{peak[0] / 2**20:.1f} MiB (growth {(peak[0] - base_rss) / 2**20:.1f} MiB)")
    finally:
        baseline.terminate()
        baseline.wait(10)
        server.stop()


if __name__ == "__main__":
    main()
