"""The services handlers use, as one typed object in the tornado settings (`settings["beekeeper"]`).

Handlers reach everything through `self.bk.<name>`; this is the whole list. The app builds it
once in `initialize_settings`; nothing here reads the app back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .environments import Interpreters
from .examples import Examples
from .executors import Executor
from .files import FileService
from .logs import LogHub
from .metrics import MetricsService
from .notifications import NotificationService
from .projects import ProjectService
from .run_metrics import RunMetricsService
from .runs import RunService
from .schedules import ScheduleService
from .sweeps import SweepService
from .tensorboard import TensorBoardService
from .usage_history import UsageRecorder


@dataclass(frozen=True)
class Services:
    home_path: Path
    interpreters: Interpreters
    executors: dict[str, Executor]
    projects: ProjectService
    runs: RunService
    run_metrics: RunMetricsService
    usage: UsageRecorder
    logs: LogHub
    metrics: MetricsService
    tensorboards: TensorBoardService
    files: FileService
    example_projects: Examples
    notifications: NotificationService
    schedules: ScheduleService
    sweeps: SweepService
    routes: Callable[[], list[tuple]]  # the handler table, for the OpenAPI document

    @property
    def default_executor(self) -> str:
        return self.runs.default_executor

    @property
    def metrics_interval(self) -> float:
        return self.metrics.interval

    @property
    def usage_interval(self) -> float:
        return self.usage.interval

    @property
    def upload_max_bytes(self) -> int:
        return self.files.upload_max_bytes

    async def executor_status(self) -> list[dict]:
        """Each executor's check (GET /executors), 5 s at most each, all at once."""
        async def check(name, executor):
            try:
                return {**await asyncio.wait_for(executor.check(), 5), "name": name}
            except Exception as exc:
                return {"name": name, "reachable": False, "detail": str(exc) or type(exc).__name__}

        return list(await asyncio.gather(*(check(n, e) for n, e in self.executors.items())))
