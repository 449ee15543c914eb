"""Sweep submission and scheduler overhead on a real `jupyter server` with Beekeeper.

1. Submit: one POST of a TRIALS-trial grid sweep until every trial is queued (the response comes
   after the one transaction), next to TRIALS single POST /runs for the same work.
2. Overhead: the server process's CPU (user + system, children excluded) over SECONDS of wall
   time while idle (no runs), with 2 plain runs holding both slots and nothing queued, then with
   the same 2 runs and the whole sweep queued behind them (the difference is what a long queue
   costs), then while the trials run through two at a time (each syncs the checkout and exits).
   Targets from issue 14: submit < 1 s, no measurable scheduler CPU over idle while the queue waits.

    .venv/bin/python bench/sweep_submit.py --trials 200 --seconds 10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from gitrepos import GitRepo  # noqa: E402
from live_server import LiveServer  # noqa: E402
from runhelpers import LiveApi  # noqa: E402

TRAIN = """
import os, sys, time
gate = sys.argv[sys.argv.index("--gate") + 1]
while not os.path.exists(gate):
    time.sleep(0.05)
"""


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def measure(proc: psutil.Process, seconds: float, until=None) -> tuple[float, float]:
    before, started = cpu_seconds(proc), time.monotonic()
    if until is None:
        time.sleep(seconds)
    else:
        while not until():
            time.sleep(0.5)
    return cpu_seconds(proc) - before, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bk-bench-sweep-") as tmp:
        tmp = Path(tmp)
        gate = tmp / "go"
        repo = GitRepo(tmp / "repo", {"train.py": TRAIN})
        server = LiveServer(tmp / "srv", {"gpus": [], "max_concurrent_runs": 2, "sweep_interval": 2.0})
        try:
            api = LiveApi(server)
            api.create_project("bench", repo.url)
            proc = psutil.Process(server.proc.pid)
            time.sleep(3.0)  # start-up work settles
            idle_cpu, idle_wall = measure(proc, args.seconds)
            rows.append(("idle (no runs)", idle_wall, idle_cpu, "baseline"))

            hold = tmp / "hold"
            holders = [api.post("projects/bench/runs", {"args": ["--gate", str(hold)], "gpus": 0,
                                                        "allow_parallel": True})[1]["id"] for _ in range(2)]
            for run_id in holders:
                api.wait_run(run_id, ("running",))
            time.sleep(2.0)
            held_cpu, held_wall = measure(proc, args.seconds)
            rows.append(("2 runs running, nothing queued", held_wall, held_cpu, ""))

            body = {"parameters": {"i": {"values": list(range(args.trials))}}, "gpus": 0,
                    "args": ["--gate", str(gate)], "confirm": True}
            started = time.perf_counter()
            code, sweep = api.post("projects/bench/sweeps", body)
            submit = time.perf_counter() - started
            assert code == 201, sweep
            queued = api.get(f"sweeps/{sweep['id']}")[1]["trials"]
            assert queued["queued"] == args.trials, queued
            time.sleep(2.0)
            cpu, wall = measure(proc, args.seconds)
            extra = 100 * (cpu / wall - held_cpu / held_wall)
            rows.append((f"2 runs running, {args.trials} trials queued", wall, cpu,
                         f"{extra:+.2f}% core for the queue"))

            gate.touch()
            hold.touch()

            def done():
                return api.get(f"sweeps/{sweep['id']}")[1]["state"] == "finished"

            cpu, wall = measure(proc, 0, until=done)
            rows.append((f"{args.trials} trials run through, 2 at a time", wall, cpu,
                         f"{1000 * cpu / args.trials:.1f} ms server CPU per trial"))

            gate.unlink()
            started = time.perf_counter()
            for i in range(args.trials):
                code, run = api.post("projects/bench/runs", {"args": ["--gate", str(gate), "--i", str(i)],
                                                             "gpus": 0, "allow_parallel": True})
                assert code == 201, run
            singles = time.perf_counter() - started
            gate.touch()
        finally:
            server.stop()

    print(f"\nsweep submit and scheduler overhead: {args.trials} trials, {psutil.cpu_count()} cores\n")
    print(f"{'submit':<40} | {'seconds':>8} | target")
    print("-" * 62)
    print(f"{'1 sweep POST, all trials queued':<40} | {submit:>8.3f} | {'ok' if submit < 1 else 'OVER'} (< 1 s)")
    print(f"{f'{args.trials} single POST /runs':<40} | {singles:>8.3f} | (for comparison)")
    print()
    idle = idle_cpu / idle_wall
    header = f"{'phase':<40} | {'wall s':>7} | {'CPU s':>6} | {'% core':>7} | {'minus idle':>10} | note"
    print(header)
    print("-" * (len(header) + 10))
    for name, wall, cpu, note in rows:
        share = 100 * cpu / wall
        over = "" if note == "baseline" else f"{share - 100 * idle:>+9.2f}%"
        print(f"{name:<40} | {wall:>7.1f} | {cpu:>6.2f} | {share:>6.2f}% | {over:>10} | {note}")


if __name__ == "__main__":
    main()
