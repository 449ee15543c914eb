"""CPU cost of the metrics sampler: a real `jupyter server` with Beekeeper, 0 / 1 / 10 WebSocket
subscribers of /beekeeper/api/metrics/stream at metrics_interval = 1 s.

For each phase the server process's CPU time (user + system, its children excluded) is read
before and after SECONDS of wall time; the idle phase (nobody listens, so no sampler runs) is the
baseline that is subtracted. Target from issue 4: < 1 % of one core with 10 subscribers.

    .venv/bin/python bench/metrics_overhead.py --seconds 30
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import websocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from common import print_header  # noqa: E402
from live_server import LiveServer  # noqa: E402

TARGET = 1.0  # % of one core


class Listener(threading.Thread):
    """One browser tab: reads every message of the stream until told to stop."""

    def __init__(self, url: str, token: str):
        super().__init__(daemon=True)
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {token}"], timeout=10)
        self.samples = 0
        self.history = None
        self.stopping = False

    def run(self):
        while not self.stopping:
            try:
                message = json.loads(self.ws.recv())
            except Exception:
                return
            if message["type"] == "history":
                self.history = len(message["samples"])
            else:
                self.samples += 1

    def close(self):
        self.stopping = True
        self.ws.close()


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def phase(server: LiveServer, proc: psutil.Process, listeners: int, seconds: float) -> dict:
    url = server.url.replace("http://", "ws://") + "beekeeper/api/metrics/stream"
    clients = [Listener(url, server.token) for _ in range(listeners)]
    for client in clients:
        client.start()
    time.sleep(2.0)  # let the sampler start and every client get its history
    before, started = cpu_seconds(proc), time.monotonic()
    counts = [c.samples for c in clients]
    time.sleep(seconds)
    used, wall = cpu_seconds(proc) - before, time.monotonic() - started
    received = [c.samples - n for c, n in zip(clients, counts)]
    for client in clients:
        client.close()
    time.sleep(1.5)  # the last one leaving stops the sampler
    return {"listeners": listeners, "cpu": used, "wall": wall,
            "samples": (min(received), max(received)) if received else (0, 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bk-bench-metrics-") as tmp:
        server = LiveServer(Path(tmp), {"metrics_interval": args.interval})
        try:
            proc = psutil.Process(server.proc.pid)
            time.sleep(3.0)  # start-up work settles
            results = [phase(server, proc, n, args.seconds) for n in (0, 1, 10)]
        finally:
            server.stop()
    idle = results[0]["cpu"] / results[0]["wall"]
    print(f"\nmetrics sampler CPU, interval {args.interval:g} s, {args.seconds:g} s per phase, "
          f"{psutil.cpu_count()} cores, % of ONE core\n")
    header = f"{'subscribers':>11} | {'server CPU s':>12} | {'% core':>7} | {'minus idle':>10} | " \
             f"{'samples/client':>14} | target"
    print_header(header)
    for r in results:
        share = 100 * r["cpu"] / r["wall"]
        over = share - 100 * idle
        lo, hi = r["samples"]
        verdict = "baseline" if r["listeners"] == 0 else ("ok" if over < TARGET else "OVER")
        samples = "-" if r["listeners"] == 0 else (f"{lo}" if lo == hi else f"{lo}-{hi}")
        print(f"{r['listeners']:>11} | {r['cpu']:>12.3f} | {share:>6.2f}% | {over:>+9.2f}% | {samples:>14} | "
              f"{verdict} (< {TARGET:g}%)" if r["listeners"] else
              f"{r['listeners']:>11} | {r['cpu']:>12.3f} | {share:>6.2f}% | {'':>10} | {samples:>14} | {verdict}")


if __name__ == "__main__":
    main()
