"""Configuration reaches BeekeeperApp the ways Jupyter users configure servers: a
jupyter_server_config.py in the config dir, a file given with --config=FILE, and the default home
($BEEKEEPER_HOME, else <jupyter data dir>/beekeeper). Real `jupyter server` processes."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from live_server import free_port

VENV_BIN = Path(sys.executable).parent


@contextmanager
def jupyter_server(root: Path, *args: str, env: dict | None = None):
    """Start `jupyter server` with an isolated HOME/config/data dir; yield a GET helper."""
    for folder in ("home", "config", "data", "runtime"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(8)
    full_env = {**os.environ, "HOME": str(root / "home"), "JUPYTER_CONFIG_DIR": str(root / "config"),
                "JUPYTER_DATA_DIR": str(root / "data"), "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
                **(env or {})}
    if "BEEKEEPER_HOME" not in (env or {}):
        full_env.pop("BEEKEEPER_HOME", None)
    full_env.pop("PYTHONPATH", None)
    log = open(root / "server.log", "wb")
    proc = subprocess.Popen(
        [str(VENV_BIN / "jupyter"), "server", "--allow-root", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.jpserver_extensions=beekeeper_ext=True", *args],
        env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def get(path: str):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/beekeeper/api/{path}",
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError((root / "server.log").read_text()[-3000:])
            try:
                get("info")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield get
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()


def extra_python(folder: Path) -> Path:
    """A path to a real interpreter that discovery would not otherwise report under this name."""
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "python-extra"
    link.symlink_to(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    return link


def test_config_py_in_config_dir_is_honoured(tmp_path):
    home = tmp_path / "configured-home"
    extra = extra_python(tmp_path / "bin")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "jupyter_server_config.py").write_text(
        f"c.BeekeeperApp.home = {str(home)!r}\nc.BeekeeperApp.pythons = [{str(extra)!r}]\n")
    with jupyter_server(tmp_path) as get:
        assert get("info")["home"] == str(home)
        pythons = get("pythons")["pythons"]
        assert {"path": str(extra), "source": "configured"}.items() <= next(
            p for p in pythons if p["path"] == str(extra)).items()
    assert (home / "beekeeper.db").exists()


def test_config_file_option_is_honoured(tmp_path):
    home = tmp_path / "from-option"
    extra = extra_python(tmp_path / "bin")
    config = tmp_path / "elsewhere" / "my_beekeeper.py"
    config.parent.mkdir()
    config.write_text(f"c.BeekeeperApp.home = {str(home)!r}\nc.BeekeeperApp.pythons = [{str(extra)!r}]\n")
    with jupyter_server(tmp_path, f"--config={config}") as get:
        assert get("info")["home"] == str(home)
        assert any(p["path"] == str(extra) and p["source"] == "configured" for p in get("pythons")["pythons"])
    assert (home / "beekeeper.db").exists()


def test_default_home_is_env_then_data_dir(tmp_path):
    env_home = tmp_path / "env-home"
    with jupyter_server(tmp_path / "a", env={"BEEKEEPER_HOME": str(env_home)}) as get:
        assert get("info")["home"] == str(env_home)
    assert (env_home / "beekeeper.db").exists()
    with jupyter_server(tmp_path / "b") as get:
        assert get("info")["home"] == str(tmp_path / "b" / "data" / "beekeeper")
    assert (tmp_path / "b" / "data" / "beekeeper" / "beekeeper.db").exists()
