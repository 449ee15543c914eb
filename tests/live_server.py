"""A real `jupyter server` subprocess with Beekeeper, for tests that talk HTTP from outside
(the Python client, the CLI, a notebook kernel): its own HOME, runtime dir and BEEKEEPER_HOME."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str, timeout: float, every: float, headers: dict[str, str] | None = None,
            check: Callable[[], None] = lambda: None) -> bool:
    """Whether `url` answers 200 within `timeout` seconds, asked every `every` s. `check()` runs
    before each try and raises when waiting on is pointless (the process behind the URL died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(every)
    return False


def end_session(proc: subprocess.Popen) -> None:
    """TERM to the session a server was started in (`start_new_session`), KILL after 30 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


class LiveServer:
    def __init__(self, root: Path, config: dict | None = None, runtime: Path | None = None):
        self.root = root
        self.home = root / "home"
        self.runtime = runtime or root / "runtime"
        self.bk_home = root / "bkhome"
        self.notebooks = root / "notebooks"
        for folder in (self.home, self.runtime, self.notebooks):
            folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}/"
        config_file = root / "jupyter_server_config.json"
        config_file.write_text(json.dumps({
            "ServerApp": {"jpserver_extensions": {"beekeeper_ext": True}},
            "BeekeeperApp": {"home": str(self.bk_home), **(config or {})},
        }))
        self.env = {
            **os.environ, "HOME": str(self.home), "JUPYTER_RUNTIME_DIR": str(self.runtime),
            "JUPYTER_CONFIG_DIR": str(root / "config"), "JUPYTER_DATA_DIR": str(root / "data"),
            "XDG_CONFIG_HOME": str(self.home / ".config"), "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        }
        for key in ("BEEKEEPER_URL", "BEEKEEPER_TOKEN", "JUPYTER_SERVER_URL", "JUPYTERHUB_API_TOKEN",
                    "JPY_API_TOKEN", "JUPYTER_TOKEN"):
            self.env.pop(key, None)
        self.log = open(root / "server.log", "wb")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "jupyter"), "server", "--allow-root", "--no-browser", f"--port={self.port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={self.token}", f"--config={config_file}",
             f"--ServerApp.root_dir={self.notebooks}"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_up()
        except BaseException:
            self.stop()
            raise

    def _wait_up(self, timeout: float = 120) -> None:
        def started() -> None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter server exited: {(self.root / 'server.log').read_text()[-3000:]}")
            if b"beekeeper_ext | extension failed" in (self.root / "server.log").read_bytes():
                raise RuntimeError(f"Beekeeper failed to load: {self.server_log()[-3000:]}")

        if not answers(self.url + "beekeeper/api/info", timeout, 0.3, {"Authorization": f"token {self.token}"},
                       started):
            raise RuntimeError("jupyter server did not answer in time")

    def stop(self) -> None:
        end_session(self.proc)
        self.log.close()

    def server_log(self) -> str:
        return (self.root / "server.log").read_text(errors="replace")
