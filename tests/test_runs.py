"""Runs over the real API: real projects (git + uv venv), real child processes."""

from __future__ import annotations

import asyncio
import json
import os
import time

import psutil
import pytest

from gitrepos import git
from runhelpers import wait_log, wait_run

TRAIN_OK = "import os, sys\nprint('hello', sys.argv[1:], os.environ.get('GREETING'), flush=True)\n"
TRAIN_FAIL = "import sys\nprint('about to fail')\nsys.exit(3)\n"


async def test_run_succeeds_with_args_env_and_record(api, ready_project):
    project = await ready_project("ok", {"train.py": TRAIN_OK})
    code, run = await api.post("projects/ok/runs", {"args": ["--lr", "0.1"], "env": {"GREETING": "secret-hi"}})
    assert code == 201, run
    assert run["state"] in ("queued", "starting", "running") and run["project"] == "ok"
    assert run["env_keys"] == ["GREETING"] and "secret-hi" not in json.dumps(run)
    run = await wait_run(api, run["id"])
    assert run["state"] == "succeeded" and run["exit_code"] == 0, run
    assert run["commit"] == project["_repo"].head()
    assert run["command"][1:] == ["-u", "train.py", "--lr", "0.1"]
    assert run["command"][0].endswith("/venv/bin/python")
    assert run["gpus"] == [] and run["host"] and run["started"] and run["ended"] and run["duration"] >= 0
    response = await api.get(f"runs/{run['id']}/log", raw=True)
    assert b"hello ['--lr', '0.1'] secret-hi" in response.body
    assert response.headers["X-Beekeeper-Writing"] == "false"
    assert int(response.headers["X-Beekeeper-Next-Offset"]) == len(response.body) == run["log_size"]
    folder = os.path.join(project["paths"]["root"], "runs", run["id"])
    record = json.loads(open(os.path.join(folder, "run.json")).read())
    assert record["state"] == "succeeded" and record["commit_sha"] == run["commit"]
    assert "secret-hi" not in open(os.path.join(folder, "run.json")).read()
    code, listing = await api.get("projects/ok/runs")
    assert code == 200 and [r["id"] for r in listing["runs"]] == [run["id"]] and listing["total"] == 1


TRAIN_ENV = """import json, os
keys = ("VIRTUAL_ENV", "PYTHONPATH", "BEEKEEPER_RUN_ID", "BEEKEEPER_PROJECT", "BEEKEEPER_RUN_DIR", "CUDA_DEVICE_ORDER", "CUDA_VISIBLE_DEVICES",
        "JUPYTER_TOKEN", "JUPYTERHUB_API_TOKEN", "BEEKEEPER_TOKEN")
print("ENV " + json.dumps({**{k: os.environ.get(k) for k in keys}, "PATH": os.environ["PATH"]}), flush=True)
"""


async def test_run_environment_names_the_run_and_holds_no_jupyter_credentials(api, ready_project, monkeypatch):
    """A script learns its run id and folder (the example names its outputs after it); CUDA numbers
    devices like NVML; the venv is active (PATH, VIRTUAL_ENV) and the server's PYTHONPATH is not;
    the server's own tokens never reach training code."""
    monkeypatch.setenv("PYTHONPATH", "/server/only/site-packages")
    monkeypatch.setenv("JUPYTER_TOKEN", "server-token-1")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "hub-token-2")
    monkeypatch.setenv("BEEKEEPER_TOKEN", "cli-token-3")
    project = await ready_project("envy", {"train.py": TRAIN_ENV})
    code, run = await api.post("projects/envy/runs")
    assert code == 201, run
    run = await wait_run(api, run["id"])
    body = (await api.get(f"runs/{run['id']}/log", raw=True)).body.decode()
    assert run["state"] == "succeeded", body
    seen = json.loads(next(line[4:] for line in body.splitlines() if line.startswith("ENV ")))
    assert seen["BEEKEEPER_RUN_ID"] == run["id"] and seen["BEEKEEPER_PROJECT"] == "envy"
    assert seen["BEEKEEPER_RUN_DIR"] == os.path.join(project["paths"]["root"], "runs", run["id"])
    assert seen["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID" and seen["CUDA_VISIBLE_DEVICES"] == ""
    assert seen["JUPYTER_TOKEN"] is None and seen["JUPYTERHUB_API_TOKEN"] is None and seen["BEEKEEPER_TOKEN"] is None
    assert "token-" not in body
    venv = project["paths"]["venv"]
    assert seen["VIRTUAL_ENV"] == venv and seen["PATH"].split(os.pathsep)[0] == os.path.join(venv, "bin")
    assert seen["PYTHONPATH"] is None


async def test_run_failure_keeps_exit_code(api, ready_project):
    await ready_project("bad", {"train.py": TRAIN_FAIL})
    code, run = await api.post("projects/bad/runs")
    assert code == 201, run
    run = await wait_run(api, run["id"])
    assert run["state"] == "failed" and run["exit_code"] == 3, run
    code, runs = await api.get("runs", params={"state": "failed"})
    assert [r["id"] for r in runs["runs"]] == [run["id"]]
    code, runs = await api.get("runs", params={"state": "succeeded"})
    assert runs["runs"] == []


@pytest.fixture
def bk_config():
    return {"stop_grace_period": 1.0}


TREE = """
import os, signal, sys, time

def linger(new_session):
    if new_session:
        os.setsid()  # leaves the run's process group: only the descendant sweep can find it
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(600)
        os._exit(0)
    time.sleep(600)
    os._exit(0)

for new_session in (False, True):
    if os.fork() == 0:
        linger(new_session)
time.sleep(1)
print("tree ready", flush=True)
time.sleep(600)
"""


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


async def test_stop_kills_the_whole_tree_even_grandchildren_that_left_the_group(api, ready_project):
    await ready_project("tree", {"train.py": TREE})
    code, run = await api.post("projects/tree/runs")
    assert code == 201, run
    await wait_log(api, run["id"], "tree ready")
    run = await wait_run(api, run["id"], ("running",))
    launcher = psutil.Process(run["pid"])
    tree = launcher.children(recursive=True)
    assert len(tree) >= 5, tree  # train.py, 2 children, 2 grandchildren
    assert any(p.pid == os.getpgid(p.pid) for p in tree if _alive(p)), "one child should have left the group"
    code, body = await api.post(f"runs/{run['id']}/stop")
    assert code == 202, body
    run = await wait_run(api, run["id"])
    assert run["state"] == "stopped", run
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in tree) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not [p for p in tree if _alive(p)]
    assert not _alive(launcher)


async def test_one_active_run_per_project_and_delete_rules(api, ready_project):
    await ready_project("solo", {"train.py": "import time\nprint('start', flush=True)\ntime.sleep(600)\n"})
    code, first = await api.post("projects/solo/runs", {"gpus": 0})
    assert code == 201, first
    code, body = await api.post("projects/solo/runs", {"gpus": 0})
    assert code == 409 and body["field"] == "allow_parallel", body
    code, second = await api.post("projects/solo/runs", {"gpus": 0, "allow_parallel": True})
    assert code == 201 and second["allow_parallel"] is True, second
    await wait_log(api, first["id"], "start")
    code, body = await api.delete(f"runs/{first['id']}")
    assert code == 409, body
    code, body = await api.delete("projects/solo")
    assert code == 409 and "stop it first" in body["message"], body
    for run in (first, second):
        await api.post(f"runs/{run['id']}/stop")
    for run in (first, second):
        assert (await wait_run(api, run["id"]))["state"] == "stopped"
    code, _ = await api.delete(f"runs/{first['id']}")
    assert code == 204
    code, _ = await api.get(f"runs/{first['id']}")
    assert code == 404
    code, body = await api.get(f"runs/{first['id']}/log")
    assert code == 404
    code, listing = await api.get("projects/solo/runs")
    assert [r["id"] for r in listing["runs"]] == [second["id"]]
    code, _ = await api.delete("projects/solo")
    assert code == 204
    code, _ = await api.get(f"runs/{second['id']}")
    assert code == 404


async def test_run_requests_are_validated(api, ready_project, make_repo):
    await ready_project("val")
    cases = [
        ({"colour": "red"}, "colour"),
        ({"args": "not-a-list"}, "args"),
        ({"env": {"1BAD": "x"}}, "env"),
        ({"env": {"FOO\n": "x"}}, "env"),
        ({"gpus": [0]}, "gpus"),  # the test server's pool is empty
        ({"gpus": 2}, "gpus"),
        ({"gpus": -1}, "gpus"),
        ({"executor": "nowhere"}, "executor"),
        ({"allow_parallel": "yes"}, "allow_parallel"),
        ({"resources": {"disks": 1}}, "resources.disks"),
    ]
    for body, field in cases:
        code, answer = await api.post("projects/val/runs", body)
        assert code == 400 and answer["field"] == field, (body, answer)
    code, answer = await api.post("projects/nope/runs")
    assert code == 404
    code, runs = await api.get("runs")
    assert runs["runs"] == []  # nothing half-created
    code, answer = await api.get("runs", params={"state": "sleeping"})
    assert code == 400 and answer["field"] == "state"
    # A project whose setup failed cannot run.
    code, body = await api.post("projects", {"name": "broken", "git_url": "file:///nonexistent/repo.git"})
    assert code == 201
    assert (await api.wait_setup("broken"))["setup"]["state"] == "failed"
    code, answer = await api.post("projects/broken/runs")
    assert code == 409, answer


async def test_failed_sync_fails_the_run_with_gits_message(api, ready_project):
    project = await ready_project("gone")
    repo = project["_repo"]
    import shutil

    shutil.rmtree(repo.bare)
    code, run = await api.post("projects/gone/runs")
    assert code == 201
    run = await wait_run(api, run["id"])
    assert run["state"] == "failed" and run["exit_code"] is None, run
    assert "repo" in run["message"].lower() or "fatal" in run["message"].lower(), run
    log = (await api.get(f"runs/{run['id']}/log", raw=True)).body
    assert b"failed to start" in log


async def test_sync_picks_up_new_commits(api, ready_project):
    project = await ready_project("fresh", {"train.py": "print('v1')\n"})
    repo = project["_repo"]
    sha = repo.commit({"train.py": "print('v2')\n"})
    repo.push()
    code, run = await api.post("projects/fresh/runs")
    run = await wait_run(api, run["id"])
    assert run["commit"] == sha and run["state"] == "succeeded"
    assert b"v2" in (await api.get(f"runs/{run['id']}/log", raw=True)).body


async def test_run_events_over_websocket(api, ready_project, jp_ws_fetch):
    await ready_project("ev", {"train.py": "print('done')\n"})
    ws = await jp_ws_fetch("beekeeper", "api", "events")
    try:
        code, run = await api.post("projects/ev/runs", {"gpus": 0})
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message = json.loads(await asyncio.wait_for(ws.read_message(), 60))
            if message["type"] == "run" and message["run"]["id"] == run["id"]:
                seen.append(message["run"]["state"])
                if message["run"]["state"] == "succeeded":
                    break
        assert seen[0] == "queued" and seen[-1] == "succeeded" and "running" in seen, seen
    finally:
        ws.close()


async def test_project_edits_and_deletes_are_announced(api, ready_project, jp_ws_fetch):
    """The lab panel stays true without re-listing: an edit that needs no new setup, and a delete
    (from another tab, the client or the CLI), both arrive on /events."""
    await ready_project("told", {"train.py": "print('x')\n"})
    ws = await jp_ws_fetch("beekeeper", "api", "events")

    async def next_project_event():
        while True:
            message = json.loads(await asyncio.wait_for(ws.read_message(), 30))
            if message["type"] == "project" and message["project"]["name"] == "told":
                return message["project"]

    try:
        code, body = await api.patch("projects/told", {"env": {"SEED": "7"}})
        assert code == 200, body
        edited = await next_project_event()
        assert edited["env"] == {"SEED": "7"} and edited["setup"]["state"] == "ready"
        code, _ = await api.delete("projects/told")
        assert code == 204
        assert await next_project_event() == {"name": "told", "deleted": True}
    finally:
        ws.close()


async def test_a_parallel_run_does_not_check_out_code_under_a_running_one(api, ready_project):
    """src/ is shared: while a run is running, a parallel run uses the same commit instead of
    syncing (which would change files under the running one); once nothing runs, runs sync again."""
    project = await ready_project("sweep", {"train.py": "import sys, time\nprint('v1', flush=True)\n"
                                                        "time.sleep(600 if '--hold' in sys.argv else 0)\n"})
    repo = project["_repo"]
    code, holder = await api.post("projects/sweep/runs", {"gpus": 0, "args": ["--hold"]})
    await wait_log(api, holder["id"], "v1")
    newer = repo.commit({"train.py": "print('v2', flush=True)\n"})
    repo.push()
    code, parallel = await api.post("projects/sweep/runs", {"gpus": 0, "allow_parallel": True})
    assert code == 201, parallel
    parallel = await wait_run(api, parallel["id"])
    log = (await api.get(f"runs/{parallel['id']}/log", raw=True)).body.decode()
    assert parallel["commit"] == project["setup"]["commit"] != newer, parallel
    assert f"not syncing: run {holder['id']} is running" in log and "v1" in log
    await api.post(f"runs/{holder['id']}/stop")
    await wait_run(api, holder["id"])
    code, after = await api.post("projects/sweep/runs", {"gpus": 0})
    after = await wait_run(api, after["id"])
    assert after["commit"] == newer and b"v2" in (await api.get(f"runs/{after['id']}/log", raw=True)).body


async def test_a_runs_env_reaches_only_its_command_not_the_launcher(api, ready_project):
    """The launcher runs isolated (`python -I`, Beekeeper's own environment, the run's env on
    stdin): a run's PYTHONHOME=/nonexistent breaks only the run, whose log then shows Python's own
    error, and a `json.py` in the checkout cannot shadow the launcher's imports."""
    await ready_project("iso", {"train.py": "print('trained', flush=True)\n",
                                "json.py": "raise SystemExit('the checkout shadowed json')\n"})
    code, run = await api.post("projects/iso/runs", {"env": {"PYTHONHOME": "/nonexistent"}})
    assert code == 201, run
    run = await wait_run(api, run["id"])
    log = (await api.get(f"runs/{run['id']}/log", raw=True)).body.decode()
    assert run["state"] == "failed" and run["exit_code"] == 1, (run, log)
    assert "exit record" not in (run["message"] or ""), run
    assert "encodings" in log and "trained" not in log, log  # Python's fatal error, from the run itself
    code, run = await api.post("projects/iso/runs")
    run = await wait_run(api, run["id"])
    log = (await api.get(f"runs/{run['id']}/log", raw=True)).body.decode()
    assert run["state"] == "succeeded" and "trained" in log and "shadowed" not in log, (run, log)


async def test_a_command_that_cannot_start_says_why(api, ready_project):
    project = await ready_project("noexec")
    os.unlink(os.path.join(project["paths"]["venv"], "bin", "python"))
    code, run = await api.post("projects/noexec/runs")
    run = await wait_run(api, run["id"])
    log = (await api.get(f"runs/{run['id']}/log", raw=True)).body.decode()
    assert run["state"] == "failed" and run["exit_code"] == 127, run
    assert "could not start" in run["message"] and "No such file or directory" in run["message"], run
    assert run["message"] in log


async def test_train_file_cannot_lead_out_of_the_checkout(api, ready_project, tmp_path):
    """`train.py -> /etc/hostname` (or any file outside src/) is refused like every other path:
    at PATCH when there is a checkout to check, and when a run starts."""
    outside = tmp_path / "outside.py"
    outside.write_text("print('escaped the checkout', flush=True)\n")
    project = await ready_project("link", {"real.py": "print('inside', flush=True)\n"})
    repo = project["_repo"]
    os.symlink(outside, repo.work / "train.py")
    os.symlink("/etc/hostname", repo.work / "host.py")
    os.symlink("real.py", repo.work / "alias.py")  # a link that stays inside is fine
    git("add", "-A", cwd=repo.work)
    git("commit", "-q", "-m", "links", cwd=repo.work)
    repo.push()
    code, run = await api.post("projects/link/runs")
    assert code == 201, run
    run = await wait_run(api, run["id"])
    log = (await api.get(f"runs/{run['id']}/log", raw=True)).body.decode()
    assert run["state"] == "failed" and "train_file 'train.py' leads outside the checkout" in run["message"], run
    assert "escaped" not in log and run["pid"] is None
    code, body = await api.patch("projects/link", {"train_file": "host.py"})
    assert (code, body["field"]) == (400, "train_file"), body
    assert (await api.get("projects/link"))[1]["train_file"] == "train.py"
    code, body = await api.patch("projects/link", {"train_file": "alias.py"})
    assert code == 200, body
    run = await wait_run(api, (await api.post("projects/link/runs"))[1]["id"])
    assert run["state"] == "succeeded", run
    assert b"inside" in (await api.get(f"runs/{run['id']}/log", raw=True)).body


TRAIN_BRIEF = "import time\ntime.sleep(1.5)\nprint('done', flush=True)\n"


def _pidfds() -> int:
    """Open pidfds in this (the test server's) process."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:[pidfd]"
        except OSError:
            pass
    return count


def _state_events(bk_app):
    """When each run reached each state (monotonic), from the run service's own announcements;
    returns (that table, an event set on every change, unsubscribe)."""
    seen: dict[str, dict[str, float]] = {}
    changed = asyncio.Event()

    def on_run(run: dict) -> None:
        seen.setdefault(run["id"], {}).setdefault(run["state"], time.monotonic())
        changed.set()

    bk_app.runs.subscribe(on_run)
    return seen, changed, lambda: bk_app.runs.unsubscribe(on_run)


async def _until(changed: asyncio.Event, done, timeout: float) -> None:
    async def wait():
        while not done():
            changed.clear()
            await changed.wait()

    await asyncio.wait_for(wait(), timeout)


async def test_a_local_runs_end_wakes_the_supervisor_long_before_its_poll(api, ready_project, bk_app):
    """The launcher's exit is a pidfd event: with the poll 60 s apart the end is still seen at once."""
    await ready_project("brief", {"train.py": TRAIN_BRIEF})
    bk_app.runs.poll_interval = 60.0
    seen, changed, done = _state_events(bk_app)
    try:
        code, run = await api.post("projects/brief/runs", {})
        assert code == 201, run
        await _until(changed, lambda: "running" in seen.get(run["id"], {}), 60)
        assert _pidfds() >= 1
        await _until(changed, lambda: "succeeded" in seen.get(run["id"], {}), 30)  # < poll_interval
    finally:
        done()
    states = seen[run["id"]]
    assert states["succeeded"] - states["running"] < 10, states  # the run sleeps 1.5 s
    assert _pidfds() == 0


async def test_pidfds_are_closed_when_runs_end_and_on_close(api, ready_project, bk_app):
    await ready_project("fds", {"train.py": TRAIN_BRIEF})
    before = _pidfds()
    ids = []
    for _ in range(3):
        code, run = await api.post("projects/fds/runs", {"allow_parallel": True})
        assert code == 201, run
        ids.append(run["id"])
    for run_id in ids:
        assert (await wait_run(api, run_id))["state"] == "succeeded"
    assert _pidfds() == before == 0
    code, run = await api.post("projects/fds/runs", {})
    assert code == 201, run
    await wait_run(api, run["id"], ("running",))
    assert _pidfds() == 1
    await bk_app.executors["local"].close()  # Jupyter stopping: the run goes on, unwatched
    assert _pidfds() == 0
    assert (await wait_run(api, run["id"]))["state"] == "succeeded"  # the poll still sees its end
    assert _pidfds() == 0
