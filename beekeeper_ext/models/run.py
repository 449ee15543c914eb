"""A run: what a client sends to start one, and what the API returns.

Run states come from states.py; runs.py drives the state machine through them. To add a
field to the API view, add it to `Run` (the schema and the response check follow) and fill it
in `RunService.render`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo

from .. import validation as v
from .base import Body, Timestamp, View, no_defaults, rule, strict_bool
from .metrics import MetricSummary
from .states import RunState


def _resources(value: Any, info: ValidationInfo) -> Any:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{info.field_name} must be an object like {{cpus, memory_mb}}")
    return value


def _gpus(value: Any, field: str) -> int | list[int] | None:
    """A count or a list of device indices; whether the pool has them is the run service's call."""
    if value is None:
        return None
    if isinstance(value, list):
        return [v.integer(g, field, minimum=0) for g in value]
    return v.integer(value, field, minimum=0)


#: A run's priority lies within ±this (higher starts first; FIFO within a priority).
PRIORITY_LIMIT = 1_000_000

Count = Annotated[int, rule(lambda value, field: v.integer(value, f"resources.{field}", minimum=1)),
                  Field(json_schema_extra={"minimum": 1})]


class Resources(Body):
    model_config = ConfigDict(json_schema_extra=no_defaults)

    cpus: Count = None
    memory_mb: Count = None


# A run body's fields, also kept by schedules and sweeps for the runs they start.
Args = Annotated[list[str], rule(v.string_list)]
Env = Annotated[dict[str, str], rule(v.env)]
Gpus = Annotated[int | list[int] | None, rule(_gpus),
                 Field(description="how many GPUs (default 1 if the pool has any), or which ones")]
Priority = Annotated[int, rule(lambda value, field: v.integer(value, field, -PRIORITY_LIMIT, PRIORITY_LIMIT)),
                     Field(json_schema_extra={"minimum": -PRIORITY_LIMIT, "maximum": PRIORITY_LIMIT},
                           description="higher starts first; FIFO within a priority")]
ResourceLimits = Annotated[Resources, BeforeValidator(_resources)]


class RunCreate(Body):
    args: Args = []
    env: Env = {}
    gpus: Gpus = None
    allow_parallel: Annotated[bool, strict_bool] = False
    executor: str | None = None
    priority: Priority = 0
    resources: ResourceLimits = Field(default_factory=Resources)
    preset: str | None = Field(default=None, description="one of the project's presets: it, then the project's "
                                                          "default_run, gives args, env, gpus and executor left out")


class RunMove(Body):
    """Where a queued run goes: before another queued run or to a position, and/or to a priority."""

    model_config = ConfigDict(json_schema_extra=no_defaults)

    before: str = Field(default=None, description="the id of the queued run to stand before")
    position: Annotated[int, rule(lambda value, field: v.integer(value, field, minimum=0)), Field(
        ge=0, description="0 = next to start")] = None
    priority: Priority = Field(default=None, description="the run's new priority")


class RunEnergy(View):
    """Measured energy and cost; a null figure comes with its reason."""

    gpu_wh: float | None
    cpu_wh: float | None
    cost: float | None
    currency: str | None
    gpu_reason: str | None
    cpu_reason: str | None
    cost_reason: str | None
    samples: int = None


class RunUsage(View):
    cpu_percent: float
    rss_bytes: int
    gpu_memory_bytes: int
    processes: int


class Run(View):
    """The API view of a run: env keys only, never values."""

    id: str
    project: str
    state: RunState
    executor: str
    mode: str | None
    command: list[str]
    args: list[str]
    env_keys: list[str]
    commit: str | None
    gpus: list[int]
    gpus_requested: int | list[int]
    allow_parallel: bool
    host: str | None
    pid: int | None
    exit_code: int | None
    message: str | None
    created: Timestamp
    started: Timestamp | None
    ended: Timestamp | None
    duration: float | None = Field(description="seconds since start (to its end, once ended)")
    log_size: int | None
    queue_position: int | None = Field(description="1 for the next queued run to start")
    usage: RunUsage | None = Field(description="CPU, memory and GPU memory of a running local run")
    stalled_since: Timestamp | None = Field(
        default=None, description="set while the stall watchdog finds the run making no progress")
    energy: RunEnergy | None = None
    priority: int = Field(default=0, description="higher starts first; FIFO within a priority")
    sweep: str | None = Field(default=None, description="the sweep this run is a trial of")
    preset: str | None = Field(default=None, description="the project preset it was started with")
    notebook: str | None = Field(default=None, description="a notebook run's executed notebook: a path of the "
                                                           "project's files API")
    sweep_params: dict[str, Any] | None = Field(default=None, description="this trial's parameters")
    params: dict[str, Any] = Field(default=None, description="parsed from args (--lr 0.01, --lr=0.01, lr=0.01, "
                                                             "--flag), plus gpus, commit and executor")
    metrics: dict[str, MetricSummary] = Field(
        default=None, description="per scalar tag of the run's own event files (and printed metrics)")


class RunList(View):
    runs: list[Run]
    total: int
    limit: int
    offset: int
