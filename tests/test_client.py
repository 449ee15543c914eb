"""The Python client against a real `jupyter server` subprocess: projects, runs, logs, files, errors."""

from __future__ import annotations

import json
import os
import time
import uuid
import zipfile

import pytest
from gitrepos import GitRepo
from live_server import LiveServer

from beekeeper_ext.client import Beekeeper, BeekeeperAPIError, FileEntry, Project, Run, Sweep, discover, parse_objective

TRAIN = """\
import os, sys, time
print("args", sys.argv[1:], flush=True)
for i in range(3):
    print(f"step {i}", flush=True)
sys.stdout.write("progress 10%\\rprogress 50%\\rprogress 100%\\n")
os.makedirs("outputs", exist_ok=True)
open("outputs/result.txt", "w").write("lr=" + (sys.argv[2] if len(sys.argv) > 2 else "none"))
if "--fail" in sys.argv:
    sys.exit(3)
if "--sleep" in sys.argv:
    time.sleep(300)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("live"))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return GitRepo(tmp_path_factory.mktemp("repo"), {"train.py": TRAIN, "data/x.csv": "a,b\n1,2\n"})


@pytest.fixture
def bk(server):
    return Beekeeper(server.url, server.token)


def test_project_lifecycle_files_and_errors(bk, repo, server, tmp_path):
    assert "token" not in repr(bk) and server.token not in repr(bk)
    assert any(p["version"] for p in bk.pythons())
    project = bk.create_project("alpha", repo.url, env={"FOO": "bar"})
    assert isinstance(project, Project) and project.setup_state in ("queued", "cloning")
    assert project.wait_ready(timeout=300) is project and project.ready
    assert project.commit == repo.head()
    assert [p.name for p in bk.projects()] == ["alpha"]
    assert bk.project("alpha").data["env"] == {"FOO": "bar"}

    # Errors carry the status, the server's message and the field.
    with pytest.raises(BeekeeperAPIError) as info:
        bk.create_project("alpha", repo.url)
    assert info.value.status == 409 and info.value.field == "name" and "already exists" in info.value.message
    with pytest.raises(BeekeeperAPIError) as info:
        bk.create_project("bad name", repo.url)
    assert info.value.status == 400 and info.value.field == "name"
    with pytest.raises(BeekeeperAPIError) as info:
        bk.project("missing")
    assert info.value.status == 404
    with pytest.raises(BeekeeperAPIError) as info:
        project.files("src/../../etc")
    assert info.value.status == 400 and info.value.field == "path"
    with pytest.raises(BeekeeperAPIError) as info:
        Beekeeper(server.url, "wrong-token").projects()
    assert info.value.status == 403
    with pytest.raises(BeekeeperAPIError) as info:
        Beekeeper("http://127.0.0.1:9/", "x").projects()
    assert info.value.status == 0 and "cannot reach" in info.value.message

    # Files: list, upload (refusing to overwrite), download a file and a folder as zip.
    names = {e.name: e for e in project.files("src")}
    assert isinstance(names["train.py"], FileEntry) and names["data"].kind == "dir"
    local = tmp_path / "weights.bin"
    local.write_bytes(os.urandom(300_000))
    entry = project.upload(local, "src/inputs/weights.bin")
    assert entry.path == "src/inputs/weights.bin" and entry.size == 300_000
    with pytest.raises(BeekeeperAPIError) as info:
        project.upload(local, "src/inputs/weights.bin")
    assert info.value.status == 409 and info.value.field == "path"
    # Above the size the server drains, it refuses before the body and closes the connection: the
    # client still reports the 409, not a broken pipe.
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * 1024 * 1024))
    assert project.upload(big, "src/inputs/big.bin").size == 20 * 1024 * 1024
    with pytest.raises(BeekeeperAPIError) as info:
        project.upload(big, "src/inputs/big.bin")
    assert info.value.status == 409 and info.value.field == "path" and "already exists" in info.value.message
    local.write_bytes(b"new")
    assert project.upload(local, "src/inputs/weights.bin", overwrite=True).size == 3
    saved = project.download("src/inputs/weights.bin", tmp_path / "out.bin")
    assert saved.read_bytes() == b"new"
    folder = project.download("src/data", tmp_path)
    assert folder.name == "data.zip"
    with zipfile.ZipFile(folder) as zf:
        assert zf.read("data/x.csv") == b"a,b\n1,2\n"
    with pytest.raises(BeekeeperAPIError) as info:
        project.download("src/nothing.txt", tmp_path)
    assert info.value.status == 404
    project.delete_file("src/inputs", recursive=True)
    assert "inputs" not in {e.name for e in project.files("src")}

    project.sync().wait_ready(timeout=300)
    project.delete()
    assert bk.projects() == []
    assert server.token not in server.server_log()


def test_runs_lifecycle_and_logs(bk, repo, server):
    project = bk.create_project("beta", repo.url).wait_ready(timeout=300)
    run = project.run(args=["--lr", "0.5"], env={"MY_VAR": "1"})
    assert isinstance(run, Run) and run.project == "beta" and run.state in ("queued", "starting", "running")
    lines = list(run.logs(follow=True))
    assert "args ['--lr', '0.5']" in lines
    assert [line for line in lines if line.startswith("step")] == ["step 0", "step 1", "step 2"]
    assert "progress 100%" in lines and not any("\r" in line for line in lines)
    assert run.wait(timeout=120).succeeded and run.exit_code == 0
    assert project.download("src/outputs/result.txt", server.root / "result.txt").read_text() == "lr=0.5"
    assert run.id in [r.id for r in project.runs()]
    assert run.id in [r.id for r in bk.runs(state="succeeded")]
    last = list(run.logs(tail=2))
    assert len(last) == 2 and last[0] == "progress 100%" and last[1].startswith("[beekeeper] succeeded")

    failed = project.run(args=["--fail"]).wait(timeout=120)
    assert failed.state == "failed" and failed.exit_code == 3 and not failed.succeeded

    sleeper = project.run(args=["--sleep"])
    for _ in range(600):
        if sleeper.refresh().state == "running":
            break
        import time
        time.sleep(0.2)
    assert sleeper.stop().id == sleeper.id
    assert sleeper.wait(timeout=120).state == "stopped"
    assert bk.run(sleeper.id).state == "stopped"

    with pytest.raises(BeekeeperAPIError) as info:
        project.run(args="not-a-list")
    assert info.value.status == 400 and info.value.field == "args"
    metrics = bk.metrics()
    assert metrics["cpu"]["count"] >= 1 and metrics["memory"]["total"] > 0
    with pytest.raises(BeekeeperAPIError) as info:
        bk.run("no-such-run")
    assert info.value.status == 404


def test_sweep_trials_wait_best_and_delete(bk, repo, server):
    project = bk.create_project("gamma", repo.url).wait_ready(timeout=300)
    sweep = project.sweep(parameters={"lr": [0.1, 0.2]}, max_parallel=1, args_template=["--lr", "{lr}"],
                          objective="loss:min")
    assert isinstance(sweep, Sweep) and sweep.project == "gamma" and sweep.data["trials"]["total"] == 2
    assert sweep.data["objective"] == {"metric": "loss", "goal": "min", "summary": "last"}
    assert sweep.wait(timeout=300).state == "finished" and sweep.finished
    trials = sweep.trials()
    assert [t["params"] for t in trials] == [{"lr": 0.1}, {"lr": 0.2}]
    runs = sweep.runs()
    assert [r.state for r in runs] == ["succeeded", "succeeded"]
    assert [r.data["args"] for r in runs] == [["--lr", "0.1"], ["--lr", "0.2"]]
    assert sweep.best() is None and sweep.best_value is None  # this script prints no loss
    assert sweep.stop().state == "finished"  # stopping an ended sweep changes nothing
    assert [s.id for s in project.sweeps()] == [sweep.id] == [s.id for s in bk.sweeps(project="gamma")]
    assert bk.sweep(sweep.id).data["trials"]["succeeded"] == 2
    sweep.delete(runs=True)
    assert bk.sweeps(project="gamma") == [] and project.runs() == []
    with pytest.raises(BeekeeperAPIError) as info:
        project.sweep(parameters={"lr": {"min": 1, "max": 2}})
    assert info.value.status == 400 and info.value.field == "parameters.lr.values"
    assert parse_objective("loss/test") == {"metric": "loss/test"}
    assert parse_objective("acc:max") == {"metric": "acc", "goal": "max"}
    assert parse_objective("a:b:max:min") == {"metric": "a:b", "goal": "max", "summary": "min"}


def test_discovery_from_runtime_files(server, monkeypatch):
    """With no arguments, the client reads jupyter_server's runtime files (jpserver-<pid>.json)."""
    for key in ("BEEKEEPER_URL", "BEEKEEPER_TOKEN", "JUPYTER_SERVER_URL", "JUPYTERHUB_API_TOKEN",
                "JPY_API_TOKEN", "JUPYTER_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(server.runtime))
    files = list(server.runtime.glob("jpserver-*.json"))
    assert files and json.loads(files[0].read_text())["pid"] == server.proc.pid
    url, token = discover()
    assert token == server.token and f":{server.port}/" in url
    assert Beekeeper().info()["version"]
    monkeypatch.setenv("BEEKEEPER_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("BEEKEEPER_TOKEN", "from-env")
    assert discover() == ("http://127.0.0.1:9/", "from-env")


def run_in_kernel_of(server: LiveServer, code: str, timeout: float = 120) -> str:
    """Start a kernel through the server's own API (so the server is its parent) and run `code`."""
    import websocket

    import urllib.request as request

    headers = {"Authorization": f"token {server.token}", "Content-Type": "application/json"}
    with request.urlopen(request.Request(server.url + "api/kernels", data=b"{}", headers=headers,
                                         method="POST"), timeout=60) as response:
        kernel_id = json.loads(response.read())["id"]
    ws = websocket.create_connection(
        server.url.replace("http", "ws") + f"api/kernels/{kernel_id}/channels",
        header=[f"Authorization: token {server.token}"], timeout=timeout)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        out, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise AssertionError("\n".join(msg["content"]["traceback"]))
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
        raise AssertionError("the kernel did not answer")
    finally:
        ws.close()
        request.urlopen(request.Request(server.url + f"api/kernels/{kernel_id}", headers=headers,
                                        method="DELETE"), timeout=60).close()


def test_kernel_finds_its_own_server_among_several(server, tmp_path, monkeypatch):
    """Two servers share a runtime dir; a kernel started by the older one still picks its parent."""
    other = LiveServer(tmp_path / "other", runtime=server.runtime)
    try:
        for key in ("BEEKEEPER_URL", "BEEKEEPER_TOKEN", "JUPYTER_SERVER_URL", "JUPYTERHUB_API_TOKEN",
                    "JPY_API_TOKEN", "JUPYTER_TOKEN"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(server.runtime))
        assert f":{other.port}/" in discover()[0]  # from outside: the newest server
        code = ("from beekeeper_ext.client import Beekeeper\n"
                "bk = Beekeeper()\n"
                "print(bk.url, bk.info()['home'], bk._token == %r)" % server.token)
        url, home, token_ok = run_in_kernel_of(server, code).split()
        assert f":{server.port}/" in url and home == str(server.bk_home) and token_ok == "True"
    finally:
        other.stop()
