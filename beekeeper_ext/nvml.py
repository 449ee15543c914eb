"""The pynvml boundary: every NVIDIA query goes through here, and failures become statuses.

Tests replace the `pynvml` module (and only it) with a fake, since no GPU exists there.
"""

from __future__ import annotations


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
