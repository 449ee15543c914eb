"""A real `jupyter server` subprocess with Beekeeper, for tests that talk HTTP from outside
(the Python client, the CLI, a notebook kernel): its own HOME, runtime dir and BEEKEEPER_HOME."""

from __future__ import annotations

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

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter server exited: {(self.root / 'server.log').read_text()[-3000:]}")
            if b"beekeeper_ext | extension failed" in (self.root / "server.log").read_bytes():
                raise RuntimeError(f"Beekeeper failed to load: {self.server_log()[-3000:]}")
            try:
                request = urllib.request.Request(self.url + "beekeeper/api/info",
                                                 headers={"Authorization": f"token {self.token}"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("jupyter server did not answer in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()

    def server_log(self) -> str:
        return (self.root / "server.log").read_text(errors="replace")
