"""Submit-to-first-log-line latency: a run on a Ray cluster vs. a local run, through Beekeeper.

Starts a local Ray head (`--num-gpus=2` declared) and a real `jupyter server` with Beekeeper
pointed at it, creates one project whose script prints a line at once, then for each executor
runs it N times: the clock starts just before `POST /projects/NAME/runs` and stops when the
script's first line arrives on the run's log WebSocket (the path the lab panel uses). Prints
the median, min and max per executor, and the same job submitted straight to Ray's REST API and
read from Ray's own log tail (the floor any Ray integration has). The head is stopped at the end.

    .venv/bin/python bench/ray_submit.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from gitrepos import GitRepo  # noqa: E402
from live_server import LiveServer, free_port  # noqa: E402
from runhelpers import LiveApi  # noqa: E402

VENV_BIN = Path(sys.executable).parent
SCRIPT = "print('first line', flush=True)\n"


def start_ray(temp: Path) -> tuple[str, dict]:
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}", "RAY_USAGE_STATS_ENABLED": "0"}
    port = free_port()
    out = subprocess.run([str(VENV_BIN / "ray"), "start", "--head", "--node-ip-address=127.0.0.1",
                          f"--port={free_port()}", "--dashboard-host=127.0.0.1", f"--dashboard-port={port}",
                          "--num-gpus=2", "--num-cpus=4", "--include-dashboard=true", "--disable-usage-stats",
                          f"--temp-dir={temp}"], env=env, capture_output=True, text=True, timeout=300)
    if out.returncode:
        raise SystemExit(out.stdout + out.stderr)
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(address + "/api/jobs/", timeout=5)
            return address, env
        except OSError:
            time.sleep(0.5)
    raise SystemExit("Ray's Jobs API never answered")


def first_line_latency(api: LiveApi, executor: str) -> float:
    """Seconds from POST to the script's first line on the log stream."""
    started = time.monotonic()
    code, run = api.post("projects/bench/runs", {"executor": executor, "gpus": 1 if executor == "ray" else 0})
    assert code == 201, run
    url = api.server.url.replace("http", "ws") + f"beekeeper/api/runs/{run['id']}/log/stream?offset=0"
    ws = websocket.create_connection(url, header=[f"Authorization: token {api.server.token}"], timeout=120)
    seen = ""
    try:
        while "first line" not in seen:
            message = json.loads(ws.recv())
            if message["type"] == "end":
                raise SystemExit(f"run ended before its first line: {message} {seen[-2000:]}")
            seen += message["data"]
        elapsed = time.monotonic() - started
    finally:
        ws.close()
    done = api.wait_run(run["id"], timeout=180)
    assert done["state"] == "succeeded", done
    return elapsed


def ray_direct_latency(address: str, src: Path, python: str) -> float:
    """The floor: the same job submitted straight to Ray's REST API, read from Ray's own log tail."""
    started = time.monotonic()
    job = {"entrypoint": f"cd {src} && exec {python} -u train.py", "entrypoint_num_gpus": 1,
           "runtime_env": {"env_vars": {"PYTHONUNBUFFERED": "1"}}}
    request = urllib.request.Request(address + "/api/jobs/", data=json.dumps(job).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    submission_id = json.loads(urllib.request.urlopen(request, timeout=30).read())["submission_id"]
    ws = websocket.create_connection(address.replace("http", "ws") + f"/api/jobs/{submission_id}/logs/tail",
                                     timeout=120)
    seen = ""
    try:
        while "first line" not in seen:
            seen += ws.recv()
        return time.monotonic() - started
    finally:
        ws.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bkray-bench-"))
    server = None
    try:
        address, _ = start_ray(work / "ray")
        server = LiveServer(work / "srv", {"ray_address": address})
        api = LiveApi(server)
        repo = GitRepo(work / "repo", {"train.py": SCRIPT})
        api.create_project("bench", repo.url)
        first_line_latency(api, "ray")  # warm-up: Ray starts its first job-supervisor worker
        results = {name: [first_line_latency(api, name) for _ in range(args.repeat)] for name in ("local", "ray")}
        src, venv = server.bk_home / "projects" / "bench" / "src", server.bk_home / "projects" / "bench" / "venv"
        results["ray direct"] = [ray_direct_latency(address, src, str(venv / "bin" / "python"))
                                 for _ in range(args.repeat)]
    finally:
        if server is not None:
            server.stop()
        subprocess.run([str(VENV_BIN / "ray"), "stop", "--force"], capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nsubmit → first log line through Beekeeper (median of {args.repeat}; one warm-up Ray job not counted)")
    labels = {"local": "local (Beekeeper)", "ray": "ray (Beekeeper)", "ray direct": "ray REST, no Beekeeper"}
    print(f"{'path':<24}{'median s':>10}{'min s':>10}{'max s':>10}")
    for name, values in results.items():
        print(f"{labels[name]:<24}{statistics.median(values):>10.2f}{min(values):>10.2f}{max(values):>10.2f}")
    overhead = statistics.median(results["ray"]) - statistics.median(results["ray direct"])
    print(f"Beekeeper's overhead on a Ray run: {overhead:+.2f} s; ray / local: "
          f"{statistics.median(results['ray']) / statistics.median(results['local']):.0f}x "
          "(Ray's job-supervisor start-up and its 1 s log-tail poll)")


if __name__ == "__main__":
    main()
