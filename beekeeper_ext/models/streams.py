"""What the log and metrics WebSockets send (OpenAPI has no WebSocket messages: the document lists
these schemas and names them in each operation's `x-messages`); the panel's LogMessage and
MetricsMessage are generated from them, like /events' EventMessage (events.py)."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, TypeAdapter

from .base import View
from .host import HostSample


class LogData(View):
    """Bytes `offset` to `next_offset` of the log, decoded as UTF-8 (invalid bytes replaced)."""

    type: Literal["data"]
    offset: int
    next_offset: int
    data: str


class LogEnd(View):
    """The log is complete: the run's (or setup's) final state, and where the log ends."""

    type: Literal["end"]
    state: str = Field(description="run or setup state; `deleted` when the run is gone")
    exit_code: int | None
    offset: int


class MetricsHistory(View):
    """Sent once on connect: the kept samples, oldest first."""

    type: Literal["history"]
    interval: float
    samples: list[HostSample]


class MetricsSample(HostSample):
    """Then one of these per metrics interval."""

    type: Literal["sample"]


LogMessage = Annotated[Union[LogData, LogEnd], Field(discriminator="type")]
MetricsMessage = Annotated[Union[MetricsHistory, MetricsSample], Field(discriminator="type")]
LOG_MESSAGE = TypeAdapter(LogMessage)
METRICS_MESSAGE = TypeAdapter(MetricsMessage)
