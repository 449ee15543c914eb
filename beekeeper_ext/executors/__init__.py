"""Executors run a prepared command somewhere and report on it; runs.py owns the state machine.

An executor only starts, polls, stops and says where the log is. It never decides who may
start (that is the queue in runs.py) and never writes run state to the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from traitlets.config import LoggingConfigurable

from ..models.states import FINISHED  # terminal states an executor can report  # noqa: F401


@dataclass
class LaunchSpec:
    """Everything an executor needs to start one run, resolved by the run service."""

    run_id: str
    project: str
    argv: list[str]  # e.g. [venv/bin/python, -u, train.py, *args]
    cwd: Path  # the project's src/
    env: dict[str, str]  # variables to add on top of the executor's base environment
    log_path: Path  # projects/NAME/runs/ID/output.log
    run_dir: Path  # projects/NAME/runs/ID/
    venv: Path
    gpus: list[int] = field(default_factory=list)  # devices assigned by Beekeeper's pool (local)
    gpu_count: int = 0  # how many GPUs the run asked for (executors that place runs themselves)
    resources: dict[str, Any] = field(default_factory=dict)  # e.g. {"cpus": 2, "memory_mb": 4096}
    requirements_file: str | None = None  # relative to cwd, for executors that build their own env
    tensorboard_log_dir: str | None = None


@dataclass
class Handle:
    """What the run service persists so it can find the run again after a restart."""

    pid: int | None = None
    pid_start_time: float | None = None
    external_id: str | None = None
    host: str | None = None
    mode: str | None = None  # how it ran, e.g. "local", "shared-filesystem", "working-dir"


@dataclass
class Status:
    """An executor's answer to poll()."""

    state: str  # "pending" | "running" | one of FINISHED
    exit_code: int | None = None
    message: str | None = None
    gpus: list[int] | None = None  # devices the executor itself assigned, if it knows


class Executor(LoggingConfigurable):
    """The interface. Subclasses are configurable (c.LocalExecutor.*, c.RayExecutor.*)."""

    name = "base"
    #: True when Beekeeper's own GPU pool assigns devices (local); False when the engine places runs.
    assigns_gpus = True

    def __init__(self, home: Path, **kwargs):
        super().__init__(**kwargs)
        self.home = Path(home)
        self.on_end: Callable[[], None] | None = None  # see notify_ends

    def notify_ends(self, callback: Callable[[], None]) -> None:
        """The run service's wake-up: an executor that learns of a run's end at once (local: a
        pidfd) calls it, so the supervisor polls now instead of at its next interval."""
        self.on_end = callback

    async def start(self) -> None:
        """Begin background work (connections, watchers). Called once the event loop runs."""

    async def close(self) -> None:
        """Release resources when Jupyter stops. Runs must keep going."""

    async def submit(self, spec: LaunchSpec) -> Handle:
        raise NotImplementedError

    async def poll(self, run: dict) -> Status:
        """`run` is the stored run row (pid, pid_start_time, external_id, ...)."""
        raise NotImplementedError

    async def stop(self, run: dict, grace: float) -> None:
        """Ask the run to end (TERM), and make sure it has after `grace` seconds (KILL)."""
        raise NotImplementedError

    def log_path(self, run: dict) -> Path:
        return self.home / "projects" / run["project"] / "runs" / run["id"] / "output.log"

    def default_gpus(self, pool: list[int]) -> int:
        """How many GPUs a run gets when it does not say: one when there are GPUs to give."""
        return 1 if pool and self.assigns_gpus else 0

    async def check(self) -> dict:
        """For GET /executors: is this executor usable right now, and why not."""
        return {"name": self.name, "reachable": True, "detail": None}
