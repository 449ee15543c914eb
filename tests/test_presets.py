"""A project's default_run and named presets fill what a run body leaves out: over the API, the
Python client and the `beekeeper` CLI, with real runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gitrepos import GitRepo
from runhelpers import wait_run

SHOW = ("import json, os, sys\n"
        "print('SEEN ' + json.dumps([sys.argv[1:], os.environ.get('MODE')]), flush=True)\n")
BEEKEEPER = str(Path(sys.executable).parent / "beekeeper")


def seen(log: bytes):
    return json.loads(next(line[5:] for line in log.decode().splitlines() if line.startswith("SEEN ")))


async def finished(api, run: dict):
    run = await wait_run(api, run["id"])
    log = (await api.get(f"runs/{run['id']}/log", raw=True)).body
    assert run["state"] == "succeeded", log
    return run, seen(log)


async def test_default_run_and_presets_fill_what_a_run_leaves_out(api, ready_project):
    presets = {"quick": {"args": ["--epochs", "1"], "env": {"MODE": "quick"}},
               "long": {"args": ["--epochs", "50"], "gpus": 0}}
    await ready_project("pre", {"train.py": SHOW}, default_run={"args": ["--lr", "0.1"], "env": {"MODE": "default"},
                                                               "gpus": 0, "executor": "local"},
                        presets=presets)
    code, project = await api.get("projects/pre")
    assert project["default_run"]["args"] == ["--lr", "0.1"] and set(project["presets"]) == {"quick", "long"}

    # A bare run (the sidebar's Run button) is the default run.
    code, run = await api.post("projects/pre/runs", {})
    assert code == 201, run
    run, (args, mode) = await finished(api, run)
    assert args == ["--lr", "0.1"] and mode == "default" and run["executor"] == "local"
    assert run["gpus_requested"] == 0 and run["preset"] is None

    # A preset over the default run; the body over both.
    code, run = await api.post("projects/pre/runs", {"preset": "quick"})
    run, (args, mode) = await finished(api, run)
    assert args == ["--epochs", "1"] and mode == "quick" and run["preset"] == "quick"
    code, run = await api.post("projects/pre/runs", {"preset": "long", "args": ["--epochs", "2"]})
    run, (args, mode) = await finished(api, run)
    assert args == ["--epochs", "2"] and mode == "default"
    code, run = await api.post("projects/pre/runs", {"args": [], "env": {}})
    run, (args, mode) = await finished(api, run)
    assert args == [] and mode is None  # an explicit empty list is not "left out"

    code, body = await api.post("projects/pre/runs", {"preset": "nope"})
    assert code == 400 and body["field"] == "preset" and "quick" in body["message"]


async def test_presets_are_validated_and_editable(api, ready_project):
    await ready_project("pv", {"train.py": SHOW})
    for bad, field in [({"default_run": {"args": "--lr"}}, "default_run.args"),
                       ({"default_run": {"cmd": ["x"]}}, "default_run.cmd"),
                       ({"default_run": {"gpus": -1}}, "default_run.gpus"),
                       ({"default_run": {"executor": "mars"}}, "default_run.executor"),
                       ({"default_run": {"env": {"1X": "a"}}}, "default_run.env"),
                       ({"presets": {"bad name": {}}}, "presets"),
                       ({"presets": {"ok": {"args": [1]}}}, "presets.ok.args"),
                       ({"presets": ["x"]}, "presets")]:
        code, body = await api.patch("projects/pv", bad)
        assert code == 400 and body["field"] == field, (bad, body)
    code, project = await api.patch("projects/pv", {"presets": {"a": {"args": ["--x", "1"]}}})
    assert code == 200 and project["presets"] == {"a": {"args": ["--x", "1"]}}
    assert project["setup"]["state"] == "ready"  # presets do not re-run setup
    code, project = await api.patch("projects/pv", {"presets": None, "default_run": None})
    assert code == 200 and project["presets"] == {} and project["default_run"] == {}


def test_client_and_cli_use_presets(tmp_path):
    from live_server import LiveServer

    from beekeeper_ext.client import Beekeeper

    server = LiveServer(tmp_path / "live")
    try:
        repo = GitRepo(tmp_path / "repo", {"train.py": SHOW})
        bk = Beekeeper(server.url, server.token)
        project = bk.create_project("clip", repo.url).wait_ready()
        project.update(default_run={"args": ["--from", "default"], "gpus": 0},
                       presets={"fast": {"args": ["--from", "preset"], "env": {"MODE": "fast"}}})
        run = project.run(preset="fast").wait()
        assert run.state == "succeeded" and run.data["preset"] == "fast"
        assert seen(run.log()[0]) == [["--from", "preset"], "fast"]
        assert seen(project.run().wait().log()[0]) == [["--from", "default"], None]

        env = {k: v for k, v in os.environ.items() if not k.startswith(("BEEKEEPER_", "JUPYTER"))}
        env.update(BEEKEEPER_URL=server.url, BEEKEEPER_TOKEN=server.token, HOME=str(tmp_path))

        def cli(*args):
            out = subprocess.run([BEEKEEPER, *args], capture_output=True, text=True, env=env, timeout=300)
            assert out.returncode == 0, out.stderr
            return json.loads(out.stdout)

        assert cli("run", "clip", "--wait", "--json")["args"] == ["--from", "default"]
        ran = cli("run", "clip", "--preset", "fast", "--wait", "--json")
        assert ran["args"] == ["--from", "preset"] and ran["env_keys"] == ["MODE"]
        assert cli("run", "clip", "--preset", "fast", "--wait", "--json", "--", "--own")["args"] == ["--own"]
    finally:
        server.stop()
