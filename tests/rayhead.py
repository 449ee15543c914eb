"""A real local Ray head for tests: `ray start --head` on 127.0.0.1 with `--num-gpus=2` declared, so
Ray's GPU placement and CUDA_VISIBLE_DEVICES are exercised on a machine without a GPU. The module
fixture `ray_head` (tests/conftest.py) stops it with `ray stop --force` whatever happens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from live_server import answers, free_port

VENV_BIN = Path(sys.executable).parent


class RayHead:
    def __init__(self, root: Path):
        self.root = root
        self.port, self.dashboard_port = free_port(), free_port()
        self.address = f"http://127.0.0.1:{self.dashboard_port}"
        # The job entrypoints (and the working-dir bootstrap) find `python` and `uv` on PATH.
        self.env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}", "RAY_USAGE_STATS_ENABLED": "0"}

    def ray(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV_BIN / "ray"), *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def start(self) -> None:
        out = self.ray("start", "--head", "--node-ip-address=127.0.0.1", f"--port={self.port}",
                       "--dashboard-host=127.0.0.1", f"--dashboard-port={self.dashboard_port}",
                       "--num-gpus=2", "--num-cpus=4", "--include-dashboard=true", "--disable-usage-stats",
                       f"--temp-dir={self.root}")
        assert out.returncode == 0, out.stdout + out.stderr
        if not answers(self.address + "/api/jobs/", 120, 0.5):
            raise AssertionError("Ray's Jobs API never answered")

    def stop(self) -> None:
        self.ray("stop", "--force", timeout=120)
