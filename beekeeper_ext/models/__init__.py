"""One definition per API resource (pydantic v2): request bodies are validated with it, responses
are rendered through it, and the OpenAPI document's schemas are generated from it.

One small module per resource (project, run, executor, meta, error, metrics, tensorboard, files,
example, branches, notification, schedule, sweep, host, events and streams — the WebSocket
messages), plus `states` (run and
setup states, project defaults; standard library only) and `base` (what they share). Import
from the module: `from beekeeper_ext.models.run import Run`. This package itself imports
nothing, so `models.states` stays usable without pydantic.
"""

from __future__ import annotations


def schemas() -> list[tuple[type, str]]:
    """The models the OpenAPI document names, each with the mode it is described in: request
    bodies as validated, responses as serialised."""
    from .branches import BranchesQuery, RemoteBranches
    from .error import Error
    from .events import ProjectDeleted, ProjectEvent, RunEvent, SweepDeleted, SweepEvent
    from .example import Example, ExampleCreate, ExampleList
    from .executor import ExecutorList, ExecutorStatus
    from .files import FileEntry, FileListing
    from .host import GpuReading, HostSample
    from .meta import Info, Python, PythonList
    from .metrics import MetricSummary, Scalars, UsageHistory
    from .notification import (Delivery, DeliveryList, EmailSinkCreate, Sink, SinkCreate, SinkList, SinkUpdate,
                               TestRequest, TestResult, UrlSinkCreate)
    from .project import Project, ProjectCreate, ProjectList, ProjectUpdate
    from .run import Run, RunCreate, RunList, RunMove
    from .schedule import Schedule, ScheduleCreate, ScheduleList, ScheduleUpdate
    from .streams import LogData, LogEnd, MetricsHistory, MetricsSample
    from .sweep import Sweep, SweepCreate, SweepList
    from .tensorboard import LatestScalar, LatestScalars, TensorBoardStatus

    bodies = (ProjectCreate, ProjectUpdate, RunCreate, RunMove, BranchesQuery, SinkCreate, UrlSinkCreate,
              EmailSinkCreate, SinkUpdate, TestRequest, ScheduleCreate, ScheduleUpdate, SweepCreate,
              ExampleCreate)
    views = (Error, Project, ProjectList, Run, RunList, ExecutorStatus, ExecutorList, Python, PythonList, Info,
             MetricSummary, Scalars, UsageHistory, TensorBoardStatus, LatestScalar, LatestScalars, FileEntry,
             FileListing, Example, ExampleList, RemoteBranches, Sink, SinkList, Delivery,
             DeliveryList, TestResult, Schedule, ScheduleList, Sweep, SweepList, HostSample, GpuReading,
             RunEvent, ProjectEvent, SweepEvent, ProjectDeleted, SweepDeleted, LogData, LogEnd, MetricsHistory,
             MetricsSample)
    return [(m, "validation") for m in bodies] + [(m, "serialization") for m in views]
