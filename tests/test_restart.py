"""Runs outlive the Jupyter server: a restarted server re-attaches and the log keeps streaming."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time

import psutil
import pytest
import websocket
from runhelpers import LiveApi

TICKER = """
import os, sys, time
i = 0
while not os.path.exists(sys.argv[1]):
    print(f"tick {i}", flush=True)
    i += 1
    time.sleep(0.02)
print("last", i, flush=True)
sys.exit(int(sys.argv[2]))
"""


@pytest.fixture
def start_server(tmp_path, live_servers):
    return lambda: live_servers(tmp_path / "srv")


def stream(api: LiveApi, run_id: str, offset: int, max_messages: int | None = None):
    url = api.server.url.replace("http", "ws") + f"beekeeper/api/runs/{run_id}/log/stream?offset={offset}"
    ws = websocket.create_connection(url, header=[f"Authorization: token {api.server.token}"], timeout=120)
    messages, end = [], None
    try:
        while max_messages is None or len(messages) < max_messages:
            message = json.loads(ws.recv())
            if message["type"] == "end":
                end = message
                break
            messages.append(message)
    finally:
        ws.close()
    return messages, end


def test_run_survives_restart_and_streams_on(start_server, make_repo, tmp_path):
    gate = tmp_path / "gate"
    gate_b = tmp_path / "gate_b"
    api = LiveApi(start_server())
    repo = make_repo({"train.py": TICKER})
    api.create_project("long", repo.url)
    code, run = api.post("projects/long/runs", {"args": [str(gate), "0"], "gpus": 0})
    assert code == 201, run
    code, other = api.post("projects/long/runs", {"args": [str(gate_b), "5"], "gpus": 0, "allow_parallel": True})
    assert code == 201, other
    api.wait_log(run["id"], "tick 5")
    before, end = stream(api, run["id"], 0, max_messages=3)
    assert end is None
    pid = api.wait_run(run["id"], ("running",))["pid"]

    api.server.stop()  # SIGTERM to the server: the runs keep going
    assert psutil.pid_exists(pid)
    gate_b.touch()  # `other` ends (exit code 5) while no server watches it
    for _ in range(200):
        if (tmp_path / "srv" / "bkhome" / "projects" / "long" / "runs" / other["id"] / "exit.json").exists():
            break
        time.sleep(0.05)

    api = LiveApi(start_server())
    again = api.get(f"runs/{run['id']}")[1]
    assert again["state"] == "running" and again["pid"] == pid, again
    ended = api.wait_run(other["id"])
    assert ended["state"] == "failed" and ended["exit_code"] == 5, ended  # from exit.json, not "lost"

    gate.touch()
    after, end = stream(api, run["id"], before[-1]["next_offset"])
    assert end is not None and end["state"] == "succeeded" and end["exit_code"] == 0, end
    text = "".join(m["data"] for m in before + after)
    assert text.encode() == api.log(run["id"])
    ticks = [line for line in text.splitlines() if line.startswith("tick ")]
    assert ticks == [f"tick {i}" for i in range(len(ticks))] and len(ticks) > 10
    assert "last" in text


def test_a_recycled_pid_is_not_a_run(start_server, make_repo, tmp_path):
    """A run whose recorded pid now belongs to another process (wrong start time) is lost."""
    gate = tmp_path / "gate"
    api = LiveApi(start_server())
    repo = make_repo({"train.py": TICKER})
    api.create_project("rp", repo.url)
    code, run = api.post("projects/rp/runs", {"args": [str(gate), "0"], "gpus": 0})
    real_pid = api.wait_run(run["id"], ("running",))["pid"]
    api.server.stop()
    # Point the record at a live process that is not the run (this test process), then end the run
    # hard so it leaves no exit record either.
    db = sqlite3.connect(tmp_path / "srv" / "bkhome" / "beekeeper.db")
    db.execute("UPDATE runs SET pid = ?, pid_start_time = ? WHERE id = ?",
               (os.getpid(), psutil.Process().create_time() + 1000, run["id"]))
    db.commit()
    db.close()
    os.killpg(real_pid, 9)
    api = LiveApi(start_server())
    lost = api.wait_run(run["id"])
    assert lost["state"] == "lost", lost
    assert psutil.Process().is_running()  # nobody signalled us


def _gone(pid: int, started: float) -> bool:
    """The process with this pid and start time no longer runs (a zombie counts as gone)."""
    try:
        proc = psutil.Process(pid)
        return abs(proc.create_time() - started) > 0.05 or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_sweep_ends_a_dead_servers_helpers_and_never_a_recycled_pid(tmp_path):
    """The start-up sweep, on real processes: helpers recorded by a server that is gone are ended
    (and what they left in their process group), a recorded pid with another start time is left
    alone, and so is everything recorded by a server that still runs."""
    import subprocess

    from beekeeper_ext.processes import Helpers

    folder = tmp_path / "helpers"
    folder.mkdir()
    leader = subprocess.Popen(["sh", "-c", "sleep 300 & wait"], start_new_session=True)
    headless = subprocess.Popen(["sh", "-c", "sleep 301 & exit 0"], start_new_session=True)
    headless.wait()  # its leader is gone; its sleep lives on in the group
    bystander = subprocess.Popen(["sleep", "302"])
    kept = subprocess.Popen(["sleep", "303"], start_new_session=True)
    time.sleep(0.3)
    group = [p for p in psutil.process_iter() if p.pid != headless.pid and _pgid(p.pid) in (leader.pid, headless.pid)]
    assert len(group) >= 3, group  # sh + sleep, and the orphaned sleep
    started = {p.pid: psutil.Process(p.pid).create_time() for p in (leader, bystander, kept)}
    dead_owner = {"pid": headless.pid, "started": 1.0}
    (folder / "1-1.json").write_text(json.dumps({"owner": dead_owner, "helpers": [
        {"pid": leader.pid, "started": started[leader.pid], "kind": "uv"},
        {"pid": headless.pid, "started": started[leader.pid] - 1, "kind": "git"},
        {"pid": bystander.pid, "started": started[bystander.pid] - 1000, "kind": "tensorboard"},  # recycled
    ]}))
    me = psutil.Process()
    (folder / "2-2.json").write_text(json.dumps({"owner": {"pid": me.pid, "started": me.create_time()},
                                                "helpers": [{"pid": kept.pid, "started": started[kept.pid],
                                                             "kind": "uv"}]}))
    try:
        ended = Helpers(tmp_path).sweep()
        leader.wait(10)
        for proc in group:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.wait(10)
            assert not proc.is_running(), proc
        assert leader.pid in ended
        assert bystander.poll() is None and kept.poll() is None  # never a stranger, never a live server's
        assert not (folder / "1-1.json").exists() and (folder / "2-2.json").exists()
    finally:
        for proc in (leader, bystander, kept):
            proc.kill()
            proc.wait()


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _recorded(bk_home) -> list[dict]:
    helpers = []
    for record in (bk_home / "helpers").glob("*.json"):
        with contextlib.suppress(OSError, ValueError):
            helpers.extend(json.loads(record.read_text())["helpers"])
    return helpers


def test_helpers_die_with_a_killed_server(start_server, make_repo, tmp_path, monkeypatch):
    """`kill -9` of Jupyter alone (not its group): its uv, stuck on an index that never answers,
    and its TensorBoard go with it, and the next server on the same home finds nothing left."""
    from indexes import SilentIndex

    monkeypatch.setenv("UV_HTTP_TIMEOUT", "3600")
    index = SilentIndex()
    try:
        server = start_server()
        api = LiveApi(server)
        repo = make_repo({"requirements.txt": index.requirements(), "train.py": "print(1)\n"})
        assert api.post("projects", {"name": "hung", "git_url": repo.url})[0] == 201
        api.wait(lambda: api.get("projects/hung")[1]["setup"]["state"] == "installing" and index.connections,
                 "uv waiting on the silent index")
        code, board = api.post("projects/hung/tensorboard")
        assert code in (200, 202), board
        api.wait(lambda: api.get("projects/hung/tensorboard")[1]["state"] == "ready", "TensorBoard ready")
        helpers = api.wait(lambda: (lambda h: h if {x["kind"] for x in h} >= {"uv", "tensorboard"} else None)(
            _recorded(server.bk_home)), "uv and TensorBoard recorded")
        family = []
        for helper in helpers:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc = psutil.Process(helper["pid"])
                family += [proc, *proc.children(recursive=True)]
        assert family and all(p.is_running() for p in family)
        old_record = next((server.bk_home / "helpers").glob("*.json"))

        os.kill(server.proc.pid, 9)
        server.proc.wait(30)
        server = start_server()  # the same BEEKEEPER_HOME
        for proc in family:
            api.wait(lambda: not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE, f"{proc} to end")
        assert not old_record.exists()
        assert LiveApi(server).get("projects/hung")[1]["setup"]["state"] == "failed"
    finally:
        index.close()
