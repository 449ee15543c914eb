"""Energy and cost per run: GPU watts from NVML and CPU package energy from Linux RAPL, integrated.

Every `interval` seconds (the usage-history interval) one sample reads the power draw of every
GPU through the shared NVML session and the package energy counters under `rapl_path`
(`intel-rapl:N/energy_uj`, the kernel's powercap interface; wrap-around handled with
`max_energy_range_uj`). A local running run is charged its own GPUs' watts × the seconds since
the previous sample, and the package energy of that interval × its share of the host's busy CPU
time (the run's process tree's user+system time over the host's). A gap longer than three
intervals (the server was down) is not bridged: integrating across it would invent energy.

What cannot be measured stays null with the reason — no NVML, a GPU that does not report power,
no readable RAPL counter, a run on another host — never a made-up number. With `price_per_kwh`
set, the run's cost is its measured kWh × that price, in `currency`.

`clock` (monotonic seconds) is injectable, like the watchdog's, so a test integrates an hour of
fake power in a few milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable

import psutil
from traitlets import Float, Unicode
from traitlets.config import LoggingConfigurable

from .background import PeriodicTask
from .metrics import local_running_runs, process_trees

log = logging.getLogger("beekeeper.energy")

NOT_LOCAL = "not measured: the run does not run on this host"
NO_SAMPLE = "not measured: no energy sample was taken while the run ran"
TREE_RESCAN = 30.0  # seconds between searches for a run's new descendant processes


class Rapl:
    """Package energy counters under a powercap folder (blocking reads)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._last: dict[Path, int] = {}

    def domains(self) -> list[Path]:
        # Top-level zones only (intel-rapl:0, intel-rapl:1): sub-zones (intel-rapl:0:0, core/dram) are
        # already inside their package's figure.
        return sorted(p for p in self.root.glob("intel-rapl:*") if p.name.count(":") == 1)

    def delta_joules(self) -> tuple[float | None, str | None]:
        """Joules used by all packages since the previous call; (None, reason) on the first call or failure."""
        domains = self.domains()
        if not domains:
            self._last.clear()
            return None, f"no RAPL package counter under {self.root}"
        total, first = 0.0, False
        for domain in domains:
            try:
                now = int((domain / "energy_uj").read_text().strip())
            except PermissionError:
                self._last.clear()
                return None, f"{domain / 'energy_uj'} is not readable (RAPL counters are root-only on this kernel)"
            except (OSError, ValueError) as exc:
                self._last.clear()
                return None, f"cannot read {domain / 'energy_uj'}: {exc}"
            before = self._last.get(domain)
            self._last[domain] = now
            if before is None:
                first = True
                continue
            if now < before:  # the counter wrapped
                try:
                    span = int((domain / "max_energy_range_uj").read_text().strip())
                except (OSError, ValueError):
                    span = before
                now += span + 1
            total += (now - before) / 1e6
        return (None, None) if first else (total, None)


class EnergyMeter(LoggingConfigurable):
    """Integrates each local running run's GPU and CPU power into Wh (and cost) in the store."""

    interval = Float(None, allow_none=True, help="Seconds between energy samples. Default: the usage "
                     "history's interval (c.UsageRecorder.interval), else 5. Also c.BeekeeperApp.energy_interval."
                     ).tag(config=True)
    rapl_path = Unicode("/sys/class/powercap", help="The powercap folder holding the RAPL package counters "
                        "(intel-rapl:N). Also c.BeekeeperApp.rapl_path.").tag(config=True)
    price_per_kwh = Float(None, allow_none=True, help="Electricity price per kWh; set it to see each run's cost. "
                          "Also c.BeekeeperApp.price_per_kwh.").tag(config=True)
    currency = Unicode("", help="The currency of price_per_kwh, e.g. EUR. Also c.BeekeeperApp.currency."
                       ).tag(config=True)

    def __init__(self, store, projects, nvml, usage=None, clock: Callable[[], float] = time.monotonic, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.projects = projects
        self.nvml = nvml
        self.usage = usage  # the usage history (UsageRecorder), whose interval is the default one
        self.clock = clock
        self.hostname = socket.gethostname()
        self._rapl: Rapl | None = None
        self._lock = threading.Lock()
        self._last_time: float | None = None
        self._last_runs: set[str] = set()
        self._trees: dict[str, tuple[float, list[psutil.Process]]] = {}  # run id → (rescan at, processes)
        self._tree_total: dict[str, float] = {}
        self._host_busy: float | None = None
        self._ticker = PeriodicTask("energy sample", self.sample, self.pace, log=log, keep_rhythm=True)

    def pace(self) -> float:
        """Seconds between samples: `interval`, else the usage history's, else 5."""
        if self.interval:
            return self.interval
        return self.usage.interval if self.usage is not None else 5.0

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self._ticker.start()

    async def stop(self) -> None:
        await self._ticker.stop()

    # -- sampling -----------------------------------------------------------------------------
    async def sample(self) -> None:
        """One sample: measure in a thread, then add each run's increments in the store (loop thread)."""
        runs = local_running_runs(self.store, self.hostname)
        if not runs and not self._last_runs:
            self._last_time = None  # nothing to charge: keep no baseline that would span idle hours
            return
        increments = await asyncio.to_thread(self._measure, runs, self.clock())
        stored = self.store.get_energies(list(increments))
        updates = {}
        for run_id, inc in increments.items():
            row = stored.get(run_id) or {}
            fields: dict[str, Any] = {"samples": (row.get("samples") or 0) + 1}
            for part in ("gpu", "cpu"):
                if inc[f"{part}_wh"] is not None:
                    fields[f"{part}_wh"] = (row.get(f"{part}_wh") or 0.0) + inc[f"{part}_wh"]
                    fields[f"{part}_reason"] = None
                else:
                    fields[f"{part}_wh"] = row.get(f"{part}_wh")
                    fields[f"{part}_reason"] = inc[f"{part}_reason"]
            updates[run_id] = fields
        self.store.put_energies(updates)

    def _measure(self, runs: list[dict], now: float) -> dict[str, dict]:
        with self._lock:
            dt = None if self._last_time is None else now - self._last_time
            if dt is not None and not 0 < dt <= 3 * max(self.pace(), 1.0):
                dt = None
            self._last_time = now
            gpus, gpu_status = self.nvml.read()
            by_index = {g["index"]: g for g in gpus}
            root = Path(self.rapl_path)
            if self._rapl is None or self._rapl.root != root:
                self._rapl = Rapl(root)
            package_j, rapl_reason = self._rapl.delta_joules()
            # No RAPL counter to share out (a VM, a container, root-only counters): the runs'
            # CPU times would go unused, so they are not read (nor their trees walked). The
            # counter's first reading once it is back is a baseline, and so are the CPU times.
            if rapl_reason:
                host_busy, run_cpu = None, {}
                self._trees, self._tree_total, self._host_busy = {}, {}, None
            else:
                host_busy, run_cpu = self._cpu_delta(runs)
            out = {}
            for run in runs:
                if not dt or run["id"] not in self._last_runs:
                    continue  # the run's first sample (or after a gap): a baseline only
                inc: dict[str, Any] = {"gpu_wh": None, "gpu_reason": None, "cpu_wh": None, "cpu_reason": None}
                indices = run["gpus"] or []
                if not indices:
                    inc["gpu_reason"] = "the run has no GPU"
                elif gpu_status and not gpus:
                    inc["gpu_reason"] = gpu_status
                else:
                    watts = [(by_index.get(i) or {}).get("power_watts") for i in indices]
                    missing = [i for i, w in zip(indices, watts) if w is None]
                    if missing:
                        inc["gpu_reason"] = f"GPU {missing[0]} does not report its power draw"
                    else:
                        inc["gpu_wh"] = sum(watts) * dt / 3600
                if package_j is None:
                    inc["cpu_reason"] = rapl_reason or "the first RAPL reading is a baseline"
                elif host_busy is None or host_busy <= 0:
                    inc["cpu_wh"] = 0.0
                else:
                    share = min(1.0, max(0.0, run_cpu.get(run["id"], 0.0) / host_busy))
                    inc["cpu_wh"] = package_j * share / 3600
                out[run["id"]] = inc
            self._last_runs = {r["id"] for r in runs}
            return out

    def _cpu_delta(self, runs: list[dict]) -> tuple[float | None, dict[str, float]]:
        """(host busy CPU seconds, {run id: its tree's CPU seconds}) since the previous sample.

        A tree's CPU time is the sum over its live processes of user + system + their reaped
        children's time, so a worker that exits between samples is still counted (through its
        reaper; the launcher is a child subreaper). The trees themselves are rescanned only every
        `TREE_RESCAN` seconds or when a member died: finding descendants walks all of /proc, which
        is what a sample would otherwise spend its time on.
        """
        times = psutil.cpu_times()
        busy = sum(times) - times.idle - getattr(times, "iowait", 0.0)
        host = None if self._host_busy is None else busy - self._host_busy
        self._host_busy = busy
        per_run: dict[str, float] = {}
        totals: dict[str, float] = {}
        self._rescan(runs)
        for run in runs:
            total = self._tree_cpu(run)
            if total is None:
                continue
            before = self._tree_total.get(run["id"])
            totals[run["id"]] = total
            per_run[run["id"]] = 0.0 if before is None else max(0.0, total - before)
        self._tree_total = totals
        for gone in set(self._trees) - {r["id"] for r in runs}:
            del self._trees[gone]
        return host, per_run

    def _rescan(self, runs: list[dict]) -> None:
        """Find the trees that are due again, in one walk of /proc for all of them. A tree is
        reused for half its run's age, at most TREE_RESCAN: a young run is still spawning."""
        now, wall = time.monotonic(), time.time()
        due = [r for r in runs if r["id"] not in self._trees or self._trees[r["id"]][0] <= now]
        for run in due:
            started = run.get("pid_start_time")
            ttl = max(0.0, min(TREE_RESCAN, (wall - started) / 2)) if started else 0.0
            self._trees[run["id"]] = (now + ttl, [])
        for run_id, tree in process_trees(due).items():
            self._trees[run_id] = (self._trees[run_id][0], tree)

    def _tree_cpu(self, run: dict) -> float | None:
        cached = self._trees.get(run["id"])
        if cached is None:
            return None
        total = 0.0
        for proc in cached[1]:
            try:
                t = proc.cpu_times()
            except psutil.Error:
                self._trees.pop(run["id"], None)  # a member died: rescan next time
                continue
            total += t.user + t.system + t.children_user + t.children_system
        return total if cached[1] else None

    # -- the API view -------------------------------------------------------------------------
    def render_many(self, rows: list[dict]) -> dict[str, dict]:
        """{run id: `energy` of GET /runs/{id}} for these runs (a page of a list), in one query."""
        stored = self.store.get_energies([r["id"] for r in rows])
        return {row["id"]: self._render(row, stored.get(row["id"])) for row in rows}

    def _render(self, row: dict, stored: dict | None) -> dict:
        """Wh per source and cost, or null with the reason."""
        price, currency = self.price_per_kwh, self.currency or None
        if stored is None:
            local = row.get("mode") in (None, "local") or row.get("host") == self.hostname
            reason = NO_SAMPLE if local else NOT_LOCAL
            if row["state"] in ("queued", "starting"):
                reason = "not measured yet: the run has not started"
            return {"gpu_wh": None, "cpu_wh": None, "cost": None, "currency": currency,
                    "gpu_reason": reason, "cpu_reason": reason, "cost_reason": reason}
        gpu, cpu = stored["gpu_wh"], stored["cpu_wh"]
        known = [x for x in (gpu, cpu) if x is not None]
        cost, cost_reason = None, None
        if price is None:
            cost_reason = "price_per_kwh is not set"
        elif not known:
            cost_reason = "no energy could be measured"
        else:
            cost = round(sum(known) / 1000 * price, 8)
            if len(known) < 2:
                cost_reason = "only the " + ("GPU" if gpu is not None else "CPU") + " part could be measured"
        return {"gpu_wh": None if gpu is None else round(gpu, 6), "cpu_wh": None if cpu is None else round(cpu, 6),
                "cost": cost, "currency": currency, "gpu_reason": stored["gpu_reason"],
                "cpu_reason": stored["cpu_reason"], "cost_reason": cost_reason, "samples": stored["samples"]}
