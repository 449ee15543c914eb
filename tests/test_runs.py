"""Runs over the real API: real projects (git + uv venv), real child processes."""

from __future__ import annotations

import json
import os
import time

import psutil
import pytest

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
