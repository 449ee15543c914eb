"""The GPU queue on a real `jupyter server` configured by a file: c.BeekeeperApp.gpus = [0, 1].

No GPU exists here: the pool is just the configured indices, and each run reports the
CUDA_VISIBLE_DEVICES it was given. The queue also survives a server restart.
"""

from __future__ import annotations

import pytest
from live_server import LiveServer
from runhelpers import LiveApi

GATED = """
import os, sys, time
print("CVD=" + repr(os.environ.get("CUDA_VISIBLE_DEVICES")), flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
"""


@pytest.fixture
def root(tmp_path):
    return tmp_path / "srv"


@pytest.fixture
def start_server(root):
    servers = []

    def start():
        server = LiveServer(root, {"gpus": [0, 1], "max_concurrent_runs": 1, "stop_grace_period": 2.0})
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_gpu_queue_fifo_cuda_visible_devices_and_restart(start_server, make_repo, tmp_path):
    gates = tmp_path / "gates"
    gates.mkdir()
    api = LiveApi(start_server())
    repo = make_repo({"train.py": GATED})
    code, body = api.post("projects", {"name": "q", "git_url": repo.url})
    assert code == 201, body
    api.wait_ready("q")

    def run(name, gpus, **extra):
        code, body = api.post("projects/q/runs", {"args": [str(gates / name)], "gpus": gpus,
                                                  "allow_parallel": True, **extra})
        assert code == 201, body
        return body["id"]

    def devices(run_id):
        api.wait_run(run_id, ("running",))
        return api.wait_log(run_id, "CVD=").decode().split("CVD=")[1].split("\n")[0]

    code, body = api.post("projects/q/runs", {"gpus": [7]})
    assert code == 400 and body["field"] == "gpus"
    code, body = api.post("projects/q/runs", {"gpus": 3})
    assert code == 400 and body["field"] == "gpus"

    first = run("first", 1)
    assert devices(first) == "'0'"
    second = run("second", 1)
    assert devices(second) == "'1'"
    third = run("third", 1)
    fourth = run("fourth", [1])  # GPU 1 is named, but FIFO: it waits behind `third`
    cpu_a = run("cpu_a", 0)
    assert devices(cpu_a) == "''"
    cpu_b = run("cpu_b", 0)  # max_concurrent_runs = 1
    code, runs = api.get("runs?state=queued")
    queued = {r["id"]: r["queue_position"] for r in runs["runs"]}
    assert queued == {third: 1, fourth: 2, cpu_b: 3}, queued
    assert api.get(f"runs/{third}")[1]["gpus_requested"] == 1
    assert api.get(f"runs/{fourth}")[1]["gpus_requested"] == [1]

    # The queue is in the database: a restart keeps it, in order.
    api.server.stop()
    api = LiveApi(start_server())
    code, runs = api.get("runs?state=queued")
    assert {r["id"]: r["queue_position"] for r in runs["runs"]} == queued
    assert api.get(f"runs/{first}")[1]["state"] == "running"

    (gates / "first").touch()
    assert api.wait_run(first)["state"] == "succeeded"
    assert devices(third) == "'0'"
    assert api.get(f"runs/{fourth}")[1]["state"] == "queued"
    (gates / "second").touch()
    assert devices(fourth) == "'1'"
    assert api.get(f"runs/{cpu_b}")[1]["state"] == "queued"
    (gates / "cpu_a").touch()
    assert devices(cpu_b) == "''"
    for name in ("third", "fourth", "cpu_b"):
        (gates / name).touch()
    for run_id in (second, third, fourth, cpu_a, cpu_b):
        run_ = api.wait_run(run_id)
        assert run_["state"] == "succeeded", run_
    assert [api.get(f"runs/{r}")[1]["gpus"] for r in (first, second, third, fourth)] == [[0], [1], [0], [1]]
