"""A schedule: a cron expression in a time zone, and the run body each fire starts.

Cron syntax is croniter's; the run body is checked against its project as POST /runs checks
one (schedules.py), again at each fire.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import ConfigDict, Field

from ..errors import bad_request
from .base import Body, Timestamp, View, no_defaults, rule, strict_bool
from .run import Args, Env, Gpus, ResourceLimits

Outcome = Literal["fired", "skipped", "missed", "failed"]


def _cron(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise bad_request(field, f"{field} is required, e.g. \"0 2 * * *\"")
    value = " ".join(value.split())
    if len(value.split()) != 5 or not croniter.is_valid(value):
        raise bad_request(field, f"{field} must be a 5-field expression: minute hour day month weekday")
    return value


def _timezone(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise bad_request(field, f"{field} must be an IANA name like Europe/Berlin")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request(field, f"unknown {field} {value!r}; use an IANA name like Europe/Berlin") from None
    return value


def _run_body(value: Any, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request(field, f"{field} must be an object like {{args, env, gpus, executor}}")
    return value


Cron = Annotated[str, rule(_cron), Field(json_schema_extra={"examples": ["0 2 * * *"]})]
TimeZone = Annotated[str, rule(_timezone), Field(description="an IANA name",
                                                 json_schema_extra={"examples": ["Europe/Berlin"]})]
Enabled = Annotated[bool, strict_bool]


class ScheduleRun(Body):
    """A run body, as for POST /projects/{name}/runs; what it leaves out, the project's
    default_run gives at each fire."""

    model_config = ConfigDict(json_schema_extra=no_defaults)

    args: Args = None
    env: Env = None
    gpus: Gpus = None
    executor: str | None = None
    allow_parallel: Enabled = None
    resources: ResourceLimits = None


RunBody = Annotated[ScheduleRun, rule(_run_body)]


class ScheduleCreate(Body):
    cron: Cron
    timezone: TimeZone = "UTC"
    run: RunBody = Field(default_factory=ScheduleRun)
    enabled: Enabled = True


class ScheduleUpdate(Body):
    """Only the fields sent change; a new cron or time zone, or re-enabling, counts from now."""

    model_config = ConfigDict(json_schema_extra=no_defaults)

    cron: Cron = None
    timezone: TimeZone = None
    run: RunBody = None
    enabled: Enabled = None


class ScheduleFire(View):
    due: Timestamp
    fired: Timestamp
    outcome: Outcome
    run_id: str | None
    message: str | None


class Schedule(View):
    id: str
    project: str
    cron: str
    timezone: str
    run: ScheduleRun
    enabled: bool
    next: list[Timestamp] = Field(description="the next fire times (UTC)")
    last_due: Timestamp | None = Field(description="the last due time handled (fired, skipped or missed)")
    last_run_id: str | None
    created: Timestamp
    updated: Timestamp
    fires: list[ScheduleFire] = Field(description="recent outcomes, newest first")


class ScheduleList(View):
    schedules: list[Schedule]
