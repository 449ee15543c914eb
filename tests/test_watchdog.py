"""The stall watchdog on real runs: a silently sleeping run is flagged after its project's
stall_timeout on an injected clock (no half-hour sleeps), gets a py-spy stack dump in its log,
is announced on /events and to the sinks, clears when it prints again, and is stopped with
stall_action 'stop'. A GPU (fake NVML at the pynvml boundary) at work keeps a quiet run alive."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from fake_pynvml import FakeGpu, install
from receivers import HttpReceiver
from runhelpers import wait_log, wait_run

TRAIN_QUIET = """import pathlib, sys, time
print("started", flush=True)
go = pathlib.Path(sys.argv[1])
def wait_for_go():
    while not go.exists():
        time.sleep(0.05)
wait_for_go()
print("resumed", flush=True)
time.sleep(600)
"""


class Clock:
    def __init__(self):
        self.t = 10_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def bk_config():
    return {"watchdog_interval": 3600.0, "notification_backoff": 0.01}


@pytest.fixture
def clock(bk_app):
    clock = Clock()
    bk_app.watchdog.clock = clock
    return clock


async def run_quietly(api, name, tmp_path, **body):
    code, run = await api.post(f"projects/{name}/runs", {"args": [str(tmp_path / f"go-{name}")], **body})
    assert code == 201, run
    await wait_run(api, run["id"], states=("running",))
    await wait_log(api, run["id"], "started")
    return run


async def next_stalled_event(ws, run_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(await asyncio.wait_for(ws.read_message(), timeout))
        if message["type"] == "run" and message["run"]["id"] == run_id and message["run"]["stalled_since"]:
            return message["run"]
    raise AssertionError("no stalled event")


async def test_silent_run_is_flagged_dumped_announced_and_cleared(api, bk_app, clock, ready_project, tmp_path,
                                                                  jp_ws_fetch):
    receiver = HttpReceiver()
    try:
        code, sink = await api.post("notifications/sinks", {"kind": "webhook", "url": receiver.url("/hook"),
                                                            "events": ["stalled"]})
        project = await ready_project("quiet", {"train.py": TRAIN_QUIET}, stall_timeout=60)
        assert project["stall_timeout"] == 60 and project["stall_action"] == "notify"
        ws = await jp_ws_fetch("beekeeper", "api", "events")
        run = await run_quietly(api, "quiet", tmp_path)
        await bk_app.watchdog.check()  # first look: the baseline
        clock.t += 59
        await bk_app.watchdog.check()
        code, now = await api.get(f"runs/{run['id']}")
        assert now["stalled_since"] is None and now["state"] == "running"

        clock.t += 2
        await bk_app.watchdog.check()
        code, now = await api.get(f"runs/{run['id']}")
        assert now["stalled_since"] and now["state"] == "running"  # a flag, not a state
        announced = await next_stalled_event(ws, run["id"])
        assert announced["stalled_since"] == now["stalled_since"]
        ws.close()
        log = (await api.get(f"runs/{run['id']}/log", raw=True)).body.decode()
        assert "[beekeeper] stalled: no log output, no new scalar step for 61 s" in log
        assert "stack dump of process" in log and "wait_for_go" in log and "train.py" in log, log
        await bk_app.notifications.drain()
        [message] = receiver.json_at("/hook")
        assert message["event"] == "stalled" and message["run_id"] == run["id"] and "stalled" in message["title"]

        # Still quiet: flagged once, not again.
        clock.t += 600
        await bk_app.watchdog.check()
        await bk_app.notifications.drain()
        assert len(receiver.requests) == 1

        (tmp_path / "go-quiet").touch()
        await wait_log(api, run["id"], "resumed")
        clock.t += 1
        await bk_app.watchdog.check()
        code, now = await api.get(f"runs/{run['id']}")
        assert now["stalled_since"] is None and now["state"] == "running"
        await wait_log(api, run["id"], "output resumed: no longer stalled")
        code, _ = await api.post(f"runs/{run['id']}/stop")
        await wait_run(api, run["id"])
    finally:
        receiver.close()


async def test_stall_action_stop_stops_the_run_and_a_missing_py_spy_is_said(api, bk_app, clock, ready_project,
                                                                           tmp_path, monkeypatch):
    import beekeeper_ext.watchdog as watchdog

    await ready_project("halt", {"train.py": TRAIN_QUIET})
    code, project = await api.patch("projects/halt", {"stall_timeout": 30, "stall_action": "stop"})
    assert code == 200 and project["stall_action"] == "stop"
    monkeypatch.setattr(watchdog, "find_py_spy", lambda: None)
    run = await run_quietly(api, "halt", tmp_path)
    await bk_app.watchdog.check()
    clock.t += 31
    await bk_app.watchdog.check()
    run = await wait_run(api, run["id"])
    assert run["state"] == "stopped" and run["stalled_since"] is None
    log = (await api.get(f"runs/{run['id']}/log", raw=True)).body.decode()
    assert "no stack dump: py-spy is not installed" in log
    assert "stall_action is 'stop': stopping the run" in log


async def test_zero_timeout_never_flags_and_bad_settings_are_refused(api, bk_app, clock, ready_project, tmp_path):
    await ready_project("never", {"train.py": TRAIN_QUIET}, stall_timeout=0)
    run = await run_quietly(api, "never", tmp_path)
    await bk_app.watchdog.check()
    clock.t += 100_000
    await bk_app.watchdog.check()
    code, now = await api.get(f"runs/{run['id']}")
    assert now["stalled_since"] is None
    await api.post(f"runs/{run['id']}/stop")
    await wait_run(api, run["id"])
    for body, field in (({"stall_timeout": -1}, "stall_timeout"), ({"stall_timeout": "soon"}, "stall_timeout"),
                        ({"stall_action": "explode"}, "stall_action")):
        code, error = await api.patch("projects/never", body)
        assert code == 400 and error["field"] == field


async def test_a_busy_gpu_keeps_a_quiet_run_from_stalling(api, bk_app, clock, ready_project, tmp_path, monkeypatch):
    fake = install(monkeypatch, [FakeGpu(utilization=80)])
    bk_app.runs.gpus = None  # let the pool be read from the fake NVML
    await ready_project("gpu", {"train.py": TRAIN_QUIET}, stall_timeout=60)
    run = await run_quietly(api, "gpu", tmp_path, gpus=1)
    assert run["gpus_requested"] == 1
    await bk_app.watchdog.check()
    clock.t += 120
    await bk_app.watchdog.check()
    code, now = await api.get(f"runs/{run['id']}")
    assert now["gpus"] == [0] and now["stalled_since"] is None  # quiet, but the GPU works
    fake.gpus[0].utilization = 2
    clock.t += 61
    await bk_app.watchdog.check()
    code, now = await api.get(f"runs/{run['id']}")
    assert now["stalled_since"] is not None
    await api.post(f"runs/{run['id']}/stop")
    await wait_run(api, run["id"])


async def test_hot_gpu_and_full_disk_are_told_once_until_they_recover(api, bk_app, clock, monkeypatch):
    import beekeeper_ext.watchdog as watchdog

    fake = install(monkeypatch, [FakeGpu(temperature=91, temperature_slowdown=87)])
    from beekeeper_ext.nvml import Nvml

    bk_app.metrics.nvml = Nvml()  # a fresh session over the fake
    monkeypatch.setattr(watchdog, "DISK_FULL_PERCENT", 0)  # any used disk counts as full here
    receiver = HttpReceiver()
    try:
        code, sink = await api.post("notifications/sinks", {"kind": "webhook", "url": receiver.url("/host"),
                                                            "events": ["gpu_hot", "disk_full"]})
        await bk_app.watchdog.check()
        await bk_app.watchdog.check()
        await bk_app.notifications.drain()
        events = sorted(m["event"] for m in receiver.json_at("/host"))
        assert events == ["disk_full", "gpu_hot"]  # once each, not once per check
        hot = next(m for m in receiver.json_at("/host") if m["event"] == "gpu_hot")
        assert "GPU 0" in hot["text"] and "91 °C" in hot["text"] and "87 °C" in hot["text"]
        fake.gpus[0].temperature = 60
        await bk_app.watchdog.check()
        fake.gpus[0].temperature = 95
        await bk_app.watchdog.check()
        await bk_app.notifications.drain()
        assert [m["event"] for m in receiver.json_at("/host")].count("gpu_hot") == 2  # cooled, then hot again
    finally:
        receiver.close()
