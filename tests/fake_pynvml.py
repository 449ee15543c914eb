"""A fake `pynvml` module — the ONE thing Beekeeper's tests fake, because no NVIDIA GPU exists here.

It stands exactly at the boundary: `beekeeper_ext/nvml.py` does `import pynvml`, and tests put
this module into `sys.modules["pynvml"]` instead. Everything above that line (sampling, matching
GPU processes to runs, JSON, WebSocket) is the real code. It mimics nvidia-ml-py's surface: the
functions Beekeeper calls, NVMLError, struct-like return values, milliwatt power figures.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from types import SimpleNamespace


class NVMLError(Exception):
    pass


@dataclass
class FakeGpu:
    name: str = "NVIDIA H100 80GB HBM3"
    uuid: str = "GPU-00000000-0000-0000-0000-000000000000"
    utilization: int = 37
    memory_utilization: int = 12
    memory_used: int = 3 * 1024**3
    memory_total: int = 80 * 1024**3
    temperature: int = 54
    temperature_slowdown: int | None = 87
    power_mw: int | None = 123_456
    power_limit_mw: int = 700_000
    processes: list[tuple[int, int]] = field(default_factory=list)  # (pid, used bytes)
    error: str | None = None  # set: every query about this GPU raises NVMLError(error)


def make_module(gpus: list[FakeGpu], init_error: str | None = None) -> types.ModuleType:
    """A module object with pynvml's API over `gpus`; `calls` counts nvmlInit/nvmlShutdown."""
    mod = types.ModuleType("pynvml")
    mod.NVMLError = NVMLError
    mod.NVML_TEMPERATURE_GPU = 0
    mod.gpus = gpus
    mod.init_error = init_error
    mod.count_error = None
    mod.calls = {"nvmlInit": 0, "nvmlShutdown": 0}

    def init():
        mod.calls["nvmlInit"] += 1
        if mod.init_error:
            raise NVMLError(mod.init_error)

    def shutdown():
        mod.calls["nvmlShutdown"] += 1

    def count():
        if mod.count_error:
            raise NVMLError(mod.count_error)
        return len(mod.gpus)

    def handle(index):
        gpu = mod.gpus[index]
        if gpu.error:
            raise NVMLError(gpu.error)
        return gpu

    def power(gpu):
        if gpu.power_mw is None:
            raise NVMLError("Not Supported")
        return gpu.power_mw

    mod.nvmlInit = init
    mod.nvmlShutdown = shutdown
    mod.nvmlDeviceGetCount = count
    mod.nvmlDeviceGetHandleByIndex = handle
    mod.nvmlDeviceGetName = lambda gpu: gpu.name.encode()  # older bindings return bytes
    mod.nvmlDeviceGetUUID = lambda gpu: gpu.uuid
    mod.nvmlDeviceGetMemoryInfo = lambda gpu: SimpleNamespace(used=gpu.memory_used, total=gpu.memory_total,
                                                              free=gpu.memory_total - gpu.memory_used)
    mod.nvmlDeviceGetUtilizationRates = lambda gpu: SimpleNamespace(gpu=gpu.utilization,
                                                                    memory=gpu.memory_utilization)
    mod.nvmlDeviceGetTemperature = lambda gpu, sensor: gpu.temperature
    mod.NVML_TEMPERATURE_THRESHOLD_SLOWDOWN = 1

    def threshold(gpu, kind):
        if gpu.temperature_slowdown is None:
            raise NVMLError("Not Supported")
        return gpu.temperature_slowdown

    mod.nvmlDeviceGetTemperatureThreshold = threshold
    mod.nvmlDeviceGetPowerUsage = power
    mod.nvmlDeviceGetEnforcedPowerLimit = lambda gpu: gpu.power_limit_mw
    mod.nvmlDeviceGetComputeRunningProcesses = lambda gpu: [
        SimpleNamespace(pid=pid, usedGpuMemory=used) for pid, used in gpu.processes]
    mod.nvmlDeviceGetGraphicsRunningProcesses = lambda gpu: []
    return mod


def install(monkeypatch, gpus: list[FakeGpu], init_error: str | None = None) -> types.ModuleType:
    """Put a fake pynvml in sys.modules for one test (monkeypatch restores the real one)."""
    mod = make_module(gpus, init_error)
    monkeypatch.setitem(sys.modules, "pynvml", mod)
    return mod


def uninstall(monkeypatch) -> None:
    """Make `import pynvml` fail with ImportError, as on a host without nvidia-ml-py."""
    monkeypatch.setitem(sys.modules, "pynvml", None)
