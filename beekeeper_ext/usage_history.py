"""Each running local run's resource history, one sample every `usage_interval` seconds.

Unlike the live metrics stream (which samples only while someone watches and keeps minutes in
memory), this keeps a run's whole life in its folder, `usage.jsonl`, one JSON object a line:
`{"time", "cpu_percent", "rss_bytes", "processes", "gpus": [{"index", "utilization",
"memory_used", "memory_total", "run_memory_bytes"}]}` for the run's own GPUs. So a finished run
still shows what it used, after restarts too. Pids seen in the tree go to the metrics service,
which uses them to tell which event files the run wrote. Ray runs are placed by Ray on nodes
Beekeeper does not sample; they have no usage history.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Callable

import psutil
from traitlets import Float
from traitlets.config import LoggingConfigurable

from .background import PeriodicTask
from .metrics import local_running_runs, process_trees

log = logging.getLogger("beekeeper.usage_history")

FILE = "usage.jsonl"
MAX_SAMPLES = 20000  # a read returns at most this many (evenly thinned)
TREE_RESCAN = 30.0  # seconds a run's process tree is reused before descendants are searched again


def tree_ttl(run: dict) -> float:
    """How long a run's process tree may be reused: half the run's age, at most TREE_RESCAN, so a
    just-started run (whose script and workers are still being spawned) is rescanned every sample."""
    started = run.get("pid_start_time")
    age = time.time() - started if started else 0.0
    return max(0.0, min(TREE_RESCAN, age / 2))


class UsageRecorder(LoggingConfigurable):
    """Samples the running local runs' process trees into their usage.jsonl."""

    interval = Float(5.0, help="Seconds between samples of a running run's resource usage "
                               "(also c.BeekeeperApp.usage_interval).").tag(config=True)

    def __init__(self, store, projects, nvml, on_pids: Callable[[str, list[int]], None] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.projects = projects
        self.nvml = nvml
        self.on_pids = on_pids  # pids seen per run (the run metrics service's note_pids)
        self.hostname = socket.gethostname()
        self._procs: dict[int, psutil.Process] = {}  # own cache: cpu_percent windows are per object
        self._trees: dict[str, tuple[float, list[psutil.Process]]] = {}  # run id → (rescan at, tree)
        self._lock = threading.Lock()
        self._ticker = PeriodicTask("usage sample", self.record, lambda: self.interval, log=log, keep_rhythm=True)

    async def start(self) -> None:
        self._ticker.start()

    async def stop(self) -> None:
        await self._ticker.stop()

    async def record(self) -> None:
        """One round: sample every running local run (in a thread), then hand on the pids seen."""
        runs = local_running_runs(self.store, self.hostname)
        if not runs:
            return
        seen = await asyncio.to_thread(self.sample, runs)
        if self.on_pids:
            for run_id, pids in seen.items():
                self.on_pids(run_id, pids)

    def _trees_now(self, runs: list[dict]) -> dict[str, list[psutil.Process]]:
        """Each run's processes. Finding descendants walks all of /proc, so a tree is reused for up
        to TREE_RESCAN seconds (less while the run is young and still spawning) unless one of its
        processes ended (a failed read in `sample` drops it); the trees due are found again in one
        walk for all of them (metrics.process_trees), and a worker started in between joins then."""
        now = time.monotonic()
        due = [r for r in runs if r["id"] not in self._trees or self._trees[r["id"]][0] <= now]
        for run_id, found in process_trees(due).items():
            run = next(r for r in due if r["id"] == run_id)
            self._trees[run_id] = (now + tree_ttl(run), [self._known(proc) for proc in found])
        return {r["id"]: self._trees[r["id"]][1] for r in runs}

    def _known(self, proc: psutil.Process) -> psutil.Process:
        """Our own Process object for it: cpu_percent measures since this object's last call."""
        known = self._procs.get(proc.pid)
        if known is None or known != proc:
            self._procs[proc.pid] = known = proc
            try:
                known.cpu_percent(None)  # start its window; the first figure would be 0.0
            except psutil.Error:
                pass
        return known

    def sample(self, runs: list[dict]) -> dict[str, list[int]]:
        """Append one sample to each run's usage.jsonl; returns the pids seen per run. Blocking."""
        gpus, _status = self.nvml.read()
        by_index = {g["index"]: g for g in gpus if "error" not in g}
        seen: dict[str, list[int]] = {}
        with self._lock:
            alive_all: set[int] = set()
            trees = self._trees_now(runs)
            for run in runs:
                cpu, rss, alive = 0.0, 0, []
                for proc in trees[run["id"]]:
                    try:
                        with proc.oneshot():
                            if proc.status() == psutil.STATUS_ZOMBIE:
                                self._trees.pop(run["id"], None)  # it ended: find the tree again next time
                                continue
                            cpu += proc.cpu_percent(None)
                            rss += proc.memory_info().rss
                        alive.append(proc.pid)
                    except psutil.Error:
                        self._trees.pop(run["id"], None)
                        continue
                if not alive or not rss:
                    continue  # the tree is exiting: memory reads 0 for a process being torn down
                alive_all.update(alive)
                pids = set(alive)
                run_gpus = []
                for index in run["gpus"] or []:
                    gpu = by_index.get(index)
                    if gpu is None:
                        continue
                    mine = sum(p.get("gpu_memory_bytes") or 0 for p in gpu.get("processes", []) if p["pid"] in pids)
                    run_gpus.append({"index": index, "utilization": gpu.get("utilization"),
                                     "memory_used": gpu.get("memory_used"), "memory_total": gpu.get("memory_total"),
                                     "run_memory_bytes": mine})
                sample = {"time": round(time.time(), 3), "cpu_percent": round(cpu, 1), "rss_bytes": rss,
                          "processes": len(alive), "gpus": run_gpus}
                folder = self.projects.paths(run["project"]).run_dir(run["id"])
                try:
                    with open(folder / FILE, "a") as f:
                        f.write(json.dumps(sample) + "\n")
                except OSError:
                    continue
                seen[run["id"]] = alive
            for pid in set(self._procs) - alive_all:
                del self._procs[pid]
            for run_id in set(self._trees) - {r["id"] for r in runs}:
                del self._trees[run_id]
        return seen

    @staticmethod
    def read(run_dir: Path) -> list[dict]:
        """The samples kept for a run (blocking); a torn last line is skipped."""
        samples = []
        try:
            with open(Path(run_dir) / FILE) as f:
                for line in f:
                    try:
                        samples.append(json.loads(line))
                    except ValueError:
                        continue
        except OSError:
            return []
        if len(samples) > MAX_SAMPLES:
            step = len(samples) / MAX_SAMPLES
            samples = [samples[int(i * step)] for i in range(MAX_SAMPLES)]
        return samples
