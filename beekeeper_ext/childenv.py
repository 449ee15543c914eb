"""The environment Beekeeper's child processes (runs, TensorBoard) inherit.

The server's own environment, minus Jupyter's and Beekeeper's credentials: a training script or
TensorBoard has no business holding the token that opens this Jupyter server.
"""

from __future__ import annotations

import os
from pathlib import Path

SECRET_ENV = ("JUPYTER_TOKEN", "JPY_API_TOKEN", "JUPYTERHUB_API_TOKEN", "BEEKEEPER_TOKEN")


def inherited_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SECRET_ENV}


def run_env(venv: Path) -> dict[str, str]:
    """For a run: as if the project's venv were activated. The server's own PYTHONPATH/PYTHONHOME
    belong to another interpreter (often another Python version) and would break the venv's."""
    env = inherited_env()
    for key in ("PYTHONPATH", "PYTHONHOME"):
        env.pop(key, None)
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join(p for p in (str(venv / "bin"), env.get("PATH")) if p)
    return env
