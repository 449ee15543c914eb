"""Runs on a real local Ray head through Beekeeper's HTTP API.

The head is started once for the module (it is heavy on a 2-core machine) with `--num-gpus=2`
declared, so Ray's GPU placement and CUDA_VISIBLE_DEVICES are exercised without a GPU; it is
stopped with `ray stop --force` at the end whatever happens. Jobs are tiny scripts that wait on
flag files in the test's tmp folder (the "shared filesystem" here is simply this machine).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("ray")

from live_server import LiveServer, free_port  # noqa: E402
from runhelpers import LiveApi, read_stream, wait_log, wait_run  # noqa: E402

pytestmark = pytest.mark.ray

VENV_BIN = Path(sys.executable).parent

WAITER = """
import os, sys, time
print("CVD=" + os.environ.get("CUDA_VISIBLE_DEVICES", "<unset>"), flush=True)
print("started", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.1)
for i in range(3):
    print(f"step {i}", flush=True)
print("done", flush=True)
"""


@pytest.fixture
def ray_config(request, tmp_path):
    """c.RayExecutor.* for one test (indirect parametrization); node venvs go to the test's tmp."""
    return {"node_venv_cache": str(tmp_path / "node-venvs"), **getattr(request, "param", {})}


@pytest.fixture
def bk_config(request, ray_head):
    return getattr(request, "param", None) or {"ray_address": ray_head.address}


@pytest.fixture
def jp_server_config(bk_home, bk_config, ray_config):
    return {"ServerApp": {"jpserver_extensions": {"beekeeper_ext": True}},
            "BeekeeperApp": {"home": str(bk_home), **bk_config}, "RayExecutor": ray_config}


async def test_executors_lists_ray_reachable(api):
    code, body = await api.get("executors")
    assert code == 200, body
    ray = next(e for e in body["executors"] if e["name"] == "ray")
    assert ray["reachable"] is True, ray
    assert ray["ray_version"]
    assert ray["gpus"]["total"] == 2
    assert ray["mode"] == "shared-filesystem"
    assert any(e["name"] == "local" for e in body["executors"])


async def test_gpu_run_streams_its_log_and_gets_gpus_from_ray(api, ready_project, jp_ws_fetch, tmp_path, bk_home):
    await ready_project("rayjob", {"train.py": WAITER})
    gate = tmp_path / "gate"
    code, run = await api.post("projects/rayjob/runs", {"executor": "ray", "gpus": 1, "args": [str(gate)]})
    assert code == 201, run
    assert run["executor"] == "ray"
    # The stream is followed while Ray mirrors the job's log into output.log.
    first, end = await read_stream(jp_ws_fetch, ["beekeeper", "api", "runs", run["id"], "log", "stream"],
                                   stop_after=1, timeout=120)
    assert end is None and first
    body = await wait_log(api, run["id"], "started", timeout=120)
    cvd = body.decode().split("CVD=")[1].split()[0]
    assert cvd in ("0", "1")  # set by Ray for entrypoint_num_gpus=1; Beekeeper's pool is empty here
    gate.touch()
    done = await wait_run(api, run["id"], timeout=120)
    assert done["state"] == "succeeded", done
    assert done["exit_code"] == 0 and done["mode"] == "shared-filesystem"
    messages, end = await read_stream(jp_ws_fetch, ["beekeeper", "api", "runs", run["id"], "log", "stream"])
    streamed = "".join(m["data"] for m in messages)
    assert end is not None and end["state"] == "succeeded"
    code, raw = await api.get(f"runs/{run['id']}/log")
    assert streamed == raw
    # Every line once, in order: mirroring neither lost nor repeated anything.
    lines = [ln for ln in streamed.splitlines() if ln.startswith(("step", "started", "done", "CVD="))]
    assert lines == [f"CVD={cvd}", "started", "step 0", "step 1", "step 2", "done"]
    record = json.loads((bk_home / "projects" / "rayjob" / "runs" / run["id"] / "run.json").read_text())
    assert record["mode"] == "shared-filesystem" and record["executor"] == "ray"


async def test_stop_ends_a_ray_run_stopped(api, ready_project, tmp_path, ray_head):
    await ready_project("raystop", {"train.py": WAITER})
    code, run = await api.post("projects/raystop/runs", {"executor": "ray", "gpus": 1,
                                                         "args": [str(tmp_path / "never")]})
    assert code == 201, run
    await wait_log(api, run["id"], "started", timeout=120)
    code, body = await api.post(f"runs/{run['id']}/stop")
    assert code == 202, body
    done = await wait_run(api, run["id"], timeout=120)
    assert done["state"] == "stopped", done
    job = json.loads(urllib.request.urlopen(f"{ray_head.address}/api/jobs/{run['id']}", timeout=10).read())
    assert job["status"] == "STOPPED"


async def test_ray_run_defaults_to_one_gpu_when_the_cluster_has_gpus(api, ready_project):
    """As on a local GPU host: a run that names no GPU count gets one when the cluster has GPUs
    (as last seen by the executor check), and Ray picks the device."""
    await ready_project("raydefault", {"train.py": "import os\nprint('CVD=' + os.environ.get('CUDA_VISIBLE_DEVICES', ''))\n"})
    code, executors = await api.get("executors")
    assert next(e for e in executors["executors"] if e["name"] == "ray")["gpus"]["total"] == 2
    code, run = await api.post("projects/raydefault/runs", {"executor": "ray"})
    assert code == 201 and run["gpus_requested"] == 1, run
    done = await wait_run(api, run["id"], timeout=180)
    log = (await api.get(f"runs/{run['id']}/log", raw=True)).body.decode()
    assert done["state"] == "succeeded" and ("CVD=0" in log or "CVD=1" in log), log


async def ray_job_status(ray_head, submission_id: str, wanted: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{ray_head.address}/api/jobs/{submission_id}", timeout=10) as response:
                status = json.loads(response.read())["status"]
        except OSError:
            status = None
        if status == wanted:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"Ray job {submission_id} is {status}, never {wanted}")


async def test_third_gpu_job_waits_for_a_free_gpu(api, ready_project, tmp_path, ray_head):
    await ready_project("raygpus", {"train.py": WAITER})
    gates = [tmp_path / f"gate{i}" for i in range(3)]
    runs = []
    for gate in gates:
        code, run = await api.post("projects/raygpus/runs", {"executor": "ray", "gpus": 1, "args": [str(gate)],
                                                             "allow_parallel": True})
        assert code == 201, run
        runs.append(run)
    first = [await wait_log(api, r["id"], "started", timeout=120) for r in runs[:2]]
    devices = sorted(b.decode().split("CVD=")[1].split()[0] for b in first)
    assert devices == ["0", "1"]  # Ray gave each its own GPU
    # Two jobs hold both declared GPUs: Ray keeps the third PENDING, Beekeeper shows it starting.
    waiting = await wait_run(api, runs[2]["id"], ("starting",), timeout=60)
    assert waiting["state"] == "starting"
    code, log = await api.get(f"runs/{runs[2]['id']}/log")
    assert "started" not in log
    # A run Ray holds back can be stopped before it ever starts.
    code, extra = await api.post("projects/raygpus/runs", {"executor": "ray", "gpus": 1, "allow_parallel": True,
                                                           "args": [str(gates[2])]})
    assert code == 201, extra
    await wait_run(api, extra["id"], ("starting",), timeout=60)
    await ray_job_status(ray_head, extra["id"], "PENDING")  # submitted, and Ray holds it back
    code, body = await api.post(f"runs/{extra['id']}/stop")
    assert code == 202, body
    stopped = await wait_run(api, extra["id"], timeout=30)  # at once, not when Ray would place it
    assert stopped["state"] == "stopped" and "held it back" in stopped["message"], stopped
    gates[0].touch()
    assert (await wait_run(api, runs[0]["id"], timeout=120))["state"] == "succeeded"
    body = await wait_log(api, runs[2]["id"], "started", timeout=120)
    assert body.decode().split("CVD=")[1].split()[0] in ("0", "1")
    assert (await wait_run(api, runs[2]["id"], ("running",), timeout=60))["state"] == "running"
    gates[1].touch()
    gates[2].touch()
    for run in runs[1:]:
        assert (await wait_run(api, run["id"], timeout=120))["state"] == "succeeded"


@pytest.mark.parametrize("ray_config", [{"shared_filesystem": False}], indirect=True)
async def test_working_dir_mode_builds_the_venv_on_the_node(api, ready_project, tmp_path):
    script = "import os, sys\nprint('exe', sys.executable)\nprint('git shipped', os.path.exists('.git'))\n"
    await ready_project("raywd", {"train.py": script})
    code, executors = await api.get("executors")
    assert next(e for e in executors["executors"] if e["name"] == "ray")["mode"] == "working-dir"
    code, run = await api.post("projects/raywd/runs", {"executor": "ray", "gpus": 0})
    assert code == 201, run
    done = await wait_run(api, run["id"], timeout=240)
    code, log = await api.get(f"runs/{run['id']}/log")
    assert done["state"] == "succeeded", (done, log)
    assert done["mode"] == "working-dir"
    assert "git shipped False" in log and "building the venv" in log
    assert str(tmp_path / "node-venvs") in log  # the interpreter is the node-built venv, not the project's


async def test_restart_reattaches_to_a_ray_job(ray_head, make_repo, tmp_path):
    gate = tmp_path / "gate"
    root = tmp_path / "srv"
    config = {"ray_address": ray_head.address}
    server = LiveServer(root, config)
    try:
        api = LiveApi(server)
        repo = make_repo({"train.py": WAITER})
        api.create_project("rayre", repo.url)
        code, run = api.post("projects/rayre/runs", {"executor": "ray", "gpus": 1, "args": [str(gate)]})
        assert code == 201, run
        api.wait_log(run["id"], "started", timeout=120)
    finally:
        server.stop()
    gate.touch()  # the job goes on and ends while no Jupyter watches it
    server = LiveServer(root, config)
    try:
        api = LiveApi(server)
        done = api.wait_run(run["id"], timeout=180)
        assert done["state"] == "succeeded", done
        log = api.log(run["id"]).decode()
        for line in ("started", "step 0", "step 2", "done"):
            assert log.count(line + "\n") == 1, log
    finally:
        server.stop()


@pytest.mark.parametrize("bk_config", [{"ray_address": "http://127.0.0.1:9"}], indirect=True)
async def test_unreachable_ray_fails_the_run_clearly_and_local_still_works(api, ready_project, bk_config):
    code, body = await api.get("executors")
    ray = next(e for e in body["executors"] if e["name"] == "ray")
    assert ray["reachable"] is False and "unreachable" in ray["detail"]
    await ready_project("raydown", {"train.py": "print('local fine')\n"})
    code, run = await api.post("projects/raydown/runs", {"executor": "ray", "gpus": 1})
    assert code == 201, run
    done = await wait_run(api, run["id"], timeout=60)
    assert done["state"] == "failed"
    assert "Ray at http://127.0.0.1:9 is unreachable" in done["message"]
    code, run = await api.post("projects/raydown/runs", {"executor": "local", "gpus": 0})
    assert code == 201, run
    done = await wait_run(api, run["id"], timeout=60)
    assert done["state"] == "succeeded", done


async def test_a_head_that_refuses_the_job_gives_rays_reason(ray_head, tmp_path):
    """Executor level: Ray refuses a second job with the same submission id (= run id)."""
    from beekeeper_ext.errors import BeekeeperError
    from beekeeper_ext.executors import LaunchSpec
    from beekeeper_ext.executors.ray import RayExecutor

    executor = RayExecutor(home=tmp_path, address=ray_head.address)
    run_dir = tmp_path / "projects" / "p" / "runs" / "dup-1"
    run_dir.mkdir(parents=True)
    spec = LaunchSpec(run_id=f"dup-{free_port()}", project="p", argv=[sys.executable, "-c", "print(1)"],
                      cwd=tmp_path, env={}, log_path=run_dir / "output.log", run_dir=run_dir, venv=tmp_path)
    try:
        handle = await executor.submit(spec)
        assert handle.external_id == spec.run_id
        with pytest.raises(BeekeeperError) as refused:
            await executor.submit(spec)
        assert "refused the job" in refused.value.message and "already exists" in refused.value.message
    finally:
        await executor.close()


@pytest.mark.parametrize("ray_config", [{"node_python": "/nonexistent/python", "shared_filesystem": False}],
                         indirect=True)
async def test_a_job_failing_on_the_node_carries_rays_message(api, ready_project):
    await ready_project("raybroken", {"train.py": "print('never')\n"})
    code, run = await api.post("projects/raybroken/runs", {"executor": "ray", "gpus": 0})
    assert code == 201, run
    done = await wait_run(api, run["id"], timeout=180)
    assert done["state"] == "failed", done
    assert done["message"].startswith("Ray: ") and "/nonexistent/python" in done["message"], done


async def test_unreachable_head_keeps_a_run_running_until_the_grace_ends(tmp_path):
    """Executor level, against a closed port: no flip to lost on the first failed poll."""
    import asyncio

    from beekeeper_ext.executors.ray import RayExecutor

    executor = RayExecutor(home=tmp_path, address=f"http://127.0.0.1:{free_port()}", unreachable_grace=1.0,
                           status_interval=0.05)
    run = {"id": "gone-1", "external_id": "gone-1", "project": "p"}
    try:
        first = await executor.poll(run)
        assert first.state == "running" and "unreachable" in first.message
        assert "lost after 1 s" in first.message
        status = first
        for _ in range(100):
            await asyncio.sleep(0.1)
            status = await executor.poll(run)
            if status.state == "lost":
                break
        assert status.state == "lost" and "unreachable" in status.message
    finally:
        await executor.close()


TBEVENTS = (Path(__file__).parent.parent / "beekeeper_ext" / "example_project" / "tbevents.py").read_text()
SCALARS = """
from tbevents import SummaryWriter
w = SummaryWriter("out")
for step in range(5):
    w.add_scalar("loss/train", 5.0 - step, step)
w.close()
print("done", flush=True)
"""


async def test_a_ray_runs_scalars_are_read_into_its_metrics(api, ready_project):
    """Ray's writer pid is not in any process tree Beekeeper knows: the run's time window claims it."""
    await ready_project("rayscalars", {"train.py": SCALARS, "tbevents.py": TBEVENTS})
    code, run = await api.post("projects/rayscalars/runs", {"executor": "ray", "gpus": 0, "args": ["--lr=0.1"]})
    assert code == 201, run
    run = await wait_run(api, run["id"], timeout=180)
    assert run["state"] == "succeeded", run
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and run["metrics"].get("loss/train", {}).get("count") != 5:
        await asyncio.sleep(0.2)
        run = (await api.get(f"runs/{run['id']}"))[1]
    assert run["metrics"]["loss/train"] == {"last": 1.0, "min": 1.0, "max": 5.0, "step": 4, "count": 5}
    assert run["params"]["lr"] == 0.1 and run["params"]["executor"] == "ray"
    code, body = await api.get(f"runs/{run['id']}/scalars/loss/train")
    assert code == 200 and [p[2] for p in body["points"]] == [5.0, 4.0, 3.0, 2.0, 1.0]
