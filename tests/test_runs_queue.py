"""The GPU queue on a real `jupyter server` configured by a file: c.BeekeeperApp.gpus = [0, 1].

No GPU exists here: the pool is just the configured indices, and each run reports the
CUDA_VISIBLE_DEVICES it was given. The queue also survives a server restart.
"""

from __future__ import annotations

import pytest
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
def start_server(root, live_servers):
    return lambda: live_servers(root, {"gpus": [0, 1], "max_concurrent_runs": 1, "stop_grace_period": 2.0})


def test_gpu_queue_fifo_cuda_visible_devices_and_restart(start_server, make_repo, tmp_path):
    gates = tmp_path / "gates"
    gates.mkdir()
    api = LiveApi(start_server())
    repo = make_repo({"train.py": GATED})
    api.create_project("q", repo.url)

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


def test_move_and_priority_change_the_start_order(start_server, make_repo, tmp_path):
    """One CPU slot (max_concurrent_runs = 1): the queue starts in the order it was given."""
    gates = tmp_path / "gates"
    gates.mkdir()
    api = LiveApi(start_server())
    repo = make_repo({"train.py": GATED})
    api.create_project("order", repo.url)

    def run(name, **extra):
        code, body = api.post("projects/order/runs", {"args": [str(gates / name)], "gpus": 0,
                                                      "allow_parallel": True, **extra})
        assert code == 201, body
        return body["id"]

    blocker = run("blocker")
    api.wait_run(blocker, ("running",))
    a, b, c, d = run("a"), run("b"), run("c"), run("d")
    urgent = run("urgent", priority=5)  # created last, starts first
    assert api.get(f"runs/{urgent}")[1]["priority"] == 5

    def order():
        code, runs = api.get("runs?state=queued")
        return [r["id"] for r in sorted(runs["runs"], key=lambda r: r["queue_position"])]

    assert order() == [urgent, a, b, c, d]
    code, moved = api.post(f"runs/{d}/move", {"before": b})
    assert code == 200 and moved["priority"] == 0, moved
    assert order() == [urgent, a, d, b, c]
    code, moved = api.post(f"runs/{c}/move", {"position": 0})  # takes the head's priority
    assert code == 200 and moved["priority"] == 5 and moved["queue_position"] == 1, moved
    assert order() == [c, urgent, a, d, b]
    code, moved = api.post(f"runs/{a}/move", {"priority": -1})  # to the back, behind priority 0
    assert code == 200 and moved["priority"] == -1
    assert order() == [c, urgent, d, b, a]

    # Bad moves name their field and change nothing.
    assert api.post(f"runs/{a}/move", {"before": blocker}) == (
        400, {"message": "before must be the id of another queued run", "field": "before"})
    assert api.post(f"runs/{a}/move", {"position": -1})[1]["field"] == "position"
    assert api.post(f"runs/{a}/move", {"position": 0, "before": b})[1]["field"] == "position"
    assert api.post(f"runs/{a}/move", {"where": 0})[1]["field"] == "where"
    assert api.post(f"runs/{a}/move", {"priority": "high"})[1]["field"] == "priority"
    code, body = api.post(f"runs/{blocker}/move", {"position": 0})
    assert code == 409 and body["field"] == "state", body
    assert api.post("projects/order/runs", {"priority": 10**9})[1]["field"] == "priority"
    assert order() == [c, urgent, d, b, a]

    # The order is in the database: a restart keeps it.
    api.server.stop()
    api = LiveApi(start_server())
    assert order() == [c, urgent, d, b, a]

    for name in ("blocker", "a", "b", "c", "d", "urgent"):
        (gates / name).touch()
    runs = [api.wait_run(r) for r in (c, urgent, d, b, a)]
    assert all(r["state"] == "succeeded" for r in runs), runs
    starts = [r["started"] for r in runs]
    assert starts == sorted(starts), runs
