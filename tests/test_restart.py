"""Runs outlive the Jupyter server: a restarted server re-attaches and the log keeps streaming."""

from __future__ import annotations

import json
import os
import sqlite3
import time

import psutil
import pytest
import websocket
from live_server import LiveServer
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
def start_server(tmp_path):
    servers = []

    def start():
        server = LiveServer(tmp_path / "srv")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


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
    assert api.post("projects", {"name": "long", "git_url": repo.url})[0] == 201
    api.wait_ready("long")
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
    assert api.post("projects", {"name": "rp", "git_url": repo.url})[0] == 201
    api.wait_ready("rp")
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
