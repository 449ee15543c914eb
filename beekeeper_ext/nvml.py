"""The pynvml boundary: every NVIDIA query goes through here, and failures become statuses.

Tests replace the `pynvml` module (and only it) with a fake (tests/fake_pynvml.py), since no
GPU exists there. Nothing here raises: no library, no driver or a broken GPU is reported as a
status string or as an `error` on that one GPU, so callers never need a try block.
"""

from __future__ import annotations

import threading
import time


def _pynvml():
    import pynvml  # provided by the nvidia-ml-py distribution

    return pynvml


def gpu_indices() -> list[int]:
    """Indices of the GPUs NVML sees; [] with no driver, no library or no GPU."""
    try:
        nvml = _pynvml()
        nvml.nvmlInit()
    except Exception:
        return []
    try:
        return list(range(nvml.nvmlDeviceGetCount()))
    except Exception:
        return []
    finally:
        try:
            nvml.nvmlShutdown()
        except Exception:
            pass


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _error_text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _optional(call, *args):
    """Fields a GPU may not support (power on some boards, temperature in VMs) become None."""
    try:
        return call(*args)
    except Exception:
        return None


class Nvml:
    """One NVML session, initialised on first use and kept for every later sample.

    nvmlInit costs tens of milliseconds, far too much per sample. After a failure (driver
    gone, NVML error while counting) the session is dropped and init is retried no more
    often than every `retry_after` seconds.
    """

    def __init__(self, retry_after: float = 30.0):
        self.retry_after = retry_after
        self._lib = None
        self._status: str | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def _session(self):
        if self._lib is not None:
            return self._lib
        if time.monotonic() < self._retry_at:
            return None
        self._retry_at = time.monotonic() + self.retry_after
        try:
            lib = _pynvml()
        except ImportError:
            self._status = "pynvml (nvidia-ml-py) is not installed"
            return None
        try:
            lib.nvmlInit()
        except Exception as exc:
            self._status = f"NVIDIA driver not available: {_error_text(exc)}"
            return None
        self._lib, self._status = lib, None
        return lib

    def _drop(self, exc: BaseException) -> None:
        self._status = f"NVML failed: {_error_text(exc)}"
        try:
            self._lib.nvmlShutdown()
        except Exception:
            pass
        self._lib = None
        self._retry_at = time.monotonic() + min(self.retry_after, 5.0)

    def read(self) -> tuple[list[dict], str | None]:
        """(GPUs, why the list is empty or None). Each GPU dict, or {index, error} for a bad one."""
        with self._lock:
            lib = self._session()
            if lib is None:
                return [], self._status
            try:
                count = lib.nvmlDeviceGetCount()
            except Exception as exc:
                self._drop(exc)
                return [], self._status
            gpus = [self._device(lib, index) for index in range(count)]
            return gpus, (None if gpus else "no NVIDIA GPU found")

    @staticmethod
    def _device(lib, index: int) -> dict:
        try:
            handle = lib.nvmlDeviceGetHandleByIndex(index)
            name = _text(lib.nvmlDeviceGetName(handle))
            memory = lib.nvmlDeviceGetMemoryInfo(handle)
        except Exception as exc:
            return {"index": index, "error": _error_text(exc)}
        uuid = _optional(lib.nvmlDeviceGetUUID, handle)
        rates = _optional(lib.nvmlDeviceGetUtilizationRates, handle)
        power = _optional(lib.nvmlDeviceGetPowerUsage, handle)  # milliwatts
        limit = _optional(lib.nvmlDeviceGetEnforcedPowerLimit, handle)
        processes: dict[int, int] = {}
        for query in ("nvmlDeviceGetComputeRunningProcesses", "nvmlDeviceGetGraphicsRunningProcesses"):
            for proc in _optional(getattr(lib, query, lambda h: []), handle) or []:
                used = getattr(proc, "usedGpuMemory", None) or 0  # None when the driver hides it
                processes[proc.pid] = max(processes.get(proc.pid, 0), int(used))
        return {
            "index": index,
            "name": name,
            "uuid": _text(uuid) if uuid is not None else None,
            "utilization": rates.gpu if rates is not None else None,
            "memory_utilization": rates.memory if rates is not None else None,
            "memory_used": int(memory.used),
            "memory_total": int(memory.total),
            "temperature": _optional(lib.nvmlDeviceGetTemperature, handle, getattr(lib, "NVML_TEMPERATURE_GPU", 0)),
            "temperature_slowdown": _optional(getattr(lib, "nvmlDeviceGetTemperatureThreshold", None), handle,
                                              getattr(lib, "NVML_TEMPERATURE_THRESHOLD_SLOWDOWN", 1)),
            "power_watts": power / 1000 if power is not None else None,
            "power_limit_watts": limit / 1000 if limit is not None else None,
            "processes": [{"pid": pid, "gpu_memory_bytes": used} for pid, used in sorted(processes.items())],
        }

    def close(self) -> None:
        with self._lock:
            if self._lib is not None:
                try:
                    self._lib.nvmlShutdown()
                except Exception:
                    pass
                self._lib = None
