"""Runs: the state machine, the FIFO queue and the GPU pool.

`queued → starting → running → succeeded | failed | stopped | lost`. Every transition is
written to the store (and to the run folder's `run.json`) before it is announced, so what a
listener sees is always what a restarted server will find. The queue is the set of `queued`
rows ordered by `priority` (higher first) then `queue_order` (FIFO unless moved), so it
survives restarts too. One supervisor task polls the active runs through their executors
(which never write the store) and starts queued runs when their GPUs, or a CPU-only slot,
free up; it walks the queue only when something changed (a transition, a new run, a move).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import shutil
import socket
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from traitlets import Float, Int, List, Unicode
from traitlets.config import LoggingConfigurable

from .background import PeriodicTask
from .errors import BeekeeperError, bad_request, conflict, found
from .executors import Executor
from .git import GitFailure, redact
from .jsontext import dumps
from .launch import check_entry_point, launch_spec
from .listeners import RunListener, Subscribable
from .params import parse_args, run_params
from .models.base import parse
from .models.run import Run, RunCreate, RunMove
from .models.states import ACTIVE, FINISHED, RUN_STATES
from .projects import RUN_TEMPLATE_FIELDS, ProjectService
from .store import Store, now

if TYPE_CHECKING:  # collaborators built before this service; imported for their types only
    from .energy import EnergyMeter
    from .metrics import MetricsService
    from .run_metrics import RunMetricsService

STATES = RUN_STATES
STOP_REQUESTED = "stop requested"
PAGES_KEPT = 32  # list pages kept as text (one store generation's)

log = logging.getLogger("beekeeper.runs")


@dataclass
class _Capacity:
    """What one walk of the queue may still hand out: free pool GPUs, CPU-only slots, room per sweep."""

    free: list[int]
    cpu_slots: int
    per_sweep: Counter  # sweep id → its trials active now (and started in this walk)
    sweep_limit: Callable[[str], int | None]
    gpu_blocked: bool = False  # a GPU run waits: later GPU runs wait behind it
    cpu_blocked: bool = False
    limits: dict[str, int | None] = field(default_factory=dict)  # read once per walk

    def sweep_full(self, sweep: str | None) -> bool:
        if not sweep:
            return False
        if sweep not in self.limits:
            self.limits[sweep] = self.sweep_limit(sweep)
        limit = self.limits[sweep]
        return limit is not None and self.per_sweep[sweep] >= limit

    def take_gpus(self, want: int | list[int]) -> list[int] | None:
        """These GPUs (a list) or that many (a count) if free; else None, and later GPU runs wait too."""
        if self.gpu_blocked:
            return None
        if isinstance(want, list):
            take = want if all(g in self.free for g in want) else None
        else:
            take = self.free[:want] if len(self.free) >= want else None
        if take is None:
            self.gpu_blocked = True
            return None
        self.free = [g for g in self.free if g not in take]
        return take

    def take_cpu_slot(self) -> bool:
        if self.cpu_blocked or self.cpu_slots <= 0:
            self.cpu_blocked = True
            return False
        self.cpu_slots -= 1
        return True

    def started(self, row: dict) -> None:
        if row.get("sweep"):
            self.per_sweep[row["sweep"]] += 1


def new_run_id() -> str:
    """Sortable and readable: `20261122-183012-a1b2` (UTC time, then 4 random hex digits)."""
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def _parse_time(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


class RunService(LoggingConfigurable, Subscribable):
    """Creates, queues, launches, watches, stops and deletes runs.

    Collaborators come through the constructor, built before it in app.py: the metrics service
    (a running run's usage), the run metrics service (metric summaries in the run view) and the
    energy meter (the `energy` view); each may be None where a caller does without. Services
    that react to runs are `listeners` (RunListener); per-connection callbacks (the /events
    stream) come and go in `subscribers`.
    """

    gpus = List(Int(), default_value=None, allow_none=True,
                help="GPU indices runs may be given; None: every GPU NVML sees "
                     "(also c.BeekeeperApp.gpus).").tag(config=True)
    max_concurrent_runs = Int(2, help="Active runs that use no GPU; more wait queued "
                                      "(also c.BeekeeperApp.max_concurrent_runs).").tag(config=True)
    stop_grace_period = Float(10.0, help="Seconds between SIGTERM and SIGKILL "
                                         "(also c.BeekeeperApp.stop_grace_period).").tag(config=True)
    default_executor = Unicode("local", help="Executor used when neither run nor project names one "
                                             "(also c.BeekeeperApp.default_executor).").tag(config=True)
    poll_interval = Float(2.0, help="Seconds between supervisor polls of the active runs: the safety net, "
                                    "as a local run's exit wakes the supervisor at once (pidfd); Ray runs "
                                    "are noticed on this interval.").tag(config=True)

    def __init__(self, home: Path, store: Store, projects: ProjectService, executors: dict[str, Executor], *,
                 usage: MetricsService | None = None, run_metrics: RunMetricsService | None = None,
                 energy: EnergyMeter | None = None, listeners: Sequence[RunListener] = (), **kwargs):
        super().__init__(**kwargs)
        self.home = Path(home)
        self.store = store
        self.projects = projects
        self.executors = executors
        self.usage = usage
        self.run_metrics = run_metrics
        self.energy = energy
        self.listeners = listeners  # app.py's list, filled once every listener exists
        self.subscribers: list[Callable[[dict], None]] = []
        self._dirty = True  # the queue needs a walk: set on transitions, new runs and moves
        self._pages: dict[tuple, bytes] = {}  # list pages of finished runs, by query and store generation
        self._wake = asyncio.Event()
        self._supervisor = PeriodicTask("run supervisor", self._supervise, lambda: self.poll_interval, log=log,
                                        wake=self._wake)
        for executor in executors.values():
            executor.notify_ends(self._wake.set)
        self._launches: dict[str, asyncio.Task] = {}
        self._stops: dict[str, asyncio.Task] = {}
        self._stop_reasons: dict[str, str] = {}
        projects.delete_guards.append(self.active_reason)
        projects.delete_hooks.append(self.forget_project)

    # -- configuration ------------------------------------------------------------------------
    @property
    def gpu_pool(self) -> list[int]:
        """The configured GPUs, else every GPU NVML sees (asked once, kept in `gpus`)."""
        if self.gpus is None:
            from .nvml import gpu_indices

            self.gpus = gpu_indices()
        return list(self.gpus)

    def executor(self, name: str) -> Executor:
        try:
            return self.executors[name]
        except KeyError:
            raise bad_request("executor", f"executor must be one of {', '.join(self.executors)}") from None

    # -- reads --------------------------------------------------------------------------------
    def row(self, run_id: str) -> dict:
        return found(self.store.get_run, "run", run_id)

    def get(self, run_id: str) -> dict:
        return self.render(self.row(run_id))

    def outcome(self, run_id: str) -> dict:
        """`{"state", "exit_code"}` as of now, `deleted` once the run is gone (a log follower asks)."""
        row = self.store.get_run(run_id)
        return {"state": row["state"], "exit_code": row["exit_code"]} if row else {"state": "deleted",
                                                                                    "exit_code": None}

    def list(self, project: str | None = None, states: list[str] | None = None, limit: int = 100,
             offset: int = 0, sort: tuple | None = None, sweep: str | None = None) -> bytes:
        """A page of runs as JSON text (models.RunList), sorted and paged in SQL. The rows come
        from our own store, so the page is rendered as plain dicts (`fields`) instead of being
        validated again through pydantic, and its metrics and energy come in one query each, not
        one per row: the Runs tab asks for pages of 100 out of thousands of runs (bench/runs_list.py)."""
        if project is not None:
            self.projects.row(project)
        for state in states or []:
            if state not in STATES:
                raise bad_request("state", f"state must be one of {', '.join(STATES)}")
        # A page of finished runs changes only when a row does: its text is kept until the store's
        # generation moves (the Runs tab asks for the same page again and again). A page with an
        # active run is made each time (durations, log sizes and usage move on their own).
        key = (self.store.generation, project, tuple(states or ()), limit, offset, sort, sweep,
               (self.energy.price_per_kwh, self.energy.currency) if self.energy is not None else None)
        if key in self._pages:
            return self._pages[key]
        rows = self.store.list_runs(project, states, limit=limit, offset=offset, sort=sort, sweep=sweep)
        queue = self._queue_ids() if any(r["state"] == "queued" for r in rows) else []
        metrics = self._metrics([r["id"] for r in rows])
        energy = self._energy(rows)
        text = dumps({"runs": [self.fields(r, queue, metrics.get(r["id"], {}), energy.get(r["id"])) for r in rows],
                      "total": self.store.count_runs(project, states, sweep), "limit": limit, "offset": offset})
        if all(r["state"] in FINISHED for r in rows):
            if len(self._pages) >= PAGES_KEPT or any(k[0] != key[0] for k in self._pages):
                self._pages.clear()  # stale (or too many): every kept page is of one generation
            self._pages[key] = text
        return text

    def _queue_ids(self) -> list[str]:
        return [r["id"] for r in self.store.queued_runs()]

    def log_path(self, row: dict) -> Path:
        return self.projects.paths(row["project"]).run_dir(row["id"]) / "output.log"

    def render(self, row: dict, queue: list[str] | None = None, metrics: dict | None = None) -> dict:
        """The API view (models.Run) as JSON: env keys only, never values."""
        return self.view(row, queue, metrics).dump()

    def view(self, row: dict, queue: list[str] | None = None, metrics: dict | None = None) -> Run:
        """One run, validated against the model (lists use `fields` as they are: same fields)."""
        if metrics is None:
            metrics = self._metrics([row["id"]]).get(row["id"], {})
        return Run(**self.fields(row, queue, metrics, self._energy([row]).get(row["id"])))

    def fields(self, row: dict, queue: list[str] | None, metrics: dict, energy: dict | None) -> dict:
        """Every field of models.Run for a store row, JSON-ready (nested values are plain dicts)."""
        started, ended = _parse_time(row["started"]), _parse_time(row["ended"])
        duration = None
        if started:
            duration = round(((ended or datetime.now(timezone.utc)) - started).total_seconds(), 3)
        log_size = row["log_size"]
        if row["state"] in ACTIVE:
            try:
                log_size = self.log_path(row).stat().st_size
            except OSError:
                pass
        position = None
        if row["state"] == "queued":
            queue = self._queue_ids() if queue is None else queue
            position = queue.index(row["id"]) + 1 if row["id"] in queue else None
        usage = None
        if self.usage is not None and row["state"] == "running":
            try:
                usage = self.usage.run_usage(row)
            except Exception:
                log.exception("reading the usage of run %s failed", row["id"])
        return dict(
            id=row["id"], project=row["project"], state=row["state"], executor=row["executor"],
            mode=row["mode"], command=row["command"], args=row["args"], env_keys=sorted(row["env"] or {}),
            commit=row["commit_sha"], gpus=row["gpus"], gpus_requested=row["gpus_requested"],
            allow_parallel=bool(row["allow_parallel"]), host=row["host"], pid=row["pid"],
            exit_code=row["exit_code"], message=row["message"], created=row["created"],
            started=row["started"], ended=row["ended"], duration=duration, log_size=log_size,
            queue_position=position, usage=usage,
            stalled_since=row.get("stalled_since") if row["state"] == "running" else None,
            energy=energy, priority=row.get("priority") or 0, sweep=row.get("sweep"), preset=row.get("preset"),
            notebook=f"runs/{row['id']}/{row['notebook']}" if row.get("notebook") else None,
            sweep_params=row.get("sweep_params") if row.get("sweep") else None,
            params={**run_params(row), **(row.get("sweep_params") or {})},  # a trial's as its sweep gave them
            metrics=metrics,
        )

    def _metrics(self, run_ids: list[str]) -> dict[str, dict]:
        return self.run_metrics.summaries(run_ids) if self.run_metrics is not None else {}

    def _energy(self, rows: list[dict]) -> dict[str, dict]:
        return self.energy.render_many(rows) if self.energy is not None else {}

    def active_reason(self, project: str) -> str | None:
        """A projects.delete_guard: a project with an active run cannot be deleted."""
        rows = self.store.list_runs(project, ACTIVE, limit=1)
        if rows:
            return f"run {rows[0]['id']} of {project!r} is {rows[0]['state']}; stop it first"
        return None

    # -- transitions --------------------------------------------------------------------------
    def _set(self, run_id: str, **fields: Any) -> dict | None:
        """Store first, then the run folder's run.json, then tell listeners."""
        self.store.update_run(run_id, **fields)
        row = self.store.get_run(run_id)
        if row is None:
            return None
        self._write_record(row)
        self._announce(row)
        if "state" in fields:
            self.kick()
        return row

    def _announce(self, row: dict, queue: list[str] | None = None) -> None:
        """Tell the listeners, then the subscribers (a failing one is logged, never fatal)."""
        if not self.listeners and not self.subscribers:
            return
        run = self.render(row, queue)
        for tell in [*(listener.on_run for listener in self.listeners), *self.subscribers]:
            try:
                tell(run)
            except Exception:
                log.exception("run listener failed")

    def kick(self) -> None:
        """Something the queue depends on changed: walk it on the supervisor's next turn."""
        self._dirty = True
        self._wake.set()

    def mark_stalled(self, run_id: str, quiet_seconds: int | None) -> None:
        """The stall watchdog's flag (not a state): set when a run went quiet, None once it resumes."""
        self._set(run_id, stalled_since=now() if quiet_seconds is not None else None)

    def _write_record(self, row: dict) -> None:
        """run.json makes a run folder self-describing (env values left out)."""
        folder = self.projects.paths(row["project"]).run_dir(row["id"])
        if not folder.is_dir():
            return
        record = {k: row[k] for k in ("id", "project", "state", "executor", "mode", "command", "args",
                                      "gpus", "gpus_requested", "commit_sha", "host", "pid", "exit_code",
                                      "message", "created", "started", "ended", "notebook")}
        record["env_keys"] = sorted(row["env"] or {})
        tmp = folder / "run.json.tmp"
        try:
            tmp.write_text(json.dumps(record, indent=1))
            os.replace(tmp, folder / "run.json")
        except OSError:
            log.warning("could not write %s", folder / "run.json")

    def _finish(self, row: dict, state: str, exit_code: int | None = None, message: str | None = None,
                **extra: Any) -> None:
        try:
            size = self.log_path(row).stat().st_size
        except OSError:
            size = row["log_size"]
        self._set(row["id"], state=state, exit_code=exit_code, message=message, ended=now(),
                  log_size=size, **extra)

    def _log_line(self, row: dict, text: str) -> None:
        path = self.log_path(row)
        try:
            with open(path, "ab") as f:
                f.write(f"[beekeeper] {text}\n".encode())
        except OSError:
            pass

    # -- create -------------------------------------------------------------------------------
    def _validate(self, project: dict, body: dict) -> dict:
        """The body checked against RunCreate, then what needs this host: the executor, the GPU pool."""
        if isinstance(body, dict):
            body = self._with_preset(project, body)
        parsed = parse(RunCreate, body)
        executor_name = parsed.executor or project["default_executor"] or self.default_executor
        executor = self.executor(executor_name)
        return {"executor": executor_name, "args": parsed.args, "env": parsed.env,
                "allow_parallel": parsed.allow_parallel,
                "resources": parsed.resources.model_dump(exclude_unset=True),
                "gpus_requested": self._gpus(executor_name, executor, parsed.gpus), "priority": parsed.priority,
                "preset": parsed.preset}

    @staticmethod
    def _with_preset(project: dict, body: dict) -> dict:
        """Fields the body leaves out come from the named preset, then from the project's
        default_run, so a bare Run button (or `beekeeper run PROJECT`) runs what the project means."""
        name = body.get("preset")
        presets = project.get("presets") or {}
        if name is not None and (not isinstance(name, str) or name not in presets):
            known = ", ".join(sorted(presets)) or "none"
            raise bad_request("preset", f"preset must name one of the project's presets ({known})")
        merged = {**(project.get("default_run") or {}), **(presets[name] if name is not None else {})}
        return {**{k: val for k, val in merged.items() if k in RUN_TEMPLATE_FIELDS}, **body}

    def validate_body(self, project: dict, body: dict) -> dict:
        """POST /runs' input rules, for a caller that keeps a run body to start later (schedules)."""
        return self._validate(project, body)

    def _gpus(self, executor_name: str, executor: Executor, requested: int | list[int] | None) -> int | list[int]:
        pool = self.gpu_pool
        if requested is None:
            return executor.default_gpus(pool)
        if isinstance(requested, list):
            if len(set(requested)) != len(requested):
                raise bad_request("gpus", "gpus lists a device twice")
            if not executor.assigns_gpus:
                raise bad_request("gpus", f"the {executor_name} executor places runs itself: give a count")
            missing = [g for g in requested if g not in pool]
            if missing:
                raise bad_request("gpus", f"GPU {missing[0]} is not in the pool {pool}")
            return sorted(requested)
        if executor.assigns_gpus and requested > len(pool):
            raise bad_request("gpus", f"asked for {requested} GPUs but the pool has {len(pool)}")
        return requested

    async def create(self, name: str, body: dict) -> dict:
        project = self.projects.row(name)
        fields = self._validate(project, body)
        if project["setup_state"] != "ready":
            raise conflict(f"project {name!r} is not ready (setup is {project['setup_state']})", "project")
        if not fields["allow_parallel"]:
            reason = self.active_reason(name)
            if reason:
                raise conflict(reason + ", or pass allow_parallel", "allow_parallel")
        run_id = new_run_id()
        while self.store.get_run(run_id) is not None:
            run_id = new_run_id()
        folder = self.projects.paths(name).run_dir(run_id)
        folder.mkdir(parents=True)
        (folder / "output.log").touch()
        seq = self.store.next_run_seq()
        self.store.insert_run({
            "id": run_id, "seq": seq, "queue_order": seq, "priority": fields["priority"], "project": name,
            "state": "queued", "executor": fields["executor"], "command": [], "args": fields["args"],
            "env": fields["env"], "gpus_requested": fields["gpus_requested"], "gpus": [],
            "params": parse_args(fields["args"]),
            "allow_parallel": int(fields["allow_parallel"]), "resources": fields["resources"],
            "host": None, "created": now(), "preset": fields["preset"],
        })
        row = self._set(run_id)  # record + announce the queued run
        self._dirty = True
        self._schedule()
        return self.render(self.store.get_run(run_id) or row)

    async def create_batch(self, name: str, bodies: list[dict], run_ids: list[str], sweep: str,
                           params: list[dict]) -> list[dict]:
        """A sweep's trials: every body validated first, then all queued in one transaction, so a
        bad one creates none and 200 trials take one commit (folders are made off the loop)."""
        project = self.projects.row(name)
        fields = [self._validate(project, body) for body in bodies]
        if project["setup_state"] != "ready":
            raise conflict(f"project {name!r} is not ready (setup is {project['setup_state']})", "project")
        paths = self.projects.paths(name)

        def folders():
            for run_id in run_ids:
                folder = paths.run_dir(run_id)
                folder.mkdir(parents=True)
                (folder / "output.log").touch()

        await asyncio.to_thread(folders)
        seq, created = self.store.next_run_seq(), now()
        rows = [{
            "id": run_id, "seq": seq + i, "queue_order": seq + i, "priority": f["priority"], "project": name,
            "state": "queued", "executor": f["executor"], "command": [], "args": f["args"], "env": f["env"],
            "gpus_requested": f["gpus_requested"], "gpus": [], "allow_parallel": 1,
            "resources": f["resources"], "host": None, "created": created, "sweep": sweep,
            "sweep_params": p, "params": {**parse_args(f["args"]), **p},
        } for i, (run_id, f, p) in enumerate(zip(run_ids, fields, params))]
        try:
            self.store.insert_runs(rows)
        except BaseException:
            await asyncio.to_thread(lambda: [shutil.rmtree(paths.run_dir(i), True) for i in run_ids])
            raise
        stored = self.store.sweep_runs(sweep)
        await asyncio.to_thread(lambda: [self._write_record(r) for r in stored])
        if self.listeners or self.subscribers:
            queue = self._queue_ids()
            for row in stored:
                self._announce(row, queue)
        self.kick()
        return stored

    async def drop_queued(self, run_ids: list[str], message: str) -> list[str]:
        """Take queued runs off the queue for good (rows and folders): a stopped sweep's trials."""
        rows = [r for r in (self.store.get_run(i) for i in run_ids)
                if r is not None and r["state"] == "queued" and r["id"] not in self._launches]
        self.store.delete_runs([r["id"] for r in rows])
        for row in rows:
            log.info("run %s dropped: %s", row["id"], message)
        await asyncio.to_thread(lambda: [shutil.rmtree(self.projects.paths(r["project"]).run_dir(r["id"]), True)
                                         for r in rows])
        self.kick()
        return [r["id"] for r in rows]

    def move(self, run_id: str, body: dict) -> dict:
        """Reorder the queue: `{"before": RUN_ID}`, `{"position": N}` (0 = next to start) and/or
        `{"priority": N}`. A run moved next to another takes that run's priority, so the order
        asked for is the order kept (the queue is sorted by priority first)."""
        move = parse(RunMove, body)
        given = move.model_fields_set
        if not given:
            raise bad_request("position", "give before, position or priority")
        if {"before", "position"} <= given:
            raise bad_request("position", "give before or position, not both")
        row = self.row(run_id)
        if row["state"] != "queued":
            raise conflict(f"run {run_id} is {row['state']}; only queued runs can be moved", "state")
        others = [r for r in self.store.queued_runs() if r["id"] != run_id]
        queue = [(r["id"], r["priority"] or 0) for r in others]
        priority = row["priority"] or 0
        if "priority" in given:
            priority = move.priority
        if "before" in given:
            ids = [r["id"] for r in others]
            if move.before not in ids:
                raise bad_request("before", "before must be the id of another queued run")
            index = ids.index(move.before)
        elif "position" in given:
            index = min(move.position, len(queue))
        else:
            # A priority change alone: the run keeps its FIFO place within its new priority.
            index = next((i for i, r in enumerate(others) if (r["priority"] or 0) < priority
                          or ((r["priority"] or 0) == priority and r["seq"] > row["seq"])), len(others))
        if "priority" not in given and queue:
            # Take the priority of the run it now stands before (or after, at the end).
            priority = queue[min(index, len(queue) - 1)][1]
        queue.insert(index, (run_id, priority))
        # The queue stays sorted by priority (an explicit priority may not match the neighbours);
        # the sort is stable, so within a priority the order just made is kept.
        queue.sort(key=lambda item: -item[1])
        self.store.reorder_queue(queue)
        self.kick()
        return self.get(run_id)

    # -- queue --------------------------------------------------------------------------------
    def _schedule(self) -> None:
        """Start every queued run whose resources are free, in queue order.

        A run waiting for GPUs blocks later GPU runs (head of line, whatever their priority, so
        nothing starves); CPU-only runs wait only for a CPU slot; runs on executors that place
        themselves (Ray) start at once. A sweep trial over its sweep's max_parallel is passed
        over without blocking anything.
        """
        self._dirty = False
        capacity = self._capacity()
        for row in self.store.queued_runs():
            if row["id"] in self._launches or capacity.sweep_full(row.get("sweep")):
                continue
            gpus = self._place(row, capacity)
            if gpus is not None:
                capacity.started(row)
                self._launch(row, gpus)

    def _capacity(self) -> _Capacity:
        active = self.store.list_runs(states=("starting", "running"))
        local = [r for r in active if self._assigns(r["executor"])]
        busy = {g for r in local for g in (r["gpus"] or [])}
        return _Capacity(free=[g for g in self.gpu_pool if g not in busy],
                         cpu_slots=self.max_concurrent_runs - sum(1 for r in local if not r["gpus"]),
                         per_sweep=Counter(r["sweep"] for r in active if r.get("sweep")),
                         sweep_limit=self._sweep_limit)

    def _place(self, row: dict, capacity: _Capacity) -> list[int] | None:
        """The GPUs a queued run starts with ([]: none), or None while it must wait."""
        if not self._assigns(row["executor"]):
            return []
        want = row["gpus_requested"]
        if isinstance(want, list) or want:
            return capacity.take_gpus(want)
        return [] if capacity.take_cpu_slot() else None

    def _sweep_limit(self, sweep_id: str) -> int | None:
        """How many of a sweep's trials may be active at once (its max_parallel; None: no limit)."""
        row = self.store.get_sweep(sweep_id)
        return row["spec"]["max_parallel"] if row else None

    def _assigns(self, executor_name: str) -> bool:
        executor = self.executors.get(executor_name)
        return executor is None or executor.assigns_gpus

    def _launch(self, row: dict, gpus: list[int]) -> None:
        self._set(row["id"], state="starting", gpus=gpus, host=socket.gethostname())
        task = asyncio.get_running_loop().create_task(self._start(row["id"], gpus))
        self._launches[row["id"]] = task
        task.add_done_callback(lambda _t, i=row["id"]: self._launches.pop(i, None))

    async def _start(self, run_id: str, gpus: list[int]) -> None:
        """Sync the checkout (a failed pull fails the run), then hand the command to the executor."""
        row = self.store.get_run(run_id)
        if row is None:
            return
        secrets_: list[str] = []  # the clone token, once _sync has read it: kept out of the message
        try:
            project, sha = await self._sync(row, secrets_)
            paths, executor = self.projects.paths(row["project"]), self.executors[row["executor"]]
            notebook = check_entry_point(project, paths, executor)
            spec = await launch_spec(row, project, paths, executor, gpus, self.log_path(row))
            self._set(run_id, commit_sha=sha, command=spec.argv, notebook=notebook)
            if self.store.get_run(run_id)["message"] == STOP_REQUESTED:
                self._finish(self.store.get_run(run_id), "stopped", message="stopped before it started")
                return
            self._log_line(row, f"run {run_id} at {sha[:12]}: {' '.join(spec.argv)}")
            await self._submit(run_id, executor, spec)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._start_failed(run_id, exc, tuple(secrets_))

    async def _sync(self, row: dict, secrets_: list[str]) -> tuple[dict, str]:
        """Under the project lock: the project must be ready, and its checkout is synced to the
        branch — unless a parallel run is running from it; then this run uses that run's commit.
        Returns the project row and the commit."""
        name = row["project"]
        paths = self.projects.paths(name)
        async with self.projects.lock(name):
            project = self.store.get_project(name)
            if project is None or project["setup_state"] != "ready":
                state = project["setup_state"] if project else "deleted"
                raise BeekeeperError(409, f"project {name!r} is not ready (setup is {state})")
            creds = project["credentials"]
            if creds:
                secrets_.append(creds["token"])
            busy = [r["id"] for r in self.store.list_runs(name, ("running",)) if r["id"] != row["id"]]
            sha = await self.projects.git.head(paths.src) if busy else None
            if sha:
                # A parallel run (allow_parallel) shares src/ with a running one: checking out
                # another commit would change the code under it, so this run uses the same one.
                self._log_line(row, f"not syncing: run {busy[0]} is running from this checkout; "
                                    f"using its commit {sha[:12]}")
                return project, sha
            # An empty branch follows the remote's default, as the last setup found it.
            branch = project["branch"] or project.get("branch_resolved")
            if not branch:
                raise BeekeeperError(409, f"project {name!r} has no branch yet: re-sync it", "branch")
            self._log_line(row, f"syncing {redact(project['git_url'])} ({branch})")
            sha = await self.projects.git.clone_or_sync(project["git_url"], branch, paths.src, creds,
                                                        self.log_path(row))
            return project, sha

    async def _submit(self, run_id: str, executor: Executor, spec) -> None:
        """Hand the run to its executor and record what finds it again (pid, external id)."""
        handle = await executor.submit(spec)
        fields = {"state": "running", "pid": handle.pid, "pid_start_time": handle.pid_start_time,
                  "external_id": handle.external_id, "mode": handle.mode or executor.name, "started": now()}
        if handle.host:
            fields["host"] = handle.host
        row = self._set(run_id, **fields)
        if row and row["message"] == STOP_REQUESTED:
            self._request_stop(row)

    def _start_failed(self, run_id: str, exc: Exception, secrets_: tuple[str, ...]) -> None:
        """The run could not start: say why in its log and message (never a secret, never empty)."""
        if isinstance(exc, BeekeeperError):
            message = exc.message
        elif isinstance(exc, (GitFailure, OSError)):
            message = str(exc) or type(exc).__name__
        else:
            log.exception("starting run %s failed", run_id)
            message = f"internal error: {exc}"
        message = redact(message, secrets_)[-2000:]
        row = self.store.get_run(run_id)
        if row is not None:
            self._log_line(row, f"failed to start: {message}")
            self._finish(row, "failed", message=message)

    # -- supervisor ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Re-attach to runs that outlived the last server, then supervise."""
        await self.recover()
        self._supervisor.start()

    async def recover(self) -> None:
        for row in self.store.list_runs(states=("starting", "running"), oldest_first=True):
            if row["id"] in self._launches:
                continue
            if row["state"] == "starting" and not row["pid"] and not row["external_id"]:
                self._log_line(row, "interrupted: the server stopped while the run was starting")
                self._finish(row, "failed", message="interrupted: the server stopped while the run was starting")
                continue
            await self._check(row, recovering=True)

    async def stop_supervisor(self) -> None:
        """Jupyter is stopping: stop watching. The runs themselves go on."""
        tasks = list(self._launches.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(self._supervisor.stop(), *tasks, return_exceptions=True)

    async def _supervise(self) -> None:
        """One round: poll the active runs, then walk the queue if something changed."""
        for row in self.store.list_runs(states=("starting", "running")):
            if row["state"] == "running" or (row["external_id"] and row["id"] not in self._launches):
                await self._check(row)  # a "starting" run polled here waits inside its engine
        if self._dirty:
            self._schedule()

    async def _check(self, row: dict, recovering: bool = False) -> None:
        executor = self.executors.get(row["executor"])
        if executor is None:
            self._finish(row, "lost", message=f"executor {row['executor']!r} is not configured")
            return
        try:
            status = await executor.poll(row)
        except Exception as exc:
            log.warning("polling run %s failed: %s", row["id"], exc)
            return
        fresh = self.store.get_run(row["id"])
        if fresh is None or fresh["state"] not in ("starting", "running"):
            return
        extra = {}
        if status.gpus is not None and status.gpus != fresh["gpus"]:
            extra["gpus"] = status.gpus
        if status.state in FINISHED and row["id"] in self._stops:
            return  # report it once the stop has swept up every descendant
        if status.state in FINISHED:
            self._ended(fresh, status, extra)
        elif status.state == "pending" and fresh["state"] == "running":
            self._set(row["id"], state="starting", **extra)  # e.g. Ray holds the job until GPUs free up
        elif status.state == "running" and fresh["state"] == "starting":
            self._set(row["id"], state="running", **extra)
        elif status.state == "pending":
            pass
        elif recovering:
            self._set(row["id"], state="running", **extra)
            log.info("re-attached to run %s (pid %s)", row["id"], row["pid"])
        elif extra:
            self._set(row["id"], **extra)

    def _ended(self, fresh: dict, status, extra: dict) -> None:
        """The executor reports the run over: record how (a requested stop reads as `stopped`)."""
        state = status.state
        message = status.message
        if fresh["message"] == STOP_REQUESTED and state != "succeeded":
            # The executor may know more (e.g. Ray held the job back); else the plain reason.
            message = status.message if state == "stopped" and status.message else "stopped on request"
            message = self._stop_reasons.pop(fresh["id"], None) or message
            state = "stopped"
        self._log_line(fresh, f"{state}" + (f" (exit code {status.exit_code})"
                                              if status.exit_code is not None else "")
                       + (f": {message}" if message and message != "stopped on request" else ""))
        self._finish(fresh, state, exit_code=status.exit_code, message=message, **extra)

    # -- stop and delete ----------------------------------------------------------------------
    async def stop(self, run_id: str, reason: str | None = None) -> dict:
        """Stop a run; `reason` (e.g. a sweep's median rule) becomes its message and a log line."""
        row = self.row(run_id)
        if reason and row["state"] in ACTIVE:
            self._log_line(row, reason)
        if row["state"] == "queued":
            self._finish(row, "stopped", message=reason or "stopped while queued")
        elif row["state"] in ("starting", "running"):
            if reason:
                self._stop_reasons[run_id] = reason
            row = self._set(run_id, message=STOP_REQUESTED)
            if row["state"] == "running" or (row["external_id"] and run_id not in self._launches):
                self._request_stop(row)
        return self.get(run_id)

    def _request_stop(self, row: dict) -> None:
        if row["id"] in self._stops:
            return
        executor = self.executors[row["executor"]]
        task = asyncio.get_running_loop().create_task(executor.stop(row, self.stop_grace_period))
        self._stops[row["id"]] = task

        def done(t, run_id=row["id"]):
            self._stops.pop(run_id, None)
            self._wake.set()
            if not t.cancelled() and t.exception():
                log.error("stopping run %s failed: %s", run_id, t.exception())

        task.add_done_callback(done)

    async def delete(self, run_id: str) -> None:
        row = self.row(run_id)
        if row["state"] in ACTIVE:
            raise conflict(f"run {run_id} is {row['state']}; stop it before deleting it", "state")
        self.store.delete_run(run_id)
        folder = self.projects.paths(row["project"]).run_dir(run_id)
        for listener in self.listeners:
            try:
                listener.on_forget(run_id, folder)
            except Exception:
                log.exception("run listener failed")
        await asyncio.to_thread(shutil.rmtree, folder, True)

    async def forget_project(self, name: str) -> None:
        """A projects.delete_hook: the rows and folder go with the project; drop what we hold."""
        for run_id, task in list(self._launches.items()):
            row = self.store.get_run(run_id)
            if row is None or row["project"] == name:
                task.cancel()
        self.kick()
