"""The `beekeeper` console script, run as a subprocess against a real Jupyter server."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepos import GitRepo
from live_server import LiveServer

BEEKEEPER = str(Path(sys.executable).parent / "beekeeper")

TRAIN = """\
import sys, time
print("hello", *sys.argv[1:], flush=True)
for i in range(3):
    print(f"line {i}", flush=True)
    time.sleep(0.2)
sys.exit(5 if "--fail" in sys.argv else 0)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("cli-live"))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return GitRepo(tmp_path_factory.mktemp("cli-repo"), {"train.py": TRAIN})


@pytest.fixture
def cli(tmp_path, server):
    """Run `beekeeper ARGS` with its own HOME; returns (exit code, stdout, stderr)."""
    home = tmp_path / "home"
    home.mkdir()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("BEEKEEPER_", "JUPYTER"))}
    base_env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))

    def run(*args: str, env: dict | None = None, timeout: float = 600):
        out = subprocess.run([BEEKEEPER, *args], capture_output=True, text=True, timeout=timeout,
                             env={**base_env, **(env or {})}, cwd=tmp_path)
        return out.returncode, out.stdout, out.stderr

    run.home = home
    return run


def test_login_writes_private_config_and_env_overrides(cli, server):
    code, out, err = cli("login", "--url", server.url, "--token", "wrong")
    assert code == 2 and "error:" in err
    config = cli.home / ".config/beekeeper/config.json"
    assert not config.exists()
    code, out, err = cli("projects")
    assert code == 2 and "not logged in" in err

    code, out, err = cli("login", "--url", server.url, "--token", server.token)
    assert code == 0, err
    assert server.token not in out + err
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert json.loads(config.read_text()) == {"url": server.url, "token": server.token}
    code, out, err = cli("projects")
    assert code == 0 and "(none)" in out
    # The environment wins over the saved login.
    code, out, err = cli("projects", env={"BEEKEEPER_TOKEN": "wrong"})
    assert code == 2 and "error:" in err
    code, out, err = cli("--json", "projects", env={"BEEKEEPER_URL": server.url})
    assert code == 0 and json.loads(out) == []


def test_projects_files_and_errors(cli, server, repo, tmp_path):
    env = {"BEEKEEPER_URL": server.url, "BEEKEEPER_TOKEN": server.token}
    code, out, err = cli("create", "gamma", repo.url, "--env", "A=1", "--wait", env=env)
    assert code == 0, err
    assert out.splitlines()[0].split()[:2] == ["NAME", "STATE"] and "gamma" in out and "ready" in out
    code, out, err = cli("projects", "--json", env=env)
    projects = json.loads(out)
    assert [p["name"] for p in projects] == ["gamma"] and projects[0]["setup"]["state"] == "ready"
    code, out, err = cli("create", "bad name", repo.url, env=env)
    assert code == 2 and "(name)" in err
    code, out, err = cli("create", "x", repo.url, "--env", "novalue", env=env)
    assert code == 2 and "(env)" in err

    local = tmp_path / "data.csv"
    local.write_text("a,b\n")
    code, out, err = cli("upload", "gamma", str(local), "src/data/data.csv", env=env)
    assert code == 0, err
    code, out, err = cli("upload", "gamma", str(local), "src/data/data.csv", env=env)
    assert code == 2 and "already exists" in err and "(path)" in err
    code, out, err = cli("upload", "gamma", str(local), "src/data/data.csv", "--overwrite", "--json", env=env)
    assert code == 0 and json.loads(out)["path"] == "src/data/data.csv"
    code, out, err = cli("files", "gamma", "src/data", "--json", env=env)
    assert [e["name"] for e in json.loads(out)] == ["data.csv"]
    code, out, err = cli("download", "gamma", "src/data/data.csv", "-o", str(tmp_path / "back.csv"), env=env)
    assert code == 0 and (tmp_path / "back.csv").read_text() == "a,b\n"
    code, out, err = cli("download", "gamma", "src/../../x", env=env)
    assert code == 2 and "(path)" in err
    code, out, err = cli("sync", "gamma", "--wait", env=env)
    assert code == 0, err
    code, out, err = cli("delete", "gamma", env=env)
    assert code == 0
    code, out, err = cli("delete", "gamma", env=env)
    assert code == 2 and "not found" in err


def own(text: str) -> list[str]:
    """The training script's lines, without Beekeeper's notes and the git sync in the log."""
    return [line for line in text.splitlines() if line.startswith(("hello", "line "))]


def test_runs_wait_exit_codes_and_logs(cli, server, repo):
    env = {"BEEKEEPER_URL": server.url, "BEEKEEPER_TOKEN": server.token}
    code, out, err = cli("create", "delta", repo.url, "--wait", env=env)
    assert code == 0, err
    code, out, err = cli("run", "delta", "--wait", "--json", "--", "--lr", "0.1", env=env)
    assert code == 0, err
    run = json.loads(out)
    assert run["state"] == "succeeded" and run["exit_code"] == 0
    code, out, err = cli("run", "delta", "--wait", "--", "--fail", env=env)
    assert code == 1 and "failed" in err
    code, out, err = cli("run", "delta", "--follow", "--", "--shout", env=env)
    assert code == 0, err
    assert own(out) == ["hello --shout", "line 0", "line 1", "line 2"]

    code, out, err = cli("logs", run["id"], env=env)
    assert own(out) == ["hello --lr 0.1", "line 0", "line 1", "line 2"]
    code, out, err = cli("logs", run["id"], "--tail", "2", env=env)
    assert len(out.splitlines()) == 2 and own(out) == ["line 2"] and "succeeded" in out
    code, out, err = cli("logs", run["id"], "--follow", env=env)
    assert code == 0 and own(out)[-1] == "line 2"
    code, out, err = cli("status", run["id"], "--json", env=env)
    assert json.loads(out)["id"] == run["id"]
    code, out, err = cli("runs", "delta", "--json", env=env)
    assert len(json.loads(out)) == 3
    code, out, err = cli("runs", "--state", "failed", "--json", env=env)
    assert [r["exit_code"] for r in json.loads(out)] == [5]
    code, out, err = cli("runs", env=env)
    assert code == 0 and out.splitlines()[0].split()[:3] == ["ID", "PROJECT", "STATE"]
    code, out, err = cli("download", "delta", f"runs/{run['id']}/output.log", "-o", "log.txt", env=env)
    assert code == 0, err
    code, out, err = cli("metrics", env=env)
    assert code == 0 and out.startswith("CPU ") and "Memory" in out
    code, out, err = cli("metrics", "--json", env=env)
    assert code == 0 and json.loads(out)["cpu"]["count"] >= 1
    code, out, err = cli("status", "no-such-run", env=env)
    assert code == 2 and "not found" in err


def test_sweep_sweeps_and_sweep_stop(cli, server, repo):
    env = {"BEEKEEPER_URL": server.url, "BEEKEEPER_TOKEN": server.token}
    assert cli("create", "sigma", repo.url, "--wait", env=env)[0] == 0
    code, out, err = cli("sweep", "sigma", "--grid", "lr=0.1,0.01", "--grid", "opt=sgd", "--max-parallel", "1",
                         "--objective", "loss/test:min", "--wait", "--json", "--", "--epochs", "1", env=env)
    assert code == 0, err
    sweep = json.loads(out)
    assert sweep["state"] == "finished" and sweep["trials"]["succeeded"] == 2 and sweep["max_parallel"] == 1
    assert sweep["parameters"] == {"lr": {"values": [0.1, 0.01]}, "opt": {"values": ["sgd"]}}
    assert sweep["objective"]["goal"] == "min" and sweep["run"]["args"] == ["--epochs", "1"]
    assert [t["params"] for t in sweep["runs"]] == [{"lr": 0.1, "opt": "sgd"}, {"lr": 0.01, "opt": "sgd"}]
    code, out, err = cli("sweep", "sigma", "--random", "dropout=0:0.5", "--random", "n=1:4:int",
                         "--trials", "3", "--seed", "5", "--max-parallel", "1", "--json", env=env)
    assert code == 0, err
    drawn = json.loads(out)
    assert drawn["method"] == "random" and drawn["seed"] == 5 and drawn["trials"]["total"] == 3
    assert drawn["parameters"]["n"] == {"min": 1, "max": 4, "log": False, "integer": True}
    assert all(0 <= t["params"]["dropout"] <= 0.5 and t["params"]["n"] in range(1, 5) for t in drawn["runs"])
    code, out, err = cli("sweep-stop", drawn["id"], "--json", env=env)
    assert code == 0 and json.loads(out)["state"] == "stopped", err
    code, out, err = cli("sweeps", "sigma", env=env)
    assert code == 0 and out.splitlines()[0].split()[:3] == ["ID", "PROJECT", "STATE"]
    assert drawn["id"] in out and sweep["id"] in out
    code, out, err = cli("sweep", "sigma", "--random", "x=0:1:cube", "--trials", "2", env=env)
    assert code == 2 and "random" in err
    code, out, err = cli("sweep", "sigma", "--random", "x=0:1", env=env)
    assert code == 2 and "(trials)" in err


SLOW = "import sys, time\nprint('up', flush=True)\ntime.sleep(120 if '--slow' in sys.argv else 0)\n"


def test_run_options_setup_failure_and_git_token_from_env(cli, server, repo, tmp_path):
    env = {"BEEKEEPER_URL": server.url, "BEEKEEPER_TOKEN": server.token}
    slow = GitRepo(tmp_path / "slow", {"train.py": SLOW})
    code, out, err = cli("create", "eps", slow.url, "--default-executor", "local", "--wait", "--json", env=env)
    assert code == 0, err
    assert json.loads(out)["default_executor"] == "local"
    # GPUs as a count or as devices, the executor by name, a second active run only when allowed.
    code, out, err = cli("run", "eps", "--gpus", "0", "--executor", "local", "--json", "--", "--slow", env=env)
    assert code == 0, err
    first = json.loads(out)
    assert first["executor"] == "local" and first["gpus_requested"] == 0
    code, out, err = cli("run", "eps", "--gpus", "0", env=env)
    assert code == 2 and "(allow_parallel)" in err
    code, out, err = cli("run", "eps", "--gpus", "0", "--allow-parallel", "--wait", "--json", env=env)
    assert code == 0, err
    assert json.loads(out)["allow_parallel"] is True
    code, out, err = cli("stop", first["id"], env=env)
    assert code == 0, err
    code, out, err = cli("run", "eps", "--gpus", "0,1", env=env)
    assert code == 2 and "(gpus)" in err  # this server's pool has no GPU 0
    code, out, err = cli("run", "eps", "--gpus", "two", env=env)
    assert code == 2 and "--gpus" in err  # argparse's own usage error
    code, out, err = cli("run", "eps", "--executor", "nowhere", env=env)
    assert code == 2 and "(executor)" in err

    # A token only ever comes from the environment, and a setup that fails exits 1 with --wait.
    code, out, err = cli("create", "priv", repo.url, "--git-username", "me", env=env)
    assert code == 2 and "BEEKEEPER_GIT_TOKEN" in err and "(credentials)" in err
    code, out, err = cli("create", "priv", repo.url, "--branch", "no-such-branch", "--git-username", "me", "--wait",
                         "--json", env={**env, "BEEKEEPER_GIT_TOKEN": "tok-never-printed"})
    assert code == 1 and "error:" in err and "tok-never-printed" not in out + err
    created = json.loads(out)
    assert created["has_credentials"] is True and created["setup"]["state"] == "failed"
    code, out, err = cli("sync", "priv", "--wait", env=env)
    assert code == 1 and "error:" in err
