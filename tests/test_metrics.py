"""Host and run metrics against a real server, real psutil and real processes.

GPUs: no NVIDIA GPU exists on this machine, so the GPU cases replace the `pynvml` module — and
only that module, the boundary in beekeeper_ext/nvml.py — with tests/fake_pynvml.py. Everything
above it is real. `test_real_gpu` uses the real pynvml and runs only where a GPU is present.
"""

from __future__ import annotations

import asyncio
import json
import time

import psutil
import pytest
from fake_pynvml import FakeGpu, install, uninstall
from runhelpers import wait_log, wait_run

from beekeeper_ext.nvml import Nvml, gpu_indices


@pytest.fixture
def bk_config():
    return {"metrics_interval": 0.2, "metrics_history": 600.0}


# -- the NVML boundary -----------------------------------------------------------------------------
def test_nvml_missing(monkeypatch):
    uninstall(monkeypatch)
    gpus, status = Nvml().read()
    assert gpus == [] and "not installed" in status


def test_nvml_driver_failure(monkeypatch):
    install(monkeypatch, [FakeGpu()], init_error="Driver Not Loaded")
    gpus, status = Nvml().read()
    assert gpus == [] and "Driver Not Loaded" in status


def test_nvml_no_gpu(monkeypatch):
    install(monkeypatch, [])
    assert Nvml().read() == ([], "no NVIDIA GPU found")


def test_nvml_one_gpu(monkeypatch):
    fake = install(monkeypatch, [FakeGpu(processes=[(4242, 2 * 1024**3)])])
    (gpu,), status = Nvml().read()
    assert status is None
    assert gpu["name"] == "NVIDIA H100 80GB HBM3" and gpu["index"] == 0
    assert gpu["utilization"] == 37 and gpu["memory_utilization"] == 12
    assert (gpu["memory_used"], gpu["memory_total"]) == (3 * 1024**3, 80 * 1024**3)
    assert gpu["temperature"] == 54
    assert gpu["power_watts"] == pytest.approx(123.456) and gpu["power_limit_watts"] == 700
    assert gpu["processes"] == [{"pid": 4242, "gpu_memory_bytes": 2 * 1024**3}]
    assert fake.calls["nvmlInit"] == 1


def test_nvml_two_gpus_one_broken_and_unsupported_fields(monkeypatch):
    install(monkeypatch, [FakeGpu(power_mw=None), FakeGpu(uuid="GPU-2", error="GPU is lost")])
    gpus, status = Nvml().read()
    assert status is None and len(gpus) == 2
    assert gpus[0]["power_watts"] is None and gpus[0]["name"]  # unsupported field → None, GPU still listed
    assert gpus[1] == {"index": 1, "error": "GPU is lost"}


def test_nvml_init_once_and_reinit_after_failure(monkeypatch):
    fake = install(monkeypatch, [FakeGpu(), FakeGpu()])
    nvml = Nvml(retry_after=0.0)
    for _ in range(5):
        assert len(nvml.read()[0]) == 2
    assert fake.calls["nvmlInit"] == 1  # one session reused by every sample
    fake.count_error = "Unknown Error"
    gpus, status = nvml.read()
    assert gpus == [] and "Unknown Error" in status
    fake.count_error = None
    nvml._retry_at = 0.0
    assert len(nvml.read()[0]) == 2
    assert fake.calls["nvmlInit"] == 2


@pytest.mark.gpu
def test_real_gpu():
    """The same code path with the real pynvml on a host that has a GPU."""
    if not gpu_indices():
        pytest.skip("no NVIDIA GPU on this host")
    gpus, status = Nvml().read()
    assert status is None and gpus
    for gpu in gpus:
        assert "error" in gpu or (gpu["name"] and 0 < gpu["memory_total"] and 0 <= gpu["memory_used"])


# -- REST snapshot ---------------------------------------------------------------------------------
async def test_snapshot_real_host_values(api, bk_home):
    code, sample = await api.get("metrics")
    assert code == 200, sample
    cpu = sample["cpu"]
    assert 0 <= cpu["percent"] <= 100
    assert len(cpu["per_core"]) == psutil.cpu_count() == cpu["count"]
    assert all(0 <= p <= 100 for p in cpu["per_core"])
    assert len(cpu["load_average"]) == 3 and all(v >= 0 for v in cpu["load_average"])
    assert sample["memory"]["total"] > 0 and 0 < sample["memory"]["percent"] <= 100
    assert sample["memory"]["total"] == psutil.virtual_memory().total
    assert sample["swap"]["total"] >= 0
    disk = sample["disk"]
    assert disk["path"] == str(bk_home) and disk["total"] > disk["free"] > 0
    assert abs(sample["time"] - time.time()) < 60
    # This machine has no GPU: the real pynvml reports why, never an error.
    if not gpu_indices():
        assert sample["gpus"] == [] and sample["gpu_status"]


async def test_snapshot_without_pynvml(api, monkeypatch, bk_app):
    uninstall(monkeypatch)
    bk_app.metrics.nvml = Nvml()
    code, sample = await api.get("metrics")
    assert code == 200 and sample["gpus"] == [] and "not installed" in sample["gpu_status"]


async def test_snapshot_two_fake_gpus(api, monkeypatch, bk_app):
    install(monkeypatch, [FakeGpu(uuid="GPU-a"), FakeGpu(uuid="GPU-b", error="GPU is lost")])
    bk_app.metrics.nvml = Nvml()
    code, sample = await api.get("metrics")
    assert code == 200 and sample["gpu_status"] is None
    assert [g.get("uuid") for g in sample["gpus"]] == ["GPU-a", None]
    assert sample["gpus"][1]["error"] == "GPU is lost"


TRAIN_WITH_CHILD = """\
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(30_000_000); time.sleep(120)"])
print("child", child.pid, flush=True)
deadline = time.time() + 120
while time.time() < deadline:
    sum(range(20000)); time.sleep(0.01)
"""


async def test_run_usage_whole_tree_and_gpu_owner(api, ready_project, monkeypatch, bk_app):
    """A run's usage sums its process tree, and a GPU process that is the run's grandchild is theirs."""
    # pytest-jupyter exports this interpreter's sys.path as PYTHONPATH; the project venv (another
    # Python version) must not inherit it.
    monkeypatch.delenv("PYTHONPATH", raising=False)
    fake = install(monkeypatch, [FakeGpu(), FakeGpu(uuid="GPU-other")])
    bk_app.metrics.nvml = Nvml()
    await ready_project("usage", {"train.py": TRAIN_WITH_CHILD})
    code, run = await api.post("projects/usage/runs", {})
    assert code == 201, run
    try:
        log = await wait_log(api, run["id"], "child ")
        child_pid = int(log.decode().split("child ")[1].split()[0])
        fake.gpus[0].processes = [(child_pid, 5 * 1024**2), (999999, 7)]
        deadline = time.monotonic() + 30
        while True:
            code, sample = await api.get("metrics")
            usage = next((u for u in sample["runs"] if u["id"] == run["id"]), None)
            if usage and usage["rss_bytes"] > 30_000_000 and usage["cpu_percent"] > 0 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        assert usage is not None, sample["runs"]
        assert usage["project"] == "usage" and usage["processes"] >= 3  # launcher, train.py, child
        assert usage["rss_bytes"] > 30_000_000 and usage["cpu_percent"] > 0
        assert usage["gpu_memory_bytes"] == 5 * 1024**2
        assert sample["gpus"][0]["runs"] == [run["id"]] and sample["gpus"][1]["runs"] == []
        owners = {p["pid"]: p["run_id"] for p in sample["gpus"][0]["processes"]}
        assert owners == {child_pid: run["id"], 999999: None}
        code, shown = await api.get(f"runs/{run['id']}")
        assert shown["usage"]["rss_bytes"] > 0 and shown["usage"]["gpu_memory_bytes"] == 5 * 1024**2
    finally:
        await api.post(f"runs/{run['id']}/stop")
        await wait_run(api, run["id"])
    code, shown = await api.get(f"runs/{run['id']}")
    assert shown["usage"] is None


# -- the shared stream -----------------------------------------------------------------------------
async def read_json(ws, timeout=30):
    return json.loads(await asyncio.wait_for(ws.read_message(), timeout))


async def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition never became true"
        await asyncio.sleep(0.05)


class SamplerStarts:
    """How often the metrics service starts its shared sampler: its loop, wrapped here (test-side)."""

    def __init__(self, metrics, monkeypatch):
        self.count = 0
        loop = metrics._sample_loop

        async def counted():
            self.count += 1
            await loop()

        monkeypatch.setattr(metrics, "_sample_loop", counted)


async def test_one_sampler_shared_history_and_stop(jp_ws_fetch, bk_app, api, monkeypatch):
    metrics = bk_app.metrics
    starts = SamplerStarts(metrics, monkeypatch)
    assert not metrics.sampling and starts.count == 0  # nobody listens: no sampling
    clients = [await jp_ws_fetch("beekeeper", "api", "metrics", "stream") for _ in range(3)]
    try:
        for ws in clients:
            first = await read_json(ws)
            assert first["type"] == "history" and first["interval"] == 0.2
        times = []
        for ws in clients:
            samples = [await read_json(ws) for _ in range(3)]
            assert all(s["type"] == "sample" and s["cpu"]["count"] > 0 for s in samples)
            times.append([s["time"] for s in samples])
        assert starts.count == 1 and metrics.subscriber_count == 3
        # Every client saw the same samples: one sampler fans out, no per-client sampling.
        assert len({t for ts in times for t in ts}) < sum(len(ts) for ts in times)
        late = await jp_ws_fetch("beekeeper", "api", "metrics", "stream")
        clients.append(late)
        history = await read_json(late)
        assert history["type"] == "history" and len(history["samples"]) >= 3
        assert [s["time"] for s in history["samples"]] == sorted(s["time"] for s in history["samples"])
        assert starts.count == 1
        # While the sampler runs, GET /metrics answers with its latest sample instead of reading
        # the CPU counters itself (which would shorten the stream's next CPU window).
        code, snap = await api.get("metrics")
        assert code == 200 and snap["time"] in {s["time"] for s in metrics.history()}
    finally:
        for ws in clients:
            ws.close()
    await wait_for(lambda: metrics.subscriber_count == 0 and not metrics.sampling)
    code, snap = await api.get("metrics")
    assert snap["time"] > metrics.history()[-1]["time"]  # nobody streams: a reading made now
    kept = len(metrics.history())
    await asyncio.sleep(0.6)
    assert len(metrics.history()) == kept  # stopped: no more samples while nobody listens
    ws = await jp_ws_fetch("beekeeper", "api", "metrics", "stream")
    try:
        assert len((await read_json(ws))["samples"]) == kept
        assert (await read_json(ws))["type"] == "sample"
        assert starts.count == 2
    finally:
        ws.close()
    await wait_for(lambda: not metrics.sampling)


async def test_slow_client_does_not_queue_without_bound(jp_ws_fetch, bk_app):
    metrics = bk_app.metrics
    sub = metrics.subscribe()  # a listener that never reads
    try:
        await wait_for(lambda: sub.dropped >= 3, timeout=60)
        assert sub.queue.qsize() <= 4
    finally:
        metrics.unsubscribe(sub)
    await wait_for(lambda: not metrics.sampling)


async def test_stream_and_snapshot_require_auth(jp_fetch, jp_ws_fetch):
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("beekeeper", "api", "metrics", headers={"Authorization": ""})
    assert err.value.code == 403
    with pytest.raises(HTTPClientError) as err:
        await jp_ws_fetch("beekeeper", "api", "metrics", "stream", headers={"Authorization": ""})
    assert err.value.code in (401, 403)
