"""The host as GET /metrics and /metrics/stream report it: CPU, memory, swap, the disk holding
BEEKEEPER_HOME, the GPUs (NVML) and the running local runs' usage."""

from __future__ import annotations

from pydantic import Field

from .base import View


class CpuUsage(View):
    percent: float = Field(description="busy % of all cores since the previous sample")
    per_core: list[float]
    count: int
    load_average: list[float]


class MemoryUsage(View):
    total: int
    available: int
    used: int
    percent: float


class SwapUsage(View):
    total: int
    used: int
    percent: float


class DiskUsage(View):
    """The file system holding BEEKEEPER_HOME; `error` instead of the figures when unreadable."""

    path: str
    total: int = None
    used: int = None
    free: int = None
    percent: float = None
    error: str = None


class GpuProcess(View):
    pid: int
    gpu_memory_bytes: int
    run_id: str | None = Field(default=None, description="the run whose process tree holds it")


class GpuReading(View):
    """One GPU; a GPU NVML cannot read is `{index, error}`."""

    index: int
    name: str = None
    uuid: str | None = None
    utilization: float | None = Field(default=None, description="%")
    memory_utilization: float | None = None
    memory_used: int = None
    memory_total: int = None
    temperature: float | None = Field(default=None, description="°C")
    temperature_slowdown: float | None = None
    power_watts: float | None = None
    power_limit_watts: float | None = None
    processes: list[GpuProcess] = None
    runs: list[str] = Field(default=None, description="ids of the runs using it")
    error: str = None


class RunUsageSample(View):
    id: str
    project: str
    cpu_percent: float
    rss_bytes: int
    gpu_memory_bytes: int
    processes: int


class HostSample(View):
    time: float
    cpu: CpuUsage
    memory: MemoryUsage
    swap: SwapUsage
    disk: DiskUsage
    gpus: list[GpuReading]
    gpu_status: str | None = Field(description="why gpus is empty")
    runs: list[RunUsageSample] = Field(description="running local runs")
