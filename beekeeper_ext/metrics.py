"""Host and run metrics: one sampler shared by every listener, running only while someone listens.

A sample is a plain JSON-able dict (see `MetricsService.snapshot`). The sampler keeps the last
`metrics_history` seconds in memory so a freshly opened chart draws at once. Per-run usage sums
a run's whole process tree (the launcher and everything the training spawned, e.g. DataLoader
workers); psutil.Process objects are cached between samples so `cpu_percent` measures the
interval since the previous sample and each sample costs only a few /proc reads.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections import deque
from pathlib import Path

import psutil
from traitlets import Float
from traitlets.config import LoggingConfigurable

from .nvml import Nvml

log = logging.getLogger("beekeeper.metrics")

QUEUE_LIMIT = 4  # samples a slow subscriber may lag behind; older ones are dropped for it



def process_trees(runs: list[dict]) -> dict[str, list[psutil.Process]]:
    """{run id: its launcher and every descendant} for these runs (rows with `pid` and
    `pid_start_time`), from one walk of the process table for all of them: psutil's
    Process.children(recursive=True) walks all of /proc on each call, once per run per sample
    before. A run whose recorded pid is now another process (or none) gets []. Blocking."""
    roots: dict[str, psutil.Process] = {}
    for run in runs:
        try:
            root = psutil.Process(run["pid"])
            started = run.get("pid_start_time")
            if started is None or abs(root.create_time() - started) <= 0.05:
                roots[run["id"]] = root
        except (psutil.Error, TypeError, ValueError):
            continue
    ppid_map = getattr(psutil, "_ppid_map", None)  # what Process.children itself walks
    if ppid_map is None:
        return {r["id"]: _subtree(roots[r["id"]]) if r["id"] in roots else [] for r in runs}
    children: dict[int, list[int]] = {}
    for pid, ppid in ppid_map().items():
        children.setdefault(ppid, []).append(pid)
    out: dict[str, list[psutil.Process]] = {}
    for run in runs:
        root = roots.get(run["id"])
        if root is None:
            out[run["id"]] = []
            continue
        tree, stack, seen = [root], list(children.get(root.pid, ())), {root.pid}
        while stack:
            pid = stack.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                tree.append(psutil.Process(pid))
            except psutil.Error:
                continue
            stack.extend(children.get(pid, ()))
        out[run["id"]] = tree
    return out


def _subtree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def local_running_runs(store, hostname: str) -> list[dict]:
    """Running runs whose processes live on this host (local runs, or a run placed here), so
    their process trees can be sampled. The store belongs to the event-loop thread: call it there."""
    rows = store.list_runs(states=["running"])
    return [r for r in rows if r.get("pid") and (r.get("mode") in (None, "local") or r.get("host") == hostname)]

class Subscription:
    """One listener's mailbox: bounded, so a slow client loses old samples instead of growing memory."""

    def __init__(self):
        self.queue: asyncio.Queue[dict] = asyncio.Queue(QUEUE_LIMIT)
        self.dropped = 0

    def offer(self, sample: dict) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(sample)

    async def next(self) -> dict:
        return await self.queue.get()


class MetricsService(LoggingConfigurable):
    """One shared sampler, running only while someone listens."""

    interval = Float(1.0, help="Seconds between samples while someone listens "
                               "(also c.BeekeeperApp.metrics_interval).").tag(config=True)
    history_seconds = Float(600.0, help="Seconds of samples kept for new listeners "
                                        "(also c.BeekeeperApp.metrics_history).").tag(config=True)

    def __init__(self, home: Path, store, nvml: Nvml | None = None, **kwargs):
        super().__init__(**kwargs)
        self.home = Path(home)
        self.store = store
        self.nvml = nvml or Nvml()
        self._subscribers: set[Subscription] = set()
        self._history: deque[dict] = deque()
        self._task: asyncio.Task | None = None
        self._procs: dict[int, psutil.Process] = {}
        self._procs_lock = threading.Lock()
        self._collect_lock = threading.Lock()
        self._last_cpu = None
        self._last_gpus: list[dict] = []
        self._hostname = socket.gethostname()

    # -- listeners -----------------------------------------------------------------------------
    @property
    def sampling(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def subscribe(self) -> Subscription:
        sub = Subscription()
        self._subscribers.add(sub)
        if not self.sampling:
            self._task = asyncio.get_running_loop().create_task(self._sample_loop())
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)
        if not self._subscribers and self._task is not None:
            self._task.cancel()
            self._task = None

    def history(self) -> list[dict]:
        self._trim(time.time())
        return list(self._history)

    async def stop(self) -> None:
        self._subscribers.clear()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        await asyncio.to_thread(self.nvml.close)

    async def _sample_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while self._subscribers:
            began = loop.time()
            try:
                sample = await self.snapshot()
            except asyncio.CancelledError:
                raise
            except Exception:  # a sampler that dies silently would freeze every chart
                log.exception("metrics sample failed")
            else:
                self._history.append(sample)
                self._trim(sample["time"])
                for sub in list(self._subscribers):
                    sub.offer(sample)
            await asyncio.sleep(max(0.0, self.interval - (loop.time() - began)))

    def _trim(self, now: float) -> None:
        oldest = now - self.history_seconds
        while self._history and self._history[0]["time"] < oldest:
            self._history.popleft()

    # -- sampling ------------------------------------------------------------------------------
    def _local_running(self) -> list[dict]:
        return local_running_runs(self.store, self._hostname)

    async def current(self) -> dict:
        """For GET /metrics: the live sampler's latest sample while it runs (a fresh reading would
        also shorten the CPU window of the stream's next sample), else a reading made now."""
        if self.sampling and self._history and time.time() - self._history[-1]["time"] < 2 * self.interval:
            return self._history[-1]
        return await self.snapshot()

    async def snapshot(self) -> dict:
        """Sample now: host CPU/memory/disk, GPUs, and every running local run's usage."""
        runs = self._local_running()  # the store belongs to the event-loop thread
        return await asyncio.to_thread(self._collect, runs)

    def _collect(self, runs: list[dict]) -> dict:
        with self._collect_lock:
            now = time.time()
            cpu = self._cpu()
            memory, swap = psutil.virtual_memory(), psutil.swap_memory()
            try:
                disk = psutil.disk_usage(str(self.home))
                disk_info = {"path": str(self.home), "total": disk.total, "used": disk.used,
                             "free": disk.free, "percent": disk.percent}
            except OSError as exc:
                disk_info = {"path": str(self.home), "error": str(exc)}
            gpus, gpu_status = self.nvml.read()
            self._last_gpus = gpus
            usages = []
            trees = process_trees(runs)
            with self._procs_lock:
                seen: set[int] = set()
                for run in runs:
                    tree = [self._cached(proc) for proc in trees[run["id"]]]
                    seen.update(p.pid for p in tree)
                    usages.append(self._usage(run, tree, gpus))
                for pid in set(self._procs) - seen:
                    del self._procs[pid]
            owners = {pid: u["id"] for u in usages for pid in u.pop("_pids")}
            for gpu in gpus:
                for proc in gpu.get("processes", []):
                    proc["run_id"] = owners.get(proc["pid"])
                if "processes" in gpu:
                    gpu["runs"] = sorted({p["run_id"] for p in gpu["processes"] if p["run_id"]})
            return {
                "time": now,
                "cpu": {**cpu, "count": psutil.cpu_count() or len(cpu["per_core"]),
                        "load_average": list(os.getloadavg())},
                "memory": {"total": memory.total, "available": memory.available, "used": memory.used,
                           "percent": memory.percent},
                "swap": {"total": swap.total, "used": swap.used, "percent": swap.percent},
                "disk": disk_info,
                "gpus": gpus,
                "gpu_status": gpu_status,
                "runs": usages,
            }

    def _cpu(self) -> dict:
        """Busy % per core since the previous sample (our own baseline, not psutil's global one)."""
        current = psutil.cpu_times(percpu=True)
        previous = self._last_cpu
        if previous is None or len(previous) != len(current):
            time.sleep(0.1)  # first sample ever: a short window instead of a meaningless 0
            previous, current = current, psutil.cpu_times(percpu=True)
        self._last_cpu = current
        per_core = []
        busy_total = all_total = 0.0
        for before, after in zip(previous, current):
            total = sum(after) - sum(before)
            idle = (after.idle + getattr(after, "iowait", 0)) - (before.idle + getattr(before, "iowait", 0))
            busy = max(0.0, total - idle)
            per_core.append(round(100.0 * busy / total, 1) if total > 0 else 0.0)
            busy_total += busy
            all_total += total
        percent = round(100.0 * busy_total / all_total, 1) if all_total > 0 else 0.0
        return {"percent": min(percent, 100.0), "per_core": [min(p, 100.0) for p in per_core]}

    def _cached(self, proc: psutil.Process) -> psutil.Process:
        known = self._procs.get(proc.pid)
        if known is not None and known == proc:  # psutil compares pid and creation time
            return known
        self._procs[proc.pid] = proc
        return proc

    def _tree(self, run: dict) -> list[psutil.Process]:
        """The run's launcher and all its descendants, if the recorded pid is still that process."""
        return [self._cached(proc) for proc in process_trees([run])[run["id"]]]

    @staticmethod
    def _usage(run: dict, tree: list[psutil.Process], gpus: list[dict]) -> dict:
        cpu = 0.0
        rss = 0
        alive = []
        for proc in tree:
            try:
                with proc.oneshot():
                    cpu += proc.cpu_percent(None)
                    rss += proc.memory_info().rss
                alive.append(proc.pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        pids = set(alive)
        gpu_memory = sum(p["gpu_memory_bytes"] for g in gpus for p in g.get("processes", []) if p["pid"] in pids)
        return {"id": run["id"], "project": run["project"], "cpu_percent": round(cpu, 1), "rss_bytes": rss,
                "gpu_memory_bytes": gpu_memory, "processes": len(alive), "_pids": alive}

    def gpu_readings(self) -> list[dict]:
        """Every GPU's reading now through the shared NVML session (blocking: call in a thread)."""
        return self.nvml.read()[0]

    def run_usage(self, run: dict) -> dict | None:
        """Usage of one running local run, for GET /runs/{id}: the sampler's latest figure when it is
        fresh, else a direct reading of the process tree (no NVML query; last known GPU figures)."""
        if not run.get("pid") or run.get("state") != "running":
            return None
        if run.get("mode") not in (None, "local") and run.get("host") != self._hostname:
            return None
        if self._history and time.time() - self._history[-1]["time"] < 2 * self.interval + 1:
            for usage in self._history[-1]["runs"]:
                if usage["id"] == run["id"]:
                    return {k: usage[k] for k in ("cpu_percent", "rss_bytes", "gpu_memory_bytes", "processes")}
        with self._procs_lock:
            tree = self._tree(run)
            if not tree:
                return None
            usage = self._usage(run, tree, self._last_gpus)
        return {k: usage[k] for k in ("cpu_percent", "rss_bytes", "gpu_memory_bytes", "processes")}
