"""Per-run metrics and params over the real API: real runs writing real TensorBoard event files
(the example's writer, tbevents.py, and tensorboard's own EventFileWriter), real stdout."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from beekeeper_ext import series
from beekeeper_ext.run_metrics import parse_event_name, parse_sort
from beekeeper_ext.scalars import ScalarCursor, read_points
from beekeeper_ext.errors import BeekeeperError
from runhelpers import wait_run

TBEVENTS = (Path(__file__).parent.parent / "beekeeper_ext" / "example_project" / "tbevents.py").read_text()

# Always writes to the fixed folder out/, as many public scripts do.
FIXED = """
import argparse, os, time
from tbevents import SummaryWriter
p = argparse.ArgumentParser()
p.add_argument("--base", type=float, default=0.0)
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--steps", type=int, default=20)
p.add_argument("--spike", type=int, default=-1)
p.add_argument("--gate", default=None)
p.add_argument("--ready", default=None)
a = p.parse_args()
w = SummaryWriter("out")
w.add_scalar("loss/train", a.base, 0)
if a.ready:
    open(a.ready, "w").close()
if a.gate:
    while not os.path.exists(a.gate):
        time.sleep(0.05)
for step in range(1, a.steps):
    w.add_scalar("loss/train", 1000.0 if step == a.spike else a.base + step, step)
    w.add_scalar("acc", a.base / 100 + step / a.steps, step)
w.close()
print("done", flush=True)
"""

PRINTER = """
import sys
print("lr=0.5 is a banner, not a metric", flush=True)
for step in range(5):
    print(f"epoch {step}: loss={1.0 / (step + 1):.4f} acc: {step / 10}", flush=True)
print("time: 12:30:01", flush=True)
"""


@pytest.fixture
def bk_config():
    return {"scalars_interval": 0.1, "usage_interval": 0.1, "stop_grace_period": 1.0}


async def wait_metrics(api, run_id: str, tag: str, count: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    run = None
    while time.monotonic() < deadline:
        code, run = await api.get(f"runs/{run_id}")
        assert code == 200, run
        if run["metrics"].get(tag, {}).get("count") == count:
            return run
        await asyncio.sleep(0.1)
    raise AssertionError(f"{tag} of {run_id} never reached {count} points: {run and run['metrics']}")


async def start(api, project: str, args: list[str], **body) -> dict:
    code, run = await api.post(f"projects/{project}/runs", {"args": args, "gpus": 0, **body})
    assert code == 201, run
    return run


async def test_two_runs_writing_to_one_fixed_folder_keep_separate_metrics(api, ready_project):
    await ready_project("fixed", {"train.py": FIXED, "tbevents.py": TBEVENTS})
    first = await start(api, "fixed", ["--base", "1", "--lr", "0.01"])
    first = await wait_run(api, first["id"])
    assert first["state"] == "succeeded", first
    second = await start(api, "fixed", ["--base=100", "--lr=0.1"])
    second = await wait_run(api, second["id"])
    assert second["state"] == "succeeded", second
    a = (await wait_metrics(api, first["id"], "loss/train", 20))["metrics"]
    b = (await wait_metrics(api, second["id"], "loss/train", 20))["metrics"]
    assert a["loss/train"] == {"last": 20.0, "min": 1.0, "max": 20.0, "step": 19, "count": 20}
    assert b["loss/train"] == {"last": 119.0, "min": 100.0, "max": 119.0, "step": 19, "count": 20}
    assert a["acc"]["count"] == b["acc"]["count"] == 19
    code, first = await api.get(f"runs/{first['id']}")
    assert first["params"]["base"] == 1 and first["params"]["lr"] == 0.01
    assert first["params"]["executor"] == "local" and first["params"]["commit"] == first["commit"]
    code, body = await api.get(f"runs/{second['id']}/scalars/loss/train")
    assert code == 200, body
    assert body["tag"] == "loss/train" and body["downsampled"] is False
    assert [p[0] for p in body["points"]] == list(range(20)) and body["points"][0][2] == 100.0
    code, body = await api.get(f"runs/{second['id']}/scalars/nope/none")
    assert code == 404, body
    code, body = await api.get(f"runs/{second['id']}/scalars/acc", params={"max_points": "1"})
    assert code == 400 and body["field"] == "max_points"
    code, listing = await api.get("runs", params={"project": "fixed"})
    assert {r["id"]: r["metrics"]["loss/train"]["min"] for r in listing["runs"]} == {
        first["id"]: 1.0, second["id"]: 100.0}


async def test_parallel_runs_in_one_folder_stay_apart_and_a_foreign_writer_is_nobodys(api, ready_project, tmp_path):
    project = await ready_project("par", {"train.py": FIXED, "tbevents.py": TBEVENTS})
    gate = tmp_path / "gate"
    runs = []
    for base in (0, 50):
        ready = tmp_path / f"ready{base}"
        runs.append(await start(api, "par", ["--base", str(base), "--gate", str(gate), "--ready", str(ready)],
                                allow_parallel=True))
        for _ in range(600):
            if ready.exists():
                break
            await asyncio.sleep(0.05)
    # This test process (alive, in no run's tree) writes into the same folder while both run.
    import importlib.util

    spec = importlib.util.spec_from_file_location("tbevents_test", Path(project["paths"]["src"]) / "tbevents.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    foreign = module.SummaryWriter(os.path.join(project["paths"]["src"], "out"))
    foreign.add_scalar("loss/train", -5.0, 0)
    await asyncio.sleep(0.5)  # a few scan passes see the live foreign writer
    gate.touch()
    for run in runs:
        assert (await wait_run(api, run["id"]))["state"] == "succeeded"
    foreign.close()
    low = (await wait_metrics(api, runs[0]["id"], "loss/train", 20))["metrics"]["loss/train"]
    high = (await wait_metrics(api, runs[1]["id"], "loss/train", 20))["metrics"]["loss/train"]
    assert (low["min"], low["max"], high["min"], high["max"]) == (0.0, 19.0, 50.0, 69.0)
    assert len(os.listdir(os.path.join(project["paths"]["src"], "out"))) == 3


async def test_printed_metrics_are_read_and_patterns_turn_them_off(api, ready_project, bk_app):
    await ready_project("printer", {"train.py": PRINTER})
    run = await start(api, "printer", [])
    assert (await wait_run(api, run["id"]))["state"] == "succeeded"
    metrics = (await wait_metrics(api, run["id"], "loss", 5))["metrics"]
    assert set(metrics) == {"loss", "acc"}, metrics  # no lr (no step on its line), no time, no epoch
    assert metrics["loss"] == {"last": 0.2, "min": 0.2, "max": 1.0, "step": 4, "count": 5}
    code, body = await api.get(f"runs/{run['id']}/scalars/loss")
    assert [p[0] for p in body["points"]] == [0, 1, 2, 3, 4]

    code, body = await api.patch("projects/printer", {"metric_patterns": ["(?P<name>loss"]})
    assert code == 400 and body["field"] == "metric_patterns", body
    code, body = await api.patch("projects/printer", {"metric_patterns": ["loss=(?P<value>\\S+)"]})
    assert code == 400 and body["field"] == "metric_patterns", body
    code, project = await api.patch("projects/printer", {"metric_patterns": []})
    assert code == 200 and project["metric_patterns"] == []
    run = await start(api, "printer", [])
    assert (await wait_run(api, run["id"]))["state"] == "succeeded"
    passes = bk_app.run_metrics.passes
    for _ in range(600):  # passes after the end read nothing either
        if bk_app.run_metrics.passes >= passes + 3:
            break
        await asyncio.sleep(0.05)
    code, off = await api.get(f"runs/{run['id']}")
    assert off["metrics"] == {}
    code, project = await api.patch("projects/printer", {
        "metric_patterns": [r"(?P<step>\d+): (?P<name>loss)=(?P<value>[\d.]+)"]})
    assert code == 200, project
    custom = await start(api, "printer", [])
    assert (await wait_run(api, custom["id"]))["state"] == "succeeded"
    assert set((await wait_metrics(api, custom["id"], "loss", 5))["metrics"]) == {"loss"}


async def test_sort_by_metric_and_param_and_bad_sorts(api, ready_project):
    await ready_project("sorty", {"train.py": FIXED, "tbevents.py": TBEVENTS})
    ids = {}
    for base, lr in ((30, "0.3"), (10, "0.01"), (20, "1e-1")):
        run = await start(api, "sorty", ["--base", str(base), "--lr", lr, "--steps", "3"])
        assert (await wait_run(api, run["id"]))["state"] == "succeeded"
        await wait_metrics(api, run["id"], "loss/train", 3)
        ids[base] = run["id"]
    await ready_project("other", {"train.py": "print('no metrics')\n"})
    plain = await start(api, "other", [])
    await wait_run(api, plain["id"])

    async def order(sort, **extra):
        code, body = await api.get("runs", params={"sort": sort, **extra})
        assert code == 200, body
        return [r["id"] for r in body["runs"]]

    assert await order("metric:loss/train:min", project="sorty") == [ids[10], ids[20], ids[30]]
    assert await order("-metric:loss/train:max", project="sorty") == [ids[30], ids[20], ids[10]]
    assert await order("metric:loss/train") == [ids[10], ids[20], ids[30], plain["id"]]  # none last
    assert await order("metric:loss/train", limit="2", offset="2") == [ids[30], plain["id"]]
    assert await order("metric:loss/train", limit="2", offset="3") == [plain["id"]]
    assert await order("-metric:loss/train", state="succeeded", limit="1", offset="1") == [ids[20]]
    assert await order("param:lr", project="sorty") == [ids[10], ids[20], ids[30]]
    assert await order("-param:lr", project="sorty", limit="2", offset="1") == [ids[20], ids[10]]
    assert await order("created", project="sorty") == [ids[30], ids[10], ids[20]]
    assert await order("-created", project="sorty") == [ids[20], ids[10], ids[30]]
    for bad in ("nope", "metric:", "param:", "-", "created:x"):
        code, body = await api.get("runs", params={"sort": bad})
        assert code == 400 and body["field"] == "sort", (bad, body)
    code, body = await api.get("projects/sorty/runs", params={"sort": "metric:loss/train:min"})
    assert [r["id"] for r in body["runs"]] == [ids[10], ids[20], ids[30]]


async def test_downsampling_keeps_a_spike_and_usage_is_kept(api, ready_project):
    await ready_project("spiky", {"train.py": FIXED, "tbevents.py": TBEVENTS})
    run = await start(api, "spiky", ["--steps", "5000", "--spike", "2345"])
    run = await wait_run(api, run["id"])
    assert run["state"] == "succeeded", run
    await wait_metrics(api, run["id"], "loss/train", 5000)
    code, body = await api.get(f"runs/{run['id']}/scalars/loss/train", params={"max_points": "100"})
    assert code == 200 and body["downsampled"] is True and len(body["points"]) <= 100
    assert [2345, 1000.0] in [[p[0], p[2]] for p in body["points"]]
    assert body["points"][0][0] == 0 and body["points"][-1][0] == 4999
    code, full = await api.get(f"runs/{run['id']}/scalars/loss/train", params={"max_points": "100000"})
    assert len(full["points"]) == 5000 and full["downsampled"] is False
    code, usage = await api.get(f"runs/{run['id']}/usage")
    assert code == 200 and usage["interval"] == 0.1
    for sample in usage["samples"]:
        assert sample["rss_bytes"] > 0 and sample["cpu_percent"] >= 0 and sample["gpus"] == []


SLEEPER = "import time\nprint('step 1 loss=1', flush=True)\ntime.sleep(1.5)\n"


async def test_usage_history_of_a_running_run(api, ready_project):
    await ready_project("sleepy", {"train.py": SLEEPER})
    run = await start(api, "sleepy", [])
    run = await wait_run(api, run["id"])
    code, usage = await api.get(f"runs/{run['id']}/usage")
    assert code == 200 and len(usage["samples"]) >= 2, usage
    times = [s["time"] for s in usage["samples"]]
    assert times == sorted(times) and all(s["rss_bytes"] > 0 and s["processes"] >= 1 for s in usage["samples"])
    assert max(s["processes"] for s in usage["samples"]) == 2  # the launcher and the script
    code, body = await api.get("runs/nope/usage")
    assert code == 404


# -- units ------------------------------------------------------------------------------------
def test_event_file_names():
    host = socket.gethostname()
    assert parse_event_name(f"events.out.tfevents.1700000000.{host}.4242.0", host) == (1700000000.0, host, 4242)
    assert parse_event_name(f"events.out.tfevents.1700000000.{host}.4242", host) == (1700000000.0, host, 4242)
    assert parse_event_name("events.out.tfevents.1700000000.node.5.77.1.v2", "node.5") == (1700000000.0, "node.5", 77)
    assert parse_event_name("events.out.tfevents.1700000000.a.b.c.9", host)[1:] == ("a.b.c", 9)
    assert parse_event_name("events.out.tfevents.notime", host) == (None, None, None)


def test_sort_specs():
    assert parse_sort(None) is None
    assert parse_sort("metric:loss/test:min") == ("metric", "loss/test", "min", False)
    assert parse_sort("-metric:loss") == ("metric", "loss", "last", True)
    assert parse_sort("metric:a:b") == ("metric", "a:b", "last", False)
    assert parse_sort("param:model.depth") == ("param", "model.depth", "", False)
    with pytest.raises(BeekeeperError) as info:
        parse_sort("loss")
    assert info.value.field == "sort"


def test_downsample_keeps_min_and_max_of_every_bucket():
    values = np.sin(np.arange(100_000) / 500.0)
    values[77_777] = 50.0
    values[12_345] = -50.0
    values[500] = float("nan")
    points = np.column_stack([np.arange(100_000), np.arange(100_000) * 0.1, values])
    kept, downsampled = series.downsample(points, 2000)
    assert downsampled and len(kept) <= 2000
    assert 77_777 in kept[:, 0] and 12_345 in kept[:, 0] and kept[0, 0] == 0 and kept[-1, 0] == 99_999
    assert np.all(np.diff(kept[:, 0]) > 0)
    same, downsampled = series.downsample(points[:10], 2000)
    assert not downsampled and len(same) == 10


def _tensor_event(step: int, tag: str, value: float, with_metadata: bool):
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2

    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    tensor = tensor_pb2.TensorProto(dtype=1, tensor_content=struct.pack("<f", value))
    val = summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=meta if with_metadata else None)
    return event_pb2.Event(wall_time=time.time(), step=step, summary=summary_pb2.Summary(value=[val]))


def test_reading_tensorboards_own_writer_resumes_and_stops_at_a_torn_record(tmp_path):
    """TF2-style tensor scalars (metadata only on the first event) from tensorboard's EventFileWriter;
    a half-written record is read once complete; a corrupted one stops reading there."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(tmp_path))
    for step in range(3):
        writer.add_event(_tensor_event(step, "loss", step / 2, with_metadata=step == 0))
    writer.add_event(event_pb2.Event(step=3, summary=summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag="acc", simple_value=0.75)])))
    writer.flush()
    path = next(tmp_path.iterdir())
    cursor = ScalarCursor()
    points = read_points(path, cursor)
    assert [(t, s, v) for t, s, _w, v in points] == [("loss", 0, 0.0), ("loss", 1, 0.5), ("loss", 2, 1.0),
                                                      ("acc", 3, 0.75)]
    assert cursor.offset == path.stat().st_size
    whole = path.read_bytes()
    writer.add_event(_tensor_event(4, "loss", 2.0, with_metadata=False))
    writer.close()
    record = path.read_bytes()[len(whole):]
    path.write_bytes(whole + record[:10])  # the writer is mid-record
    assert read_points(path, cursor) == [] and cursor.offset == len(whole)
    path.write_bytes(whole + record)
    assert [(t, s, v) for t, s, _w, v in read_points(path, cursor)] == [("loss", 4, 2.0)]
    broken = bytearray(whole + record + record)
    broken[-3] ^= 0xFF
    path.write_bytes(bytes(broken))
    assert read_points(path, cursor) == [] and cursor.corrupt


RESUMING = """
import os, sys, time
from tbevents import SummaryWriter
w = SummaryWriter("out")
for step in range(10):
    if step == 5:
        while not os.path.exists(sys.argv[1]):
            time.sleep(0.05)
    w.add_scalar("loss", 10.0 - step, step)
    print(f"step {step} printed={step * 2}", flush=True)
w.close()
"""


def test_restart_keeps_metrics_params_and_usage_and_reading_resumes(make_repo, tmp_path):
    """Half the points are read by one server; the rest are written while no server runs; the next
    server resumes from the stored offsets (no point twice) and still has the usage history."""
    from live_server import LiveServer
    from runhelpers import LiveApi

    config = {"scalars_interval": 0.1, "usage_interval": 0.1}
    gate = tmp_path / "gate"
    server = LiveServer(tmp_path / "srv", config)
    try:
        api = LiveApi(server)
        repo = make_repo({"train.py": RESUMING, "tbevents.py": TBEVENTS})
        api.create_project("keep", repo.url)
        code, run = api.post("projects/keep/runs", {"args": [str(gate), "--seed=3"], "gpus": 0})
        assert code == 201, run
        api.wait(lambda: api.get(f"runs/{run['id']}")[1]["metrics"].get("loss", {}).get("count") == 5,
                 "five points read")
        api.wait(lambda: len(api.get(f"runs/{run['id']}/usage")[1]["samples"]) >= 2, "usage samples")
    finally:
        server.stop()
    gate.touch()
    run_dir = tmp_path / "srv" / "bkhome" / "projects" / "keep" / "runs" / run["id"]
    for _ in range(400):
        if (run_dir / "exit.json").exists():
            break
        time.sleep(0.05)
    usage_before = (run_dir / "usage.jsonl").read_text().splitlines()

    server = LiveServer(tmp_path / "srv", config)
    try:
        api = LiveApi(server)
        api.wait_run(run["id"])

        def complete():
            metrics = api.get(f"runs/{run['id']}")[1]["metrics"]
            return metrics if metrics.get("loss", {}).get("count") == 10 and metrics.get(
                "printed", {}).get("count") == 10 else None

        metrics = api.wait(complete, "all points after the restart")
        assert metrics["loss"] == {"last": 1.0, "min": 1.0, "max": 10.0, "step": 9, "count": 10}
        assert metrics["printed"]["last"] == 18.0
        code, body = api.get(f"runs/{run['id']}/scalars/loss")
        assert [p[0] for p in body["points"]] == list(range(10))
        code, got = api.get(f"runs/{run['id']}")
        assert got["params"]["seed"] == 3 and got["params"]["positional"] == [str(gate)]
        code, usage = api.get(f"runs/{run['id']}/usage")
        assert len(usage["samples"]) == len(usage_before) >= 2
        code, listing = api.get("runs?sort=-metric:loss:max")
        assert code == 200 and listing["runs"][0]["id"] == run["id"]
    finally:
        server.stop()
