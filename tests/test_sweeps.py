"""Sweeps on a real `jupyter server` with a two-GPU stand-in pool (tests/fake_pynvml.py at the
pynvml boundary): every trial is a real run of a real script; its metrics are the lines it prints,
read by the per-run metrics service (stdout patterns) like any run's.

Each trial waits for a gate file named after its run id, so the test decides when it ends and
can look at the queue in between; nothing here is timed.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from runhelpers import LiveApi

from beekeeper_ext.sweeps import median_verdict, parse_spec, trial_params

TESTS = __import__("pathlib").Path(__file__).resolve().parent
STAND_IN = f'''\
"""pynvml for the sweep tests: two GPUs from tests/fake_pynvml.py."""
import sys
sys.path.insert(0, {str(TESTS)!r})
from fake_pynvml import FakeGpu, make_module
sys.modules[__name__] = make_module([FakeGpu(), FakeGpu(uuid="GPU-1")])
'''

TRIAL = """
import argparse, os, sys, time
p = argparse.ArgumentParser()
p.add_argument("--gates")
p.add_argument("--lr", type=float, default=1.0)
p.add_argument("--batch", type=int, default=1)
p.add_argument("--quality", type=float)
a = p.parse_args()
run_id = os.environ["BEEKEEPER_RUN_ID"]
print("CVD=" + repr(os.environ.get("CUDA_VISIBLE_DEVICES")), flush=True)
loss = a.lr * a.batch if a.quality is None else a.quality
for step in range(6):
    print(f"step={step} loss/test={loss + (5 - step) * 0.01:.4f}", flush=True)
if a.quality is not None and a.quality > 5:
    while True:  # a bad trial that would run forever: only the median rule ends it
        time.sleep(0.05)
gate = os.path.join(a.gates, run_id)
while a.quality is None and not os.path.exists(gate):
    time.sleep(0.05)
"""


@pytest.fixture
def start_server(tmp_path, monkeypatch, live_servers):
    fake = tmp_path / "fakegpu"
    fake.mkdir()
    (fake / "pynvml.py").write_text(STAND_IN)
    monkeypatch.setenv("PYTHONPATH", str(fake))
    return lambda: live_servers(tmp_path / "srv", {"max_concurrent_runs": 1, "stop_grace_period": 1.0,
                                                   "scalars_interval": 0.2, "sweep_interval": 0.2})


@pytest.fixture
def project(start_server, make_repo, tmp_path):
    gates = tmp_path / "gates"
    gates.mkdir()
    api = LiveApi(start_server())
    repo = make_repo({"train.py": TRIAL})
    api.create_project("sw", repo.url)
    return api, gates


class Events:
    """The server's /events stream read on a thread (the tests here call a LiveServer blocking)."""

    def __init__(self, server):
        from tornado.websocket import websocket_connect

        from beekeeper_ext.models.events import EVENT_MESSAGE

        self.messages: list[dict] = []
        self._lock = threading.Condition()
        url = server.url.replace("http://", "ws://") + f"beekeeper/api/events?token={server.token}"
        self._loop = asyncio.new_event_loop()
        connected = threading.Event()

        async def read():
            self._ws = await websocket_connect(url)
            connected.set()
            while (raw := await self._ws.read_message()) is not None:
                message = json.loads(raw)
                try:
                    EVENT_MESSAGE.validate_python(message)  # the contract: models/events.py
                except ValueError as exc:
                    message = {"type": "invalid", "error": str(exc), "message": message}
                with self._lock:
                    self.messages.append(message)
                    self._lock.notify_all()

        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(read(),), daemon=True)
        self._thread.start()
        assert connected.wait(30), "no /events connection"

    def wait(self, predicate, what: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                invalid = [m for m in self.messages if m["type"] == "invalid"]
                assert not invalid, f"an /events message off its schema: {invalid[0]}"
                found = next((m for m in self.messages if predicate(m)), None)
                if found is not None or not self._lock.wait(max(0.0, deadline - time.monotonic())):
                    assert found is not None, f"no event: {what} (saw {self.messages[-5:]})"
                    return found

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._ws.close)
        self._thread.join(30)


def sweep_of(api, sweep_id):
    code, sweep = api.get(f"sweeps/{sweep_id}")
    assert code == 200, sweep
    return sweep


def test_grid_on_two_gpus_max_parallel_best_and_a_restart(project, start_server):
    api, gates = project
    code, sweep = api.post("projects/sw/sweeps", {
        "parameters": {"lr": {"values": [0.1, 0.01]}, "batch": {"values": [32, 64, 128]}},
        "args": ["--gates", str(gates)], "gpus": 1, "max_parallel": 1,
        "objective": {"metric": "loss/test", "goal": "min"}})
    assert code == 201, sweep
    assert sweep["state"] == "running" and sweep["trials"]["total"] == 6 and sweep["max_parallel"] == 1
    trials = sweep["runs"]
    ids = [t["id"] for t in trials]
    assert [t["params"] for t in trials] == [{"lr": lr, "batch": b} for lr in (0.1, 0.01) for b in (32, 64, 128)]
    for trial in trials:
        run = api.get(f"runs/{trial['id']}")[1]
        assert run["sweep"] == sweep["id"] and run["sweep_params"] == trial["params"]
        assert {k: run["params"][k] for k in ("lr", "batch")} == trial["params"]
        assert run["args"] == ["--gates", str(gates), "--lr", str(trial["params"]["lr"]),
                               "--batch", str(trial["params"]["batch"])]
    first = api.wait_run(ids[0], ("running",))
    assert first["gpus"] == [0]
    # max_parallel = 1 leaves GPU 1 free, and a trial held back by it blocks nobody else.
    code, other = api.post("projects/sw/runs", {"args": ["--gates", str(gates)], "gpus": 1,
                                                "allow_parallel": True})
    assert code == 201, other
    assert api.wait_run(other["id"], ("running",))["gpus"] == [1]
    assert [api.get(f"runs/{i}")[1]["state"] for i in ids[1:]] == ["queued"] * 5
    (gates / other["id"]).touch()
    assert api.wait_run(other["id"])["state"] == "succeeded"

    for index, run_id in enumerate(ids):
        api.wait_run(run_id, ("running",))
        states = [api.get(f"runs/{i}")[1]["state"] for i in ids]
        assert states[index + 1:] == ["queued"] * (5 - index), states
        if index == 2:
            # A server restart mid-sweep: the sweep, its queue and max_parallel carry on.
            api.server.stop()
            api = LiveApi(start_server())
            assert sweep_of(api, sweep["id"])["state"] == "running"
            assert api.get(f"runs/{run_id}")[1]["state"] == "running"
            assert [api.get(f"runs/{i}")[1]["state"] for i in ids[3:]] == ["queued"] * 3
        api.wait_log(run_id, "step=5")
        (gates / run_id).touch()
        assert api.wait_run(run_id)["state"] == "succeeded"

    starts = [api.get(f"runs/{i}")[1]["started"] for i in ids]
    assert starts == sorted(starts)  # grid order
    done = api.wait(lambda: (lambda s: s if s["state"] == "finished" and s["best"] else None)(
        sweep_of(api, sweep["id"])), "the sweep to finish with a best trial")
    assert done["trials"]["succeeded"] == 6 and done["ended"]
    values = {t["id"]: t["value"] for t in done["runs"]}
    assert done["best"]["run"] == ids[3], done  # lr 0.01, batch 32: the lowest loss
    assert done["best"]["value"] == pytest.approx(0.32) == values[ids[3]]
    code, listing = api.get("sweeps?project=sw")
    assert [s["id"] for s in listing["sweeps"]] == [sweep["id"]]
    assert api.get("projects/sw/sweeps")[1]["sweeps"][0]["best"]["run"] == ids[3]

    code, _ = api.call("DELETE", f"sweeps/{sweep['id']}")
    assert code == 204
    assert api.get(f"sweeps/{sweep['id']}")[0] == 404
    assert api.get(f"runs/{ids[0]}")[0] == 200  # its runs stay


def test_random_sweeps_repeat_with_a_seed_stop_drop_and_bad_specs(project):
    api, gates = project
    spec = {"method": "random", "trials": 5, "seed": 7, "max_parallel": 1, "gpus": 0,
            "parameters": {"lr": {"min": 1e-4, "max": 1e-1, "log": True}, "batch": {"values": [16, 32, 64]}},
            "args_template": ["--gates={gates}", "--lr={lr}", "--batch={batch}"], "as": "env"}
    spec["args_template"][0] = f"--gates={gates}"
    events = Events(api.server)
    code, one = api.post("projects/sw/sweeps", spec)
    assert code == 201, one
    code, two = api.post("projects/sw/sweeps", spec)
    assert code == 201, two
    # /events: each sweep announced once its trials are queued, then again as a trial changes.
    created = events.wait(lambda m: m["type"] == "sweep" and m["sweep"]["id"] == one["id"], "sweep one")
    assert created["sweep"]["state"] == "running" and created["sweep"]["trials"]["queued"] == 5, created
    assert "runs" not in created["sweep"]  # the list view: trials come from GET /sweeps/ID or ?sweep=
    events.wait(lambda m: m["type"] == "sweep" and m["sweep"]["id"] == one["id"]
                and m["sweep"]["trials"]["running"] == 1, "sweep one's first trial running")
    # ?sweep= keeps one sweep's trials, in any project filter and sort.
    code, listed = api.get(f"runs?sweep={two['id']}&limit=2")
    assert code == 200 and listed["total"] == 5 and {r["sweep"] for r in listed["runs"]} == {two["id"]}
    code, listed = api.get(f"projects/sw/runs?sweep={one['id']}&sort=metric:loss/test:min")
    assert code == 200 and {r["id"] for r in listed["runs"]} == {t["id"] for t in one["runs"]}
    params = [t["params"] for t in one["runs"]]
    assert params == [t["params"] for t in two["runs"]] and len({p["lr"] for p in params}) == 5
    assert all(1e-4 <= p["lr"] <= 1e-1 and p["batch"] in (16, 32, 64) for p in params)
    run = api.wait_run(one["runs"][0]["id"], ("running",))
    assert run["args"] == [f"--gates={gates}", f"--lr={params[0]['lr']}", f"--batch={params[0]['batch']}"]
    assert {"lr", "batch"} <= set(run["env_keys"])
    assert run["params"]["lr"] == params[0]["lr"] and run["params"]["batch"] == params[0]["batch"]

    assert api.call("DELETE", f"sweeps/{one['id']}")[1]["field"] == "state"  # still running
    code, stopped = api.post(f"sweeps/{one['id']}/stop")
    assert code == 202 and stopped["state"] == "stopped", stopped
    assert [t["id"] for t in stopped["runs"]] == [one["runs"][0]["id"]]  # the queued four were dropped
    assert all(api.get(f"runs/{t['id']}")[0] == 404 for t in one["runs"][1:])
    assert api.wait_run(run["id"])["state"] == "stopped"
    told = events.wait(lambda m: m["type"] == "sweep" and m["sweep"]["id"] == one["id"]
                       and m["sweep"]["state"] == "stopped" and m["sweep"]["trials"]["stopped"] == 1,
                       "sweep one stopped with its trial")
    assert told["sweep"]["trials"]["total"] == 1 and told["sweep"]["ended"], told
    assert api.get(f"runs?sweep={one['id']}")[1]["total"] == 1
    code, _ = api.call("DELETE", f"sweeps/{one['id']}?runs=1")
    assert code == 204
    events.wait(lambda m: m == {"type": "sweep", "sweep": {"id": one["id"], "deleted": True}}, "the delete")
    events.close()
    assert api.get(f"runs/{run['id']}")[0] == 404
    # The second sweep's first trial started once the first sweep's trial was gone (one CPU slot).
    assert api.wait_run(two["runs"][0]["id"], ("running",))["state"] == "running"
    assert api.post(f"sweeps/{two['id']}/stop")[0] == 202

    bad = [
        ({"parameters": {"lr": {"min": "a", "max": 1}}, "method": "random", "trials": 2}, "parameters.lr.min"),
        ({"parameters": {"lr": {"min": 1, "max": 2}}}, "parameters.lr.values"),
        ({"parameters": {"lr": {"min": 2, "max": 1}}, "method": "random", "trials": 2}, "parameters.lr.min"),
        ({"parameters": {"lr": {"min": 0, "max": 1, "log": True}}, "method": "random", "trials": 2},
         "parameters.lr.min"),
        ({"parameters": {"lr": {"values": []}}}, "parameters.lr.values"),
        ({"parameters": {"lr": {"values": [1], "step": 2}}}, "parameters.lr.step"),
        ({"parameters": {"x": {"values": list(range(100))}, "y": {"values": list(range(11))}}}, "confirm"),
        ({"parameters": {"lr": {"values": [1]}}, "args_template": ["{nope}"]}, "args_template"),
        ({"parameters": {"lr": {"values": [1]}}, "method": "random"}, "trials"),
        ({"parameters": {"lr": {"values": [1]}}, "objective": {"metric": "loss", "goal": "up"}}, "objective.goal"),
        ({"parameters": {"lr": {"values": [1]}}, "early_stop": {"rule": "median"}}, "objective"),
        ({"parameters": {"lr": {"values": [1]}}, "gpus": 9}, "gpus"),
        ({"parameters": {"lr": {"values": [1]}}, "max_parallel": 0}, "max_parallel"),
        ({"parameters": {}}, "parameters"),
        ({"parameters": {"lr": {"values": [1]}}, "typo": 1}, "typo"),
    ]
    before = len(api.get("runs")[1]["runs"])
    for body, field in bad:
        code, error = api.post("projects/sw/sweeps", body)
        assert (code, error.get("field")) == (400, field), (body, error)
    assert len(api.get("runs")[1]["runs"]) == before  # nothing half-created
    assert len(api.get("sweeps")[1]["sweeps"]) == 1
    assert api.get("sweeps/nope")[0] == 404


def test_the_median_rule_stops_a_bad_trial_and_not_a_good_one(project):
    api, gates = project
    code, sweep = api.post("projects/sw/sweeps", {
        "parameters": {"quality": {"values": [1, 9, 2]}}, "args": ["--gates", str(gates)], "gpus": 0,
        "max_parallel": 1, "objective": {"metric": "loss/test", "goal": "min"},
        "early_stop": {"rule": "median", "min_steps": 3, "min_trials": 1}})
    assert code == 201, sweep
    good, bad, later = (t["id"] for t in sweep["runs"])
    assert api.wait_run(good)["state"] == "succeeded"
    stopped = api.wait_run(bad, timeout=120)
    assert stopped["state"] == "stopped" and "median rule" in stopped["message"], stopped
    assert api.wait_run(later)["state"] == "succeeded"
    done = api.wait(lambda: (lambda s: s if s["state"] == "finished" else None)(sweep_of(api, sweep["id"])),
                    "the sweep to finish")
    assert {t["id"]: t["early_stopped"] for t in done["runs"]} == {good: False, bad: True, later: False}
    assert done["trials"]["early_stopped"] == 1 and done["best"]["run"] == good
    assert b"median rule" in api.log(bad)


def test_spec_rules_without_a_server():
    spec = parse_spec({"method": "random", "trials": 3, "seed": 1,
                       "parameters": {"n": {"min": 1, "max": 4, "integer": True}, "opt": {"values": ["a", "b"]}}})
    assert trial_params(spec) == trial_params(spec)
    assert all(isinstance(p["n"], int) and 1 <= p["n"] <= 4 for p in trial_params(spec))
    big = {"x": {"values": list(range(1000))}, "y": {"values": [1, 2]}}
    assert parse_spec({"parameters": big, "confirm": True})["trials"] == 2000
    rule = {"min_steps": 2, "min_trials": 1}
    objective = {"goal": "min", "summary": "last"}
    assert median_verdict([(0, 9), (3, 9)], [[(0, 1), (3, 1)]], objective, rule) == (9, 1, 3)
    assert median_verdict([(0, 1), (3, 1)], [[(0, 9), (3, 9)]], objective, rule) is None
    assert median_verdict([(0, 9), (1, 9)], [[(0, 1), (3, 1)]], objective, rule) is None  # before min_steps
    assert median_verdict([(0, 9), (5, 9)], [[(0, 1), (3, 1)]], objective, rule) is None  # nobody reached 5
