"""The stall watchdog: notice a running run that stopped making progress, before it burns the night.

A running run is *stalled* when, for its project's `stall_timeout` seconds (0 = never), it wrote
no log bytes, no scalar got a new step, and — where NVML knows the run's GPUs — none of them
was at 5 % utilisation or more at any check. Stalled is a flag (`stalled_since`), not a state:
the run keeps running and the flag clears when output resumes. Flagging announces the run
(so /events and the notification sinks hear of it), appends a `py-spy dump` of the run's Python
processes to its log, and with `stall_action: stop` stops the run.

The same periodic check watches the host for two more events the sinks may want: the disk of
BEEKEEPER_HOME above 90 % and a GPU at or above its slowdown temperature (each told once until
it recovers).

`clock` is injectable (seconds, monotonic): tests advance it and call `check()` instead of
sleeping through a half-hour timeout.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import psutil
from traitlets import Float
from traitlets.config import LoggingConfigurable

from .background import PeriodicTask
from .errors import BeekeeperError

log = logging.getLogger("beekeeper.watchdog")

DEFAULT_STALL_TIMEOUT = 1800
STALL_ACTIONS = ("notify", "stop")
GPU_BUSY_PERCENT = 5
DISK_FULL_PERCENT = 90
DUMP_TIMEOUT = 30.0


@dataclass
class _Progress:
    log_size: int
    steps: Any
    active_at: float


def find_py_spy() -> str | None:
    """The py-spy binary: next to this interpreter (the PyPI package's script), else on PATH."""
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.is_file() else shutil.which("py-spy")


def _python_processes(pid: int, started: float | None) -> list[int]:
    """The run's Python processes: descendants of its launcher (blocking: call in a thread)."""
    try:
        root = psutil.Process(pid)
        if started is not None and abs(root.create_time() - started) > 0.05:
            return []
        out = []
        for child in root.children(recursive=True):
            try:
                if "python" in child.name().lower() or "python" in Path(child.exe()).name.lower():
                    out.append(child.pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied, OSError):
                continue
        return out
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []


class StallWatchdog(LoggingConfigurable):
    """Checks the running runs (and the host) every `interval` seconds; see the module docstring."""

    interval = Float(30.0, help="Seconds between stall-watchdog checks of the running runs "
                                "(also c.BeekeeperApp.watchdog_interval).").tag(config=True)

    def __init__(self, store, runs, metrics, tensorboards, notifications, home: Path,
                 clock: Callable[[], float] = time.monotonic, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.runs = runs
        self.metrics = metrics  # its gpu_readings(): the shared NVML session's GPUs
        self.tensorboards = tensorboards  # a project's scalar steps (scalar_steps below)
        self.notifications = notifications  # disk_full and gpu_hot go to its emit()
        self.home = Path(home)
        self.clock = clock
        self._progress: dict[str, _Progress] = {}
        self._disk_full = False
        self._hot: set[int] = set()
        self._ticker = PeriodicTask("stall watchdog", self.check, lambda: self.interval, log=log, delay_first=True)

    def start(self) -> None:
        self._ticker.start()

    async def stop(self) -> None:
        await self._ticker.stop()

    # -- settings -----------------------------------------------------------------------------
    @staticmethod
    def settings(project: dict | None) -> tuple[int, str]:
        if project is None:
            return 0, "notify"
        timeout = project.get("stall_timeout")
        return (DEFAULT_STALL_TIMEOUT if timeout is None else int(timeout)), project.get("stall_action") or "notify"

    # -- one check ----------------------------------------------------------------------------
    async def check(self) -> None:
        """Look at every running run once (and at the host); flag, clear, dump and stop as needed."""
        now = self.clock()
        rows = self.store.list_runs(states=["running"])
        for gone in set(self._progress) - {r["id"] for r in rows}:
            del self._progress[gone]
        watched = []
        for row in rows:
            timeout, action = self.settings(self.store.get_project(row["project"]))
            if timeout > 0 or row.get("stalled_since"):
                watched.append((row, timeout, action))
        sizes, gpus = await asyncio.to_thread(self._read, [self.runs.log_path(r) for r, _, _ in watched])
        steps: dict[str, Any] = {}
        for row, _, _ in watched:
            if row["project"] not in steps:
                try:
                    steps[row["project"]] = await scalar_steps(self.tensorboards, row["project"])
                except (BeekeeperError, OSError):
                    steps[row["project"]] = None
        by_index = {g["index"]: g for g in gpus if "error" not in g}
        for (row, timeout, action), size in zip(watched, sizes):
            await self._judge(row, timeout, action, size, steps[row["project"]], by_index, now)
        self._host(gpus)

    def _read(self, paths: list[Path]) -> tuple[list[int], list[dict]]:
        sizes = []
        for path in paths:
            try:
                sizes.append(path.stat().st_size)
            except OSError:
                sizes.append(-1)
        return sizes, self.metrics.gpu_readings()

    async def _judge(self, row: dict, timeout: int, action: str, size: int, steps: Any,
                     gpus: dict[int, dict], now: float) -> None:
        run_id = row["id"]
        seen = self._progress.get(run_id)
        busy = any((gpus.get(i) or {}).get("utilization") is not None
                   and gpus[i]["utilization"] >= GPU_BUSY_PERCENT for i in row["gpus"] or [])
        if seen is None:
            self._progress[run_id] = _Progress(size, steps, now)
            return
        moved = size != seen.log_size or steps != seen.steps or busy
        seen.log_size, seen.steps = size, steps
        if moved:
            seen.active_at = now
            if row.get("stalled_since"):
                self.runs.mark_stalled(run_id, None)
                self._note(row, "output resumed: no longer stalled")
                seen.log_size = self._size(row)
            return
        if timeout <= 0 or row.get("stalled_since") or now - seen.active_at < timeout:
            return
        quiet = int(now - seen.active_at)
        self._note(row, "stalled: no log output, no new scalar step"
                        + (", GPUs under 5 %" if row["gpus"] else "") + f" for {quiet} s")
        self.runs.mark_stalled(run_id, quiet)
        await self.dump(row)
        if action == "stop":
            self._note(row, "stall_action is 'stop': stopping the run")
            await self.runs.stop(run_id)
        seen.log_size = self._size(row)  # our own lines are not the run's progress

    def _size(self, row: dict) -> int:
        try:
            return self.runs.log_path(row).stat().st_size
        except OSError:
            return -1

    def _note(self, row: dict, text: str) -> None:
        try:
            with open(self.runs.log_path(row), "ab") as f:
                f.write(f"[beekeeper] {text}\n".encode())
        except OSError:
            pass

    async def dump(self, row: dict) -> None:
        """Append `py-spy dump` of each of the run's Python processes to its log."""
        if not row.get("pid") or (row.get("mode") not in (None, "local")):
            self._note(row, "no stack dump: the run does not run on this host")
            return
        binary = find_py_spy()
        if binary is None:
            self._note(row, "no stack dump: py-spy is not installed (pip install py-spy)")
            return
        pids = await asyncio.to_thread(_python_processes, row["pid"], row.get("pid_start_time"))
        if not pids:
            self._note(row, "no stack dump: no Python process of the run was found")
            return
        for pid in pids:
            try:
                proc = await asyncio.create_subprocess_exec(
                    binary, "dump", "--pid", str(pid), stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
                try:
                    out, _ = await asyncio.wait_for(proc.communicate(), DUMP_TIMEOUT)
                except asyncio.TimeoutError:
                    proc.kill()
                    await proc.wait()
                    out = b"py-spy timed out\n"
                text = out.decode("utf-8", "replace")
                ok = proc.returncode == 0
            except OSError as exc:
                text, ok = f"{exc}\n", False
            header = f"stack dump of process {pid} (py-spy dump)" if ok else f"py-spy dump of process {pid} failed"
            self._note(row, header + ":\n" + text.rstrip("\n"))

    # -- host ---------------------------------------------------------------------------------
    def _host(self, gpus: list[dict]) -> None:
        try:
            percent = psutil.disk_usage(str(self.home)).percent
        except OSError:
            percent = None
        if percent is not None:
            if percent > DISK_FULL_PERCENT and not self._disk_full:
                self._disk_full = True
                self.notifications.emit("disk_full", detail=f"The disk holding {self.home} is {percent:.0f} % full.")
            elif percent < DISK_FULL_PERCENT - 2:
                self._disk_full = False
        for gpu in gpus:
            limit, temp = gpu.get("temperature_slowdown"), gpu.get("temperature")
            if limit is None or temp is None:
                continue
            if temp >= limit and gpu["index"] not in self._hot:
                self._hot.add(gpu["index"])
                self.notifications.emit("gpu_hot", detail=f"GPU {gpu['index']} ({gpu.get('name')}) is at {temp} °C; "
                                            f"it slows down at {limit} °C.")
            elif temp < limit - 5:
                self._hot.discard(gpu["index"])


async def scalar_steps(tensorboards, project: str) -> tuple:
    """What changes whenever any scalar of the project gets a new step: (run, tag, step) triples."""
    runs = (await tensorboards.latest_scalars(project))["runs"]
    return tuple(sorted((run, tag, point["step"]) for run, tags in runs.items() for tag, point in tags.items()))
