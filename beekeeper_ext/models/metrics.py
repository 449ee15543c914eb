"""A run's own metrics (from its event files and printed lines) and its recorded resource use."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from .base import View


class MetricSummary(View):
    last: float | None = Field(description="the value at the highest step")
    min: float | None
    max: float | None
    step: int | None
    count: int


class Scalars(View):
    tag: str
    points: list[tuple[int, float, float | None]] = Field(
        description="[step, wall_time, value] in step order; value null where it was not finite")
    downsampled: bool = Field(description="true when each bucket kept only its min and max")


class UsageGpu(View):
    model_config = ConfigDict(extra="allow")  # usage.jsonl is written by another process: tolerate more

    index: int
    utilization: float | None = None
    memory_used: int | None = None
    memory_total: int | None = None
    run_memory_bytes: int = None


class UsageSample(View):
    model_config = ConfigDict(extra="allow")

    time: float
    cpu_percent: float = None
    rss_bytes: int = None
    processes: int = None
    gpus: list[UsageGpu] = None


class UsageHistory(View):
    interval: float = Field(description="usage_interval, seconds")
    samples: list[UsageSample]
