"""Sweeps: grid and random searches over a project's arguments, run as ordinary queued runs.

A sweep is validated whole (a bad parameter spec is a 400 naming e.g. `parameters.lr.min`),
then every trial is created at once as a queued run carrying `sweep` and its `sweep_params`,
in one store transaction — so the sweep's queue is the run queue, survives a restart with it,
and can be reordered like any run. `max_parallel` is enforced by the run scheduler, which reads
it from the sweep's row (a trial over it is passed over, not blocking other runs).

One background loop looks only at running sweeps: it picks the best trial from the per-run
metric summaries (the experiments service's), applies the median stopping rule to running
trials from their stored scalar series, and marks a sweep finished once no trial is active.
Random sweeps draw from `random.Random(seed)`: the same spec and seed give the same trials.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
import random
import secrets
import statistics
from pathlib import Path
from typing import Any, Callable, Iterable

from traitlets import Float
from traitlets.config import LoggingConfigurable

from .background import PeriodicTask
from .errors import BeekeeperError, bad_request, conflict, found
from .models.base import parse
from .models.sweep import PLACEHOLDER_RE, SWEEP_RUN_FIELDS, SWEEP_STATES, Sweep, SweepCreate
from .listeners import RunListener, Subscribable
from .runs import ACTIVE, new_run_id
from .store import now

log = logging.getLogger("beekeeper.sweeps")

ENDED_STATES = ("succeeded", "failed", "stopped", "lost")


def new_sweep_id() -> str:
    return "sw-" + new_run_id()[:15] + "-" + secrets.token_hex(2)


def parse_spec(body: dict) -> dict:
    """The whole sweep request checked (models.sweep.SweepCreate: a 400 naming the field) and
    normalized; creates nothing."""
    sweep = parse(SweepCreate, body)
    return {"method": sweep.method, "parameters": {name: p.normal() for name, p in sweep.parameters.items()},
            "trials": sweep.trial_count(), "seed": secrets.randbelow(2**31) if sweep.seed is None else sweep.seed,
            "as": sweep.as_, "args_template": sweep.args_template, "max_parallel": sweep.max_parallel,
            "objective": sweep.objective.model_dump() if sweep.objective else None,
            "early_stop": sweep.early_stop.model_dump() if sweep.early_stop else None,
            "run": sweep.model_dump(include=set(SWEEP_RUN_FIELDS), exclude_unset=True)}


def _draw(spec: dict, rng: random.Random):
    if "values" in spec:
        return rng.choice(spec["values"])
    low, high = spec["min"], spec["max"]
    if spec["log"]:
        x = math.exp(rng.uniform(math.log(low), math.log(high)))
    else:
        x = rng.uniform(low, high)
    if spec["integer"]:
        return min(max(int(round(x)), int(low)), int(high))
    return float(f"{x:.6g}")


def trial_params(spec: dict) -> list[dict]:
    """Every trial's params, in trial order: a grid's combinations (first parameter slowest), or
    `trials` draws from the seeded generator."""
    names = list(spec["parameters"])
    if spec["method"] == "grid":
        return [dict(zip(names, combo))
                for combo in itertools.product(*(spec["parameters"][n]["values"] for n in names))]
    rng = random.Random(spec["seed"])
    return [{n: _draw(spec["parameters"][n], rng) for n in names} for _ in range(spec["trials"])]


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def fill(item: str, params: dict, run_id: str) -> str:
    def sub(match):
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        key = match.group(1)
        return run_id if key == "run_id" else _text(params[key])

    return PLACEHOLDER_RE.sub(sub, item)


def trial_body(spec: dict, params: dict, run_id: str) -> dict:
    """The run body of one trial: the shared fields plus the params, passed as the spec says.
    Each value is one argv element (never a shell string)."""
    body = json.loads(json.dumps(spec["run"]))
    args = list(body.get("args") or [])
    if spec["args_template"] is not None:
        args += [fill(item, params, run_id) for item in spec["args_template"]]
    elif spec["as"] == "args":
        for name, value in params.items():
            args += [f"--{name}", _text(value)]
    if spec["as"] == "env":
        env = dict(body.get("env") or {})
        env.update({name: _text(value) for name, value in params.items()})
        body["env"] = env
    body["args"] = args
    return body


def _value(summary: dict | None, stat: str) -> float | None:
    if not summary:
        return None
    value = summary.get(stat)
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def _better(a: float, b: float, goal: str) -> bool:
    return a < b if goal == "min" else a > b


def value_at(points: list[tuple[float, float]], step: float, stat: str) -> float | None:
    """A trial's objective up to `step`: its last value there, or the lowest/highest so far."""
    seen = [value for s, value in points if s <= step and math.isfinite(value)]
    if not seen:
        return None
    return seen[-1] if stat == "last" else (min(seen) if stat == "min" else max(seen))


def median_verdict(mine: list[tuple[float, float]], others: list[list[tuple[float, float]]],
                   objective: dict, rule: dict) -> tuple[float, float, int] | None:
    """The median stopping rule: (value, median, step) when this trial, at its latest step s
    (at least min_steps), is worse than the median of the other trials that reached s; else None."""
    if not mine:
        return None
    step = mine[-1][0]
    if step < rule["min_steps"]:
        return None
    value = value_at(mine, step, objective["summary"])
    if value is None:
        return None
    theirs = [value_at(p, step, objective["summary"]) for p in others if p and p[-1][0] >= step]
    theirs = [x for x in theirs if x is not None]
    if len(theirs) < rule["min_trials"]:
        return None
    median = statistics.median(theirs)
    return (value, median, int(step)) if _better(median, value, objective["goal"]) else None


class SweepService(LoggingConfigurable, RunListener, Subscribable):
    """Creates sweeps, watches their trials (best so far, the median rule, the end) and stops them.

    A RunListener (app.py lists it for RunService): a trial's end wakes the watch loop."""

    interval = Float(2.0, help="Seconds between looks at running sweeps (best trial, median rule) "
                               "(also c.BeekeeperApp.sweep_interval).").tag(config=True)

    def __init__(self, store, projects, runs, run_metrics,
                 finished_listeners: Iterable[Callable[[dict], None]] = (), **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.projects = projects
        self.runs = runs
        self.run_metrics = run_metrics  # summaries(): run ids → {id: {tag: {last, min, max, step, count}}}
        self._final_series: dict[tuple[str, str], list] = {}  # ended trials' series do not change
        self._creating: set[str] = set()  # sweeps whose trials are still being queued
        self._wake = asyncio.Event()
        self._ticker = PeriodicTask("sweep watcher", self._watch, lambda: self.interval, log=log, wake=self._wake)
        #: Called with the sweep's API view once it finished (notifications' sweep_finished).
        self.finished_listeners: list[Callable[[dict], None]] = list(finished_listeners)
        #: The /events connections, told the sweep's list view (no trials) on every change: queued,
        #: a trial's state, best so far, early stops, finished or stopped; `{"id", "deleted": True}`
        #: once deleted. So the panel's sweep views stay live.
        self.subscribers: list[Callable[[dict], None]] = []

    @property
    def passes(self) -> int:
        return self._ticker.rounds

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        for row in self.store.list_sweeps(states=["running"]):
            if not self.store.sweep_runs(row["id"]):  # the server stopped while queuing its trials
                self._update(row["id"], state="stopped", ended=now(), trial_count=0,
                             message="interrupted: the server stopped while queuing the trials")
        self._ticker.start()

    async def stop_loop(self) -> None:
        await self._ticker.stop()

    def on_run(self, run: dict) -> None:
        sweep_id = run.get("sweep")
        if not sweep_id:
            return
        if run["state"] in ENDED_STATES:
            self._wake.set()
        if sweep_id not in self._creating:  # (a sweep still queuing is announced once, when queued)
            self._publish(sweep_id)

    def _publish(self, sweep_id: str, deleted: bool = False) -> None:
        """Tell the subscribers the sweep's current list view (its trial counts read fresh)."""
        if not self.subscribers:
            return
        try:
            if deleted:
                view = {"id": sweep_id, "deleted": True}
            else:
                row = self.store.get_sweep(sweep_id)
                if row is None:
                    return
                view = self.render(row, self.store.sweep_states([sweep_id])[sweep_id])
            for subscriber in list(self.subscribers):
                subscriber(view)
        except Exception:  # a broken subscriber must not break a run transition or the sweep loop
            log.exception("sweep listener failed")

    def _update(self, sweep_id: str, **fields: Any) -> None:
        self.store.update_sweep(sweep_id, **fields)
        self._publish(sweep_id)

    # -- reads ---------------------------------------------------------------------------------
    def row(self, sweep_id: str) -> dict:
        return found(self.store.get_sweep, "sweep", sweep_id)

    def list(self, project: str | None = None, states: list[str] | None = None) -> dict:
        if project is not None:
            self.projects.row(project)
        for state in states or []:
            if state not in SWEEP_STATES:
                raise bad_request("state", f"state must be one of {', '.join(SWEEP_STATES)}")
        rows = self.store.list_sweeps(project, states)
        counts = self.store.sweep_states([r["id"] for r in rows])
        return {"sweeps": [self.render(r, counts[r["id"]]) for r in rows]}

    def get(self, sweep_id: str) -> dict:
        row = self.row(sweep_id)
        trials = self.store.sweep_runs(sweep_id)
        counts: dict[str, int] = {}
        for t in trials:
            counts[t["state"]] = counts.get(t["state"], 0) + 1
        objective = row["spec"]["objective"]
        summaries = self.run_metrics.summaries([t["id"] for t in trials]) if objective else {}
        stopped = set(row["early_stopped"] or [])
        return self.render(row, counts, [{
            "id": t["id"], "state": t["state"], "params": t["sweep_params"] or {}, "message": t["message"],
            "value": _value(summaries.get(t["id"], {}).get(objective["metric"]), objective["summary"])
            if objective else None,
            "early_stopped": t["id"] in stopped, "started": t["started"], "ended": t["ended"],
        } for t in trials])

    def render(self, row: dict, counts: dict[str, int], trials: list[dict] | None = None) -> dict:
        """The API view (models.sweep.Sweep), with its trials in the single-sweep view; the shared
        run shows env keys only (values may be secrets)."""
        spec = row["spec"]
        run = dict(spec["run"])
        run["env_keys"] = sorted(run.pop("env", None) or {})
        view = {
            "id": row["id"], "project": row["project"], "state": row["state"], "method": spec["method"],
            "parameters": spec["parameters"], "seed": spec["seed"], "as": spec["as"],
            "args_template": spec["args_template"], "max_parallel": spec["max_parallel"],
            "objective": spec["objective"], "early_stop": spec["early_stop"], "run": run,
            "trials": {"total": row["trial_count"], **{s: counts.get(s, 0) for s in (*ACTIVE, *ENDED_STATES)},
                       "early_stopped": len(row["early_stopped"] or [])},
            "best": {"run": row["best_run"], "value": row["best_value"]} if row["best_run"] else None,
            "message": row["message"], "created": row["created"], "ended": row["ended"],
        }
        return Sweep(**view, **({} if trials is None else {"runs": trials})).dump()

    # -- create --------------------------------------------------------------------------------
    async def create(self, name: str, body: dict) -> dict:
        spec = parse_spec(body)
        self.projects.row(name)
        sweep_id = new_sweep_id()
        while self.store.get_sweep(sweep_id) is not None:
            sweep_id = new_sweep_id()
        params = trial_params(spec)
        run_ids: list[str] = []
        taken: set[str] = set()
        for _ in params:
            run_id = new_run_id()
            while run_id in taken or self.store.get_run(run_id) is not None:
                run_id = new_run_id()
            taken.add(run_id)
            run_ids.append(run_id)
        bodies = [trial_body(spec, p, r) for p, r in zip(params, run_ids)]
        created = now()
        self._creating.add(sweep_id)
        self.store.insert_sweep({"id": sweep_id, "project": name, "state": "running", "spec": spec,
                                 "trial_count": len(params), "early_stopped": [], "created": created,
                                 "updated": created})
        try:
            await self.runs.create_batch(name, bodies, run_ids, sweep_id, params)
        except BaseException:
            self.store.delete_sweep(sweep_id)  # nothing half-created
            raise
        finally:
            self._creating.discard(sweep_id)
        log.info("sweep %s of %s: %d trials queued", sweep_id, name, len(params))
        self._publish(sweep_id)
        self._wake.set()
        return self.get(sweep_id)

    # -- stop and delete -----------------------------------------------------------------------
    async def stop(self, sweep_id: str) -> dict:
        """Queued trials are dropped (rows and folders); running ones are stopped."""
        row = self.row(sweep_id)
        if row["state"] == "running":
            trials = self.store.sweep_runs(sweep_id)
            dropped = await self.runs.drop_queued([t["id"] for t in trials if t["state"] == "queued"],
                                                  f"sweep {sweep_id} stopped")
            for t in trials:
                if t["state"] in ("starting", "running") and t["id"] not in dropped:
                    await self.runs.stop(t["id"])
            message = f"stopped on request ({len(dropped)} queued trials dropped)"
            self._update(sweep_id, state="stopped", ended=now(), message=message,
                         trial_count=row["trial_count"] - len(dropped))
        return self.get(sweep_id)

    async def delete(self, sweep_id: str, with_runs: bool = False) -> None:
        row = self.row(sweep_id)
        trials = self.store.sweep_runs(sweep_id)
        active = [t for t in trials if t["state"] in ACTIVE]
        if row["state"] == "running" or active:
            raise conflict(f"sweep {sweep_id} is {row['state']} with {len(active)} active trials; stop it "
                           "and let its trials end first", "state")
        if with_runs:
            for t in trials:
                await self.runs.delete(t["id"])
        self.store.delete_sweep(sweep_id)
        self._publish(sweep_id, deleted=True)

    # -- the watch loop ------------------------------------------------------------------------
    async def _watch(self) -> None:
        """One round: check every running sweep whose trials are all queued."""
        for row in self.store.list_sweeps(states=["running"]):
            if row["id"] not in self._creating:
                await self.check(row)

    async def check(self, row: dict) -> None:
        """One look at a running sweep: best so far, the median rule, finished once nothing is active."""
        trials = self.store.sweep_runs(row["id"])
        objective = row["spec"]["objective"]
        fields = await self._progress(row, trials) if objective else {}
        # (A sweep still queuing its trials is never checked; a deleted ended trial changes nothing.)
        if not any(t["state"] in ACTIVE for t in trials):
            fields.update(state="finished", ended=now())
            for t in trials:
                self._final_series.pop((t["id"], objective["metric"]) if objective else None, None)
            log.info("sweep %s finished", row["id"])
        if fields:
            self._update(row["id"], **fields)
        if fields.get("state") == "finished":
            self._tell_finished(row["id"])

    async def _progress(self, row: dict, trials: list[dict]) -> dict[str, Any]:
        """The sweep's changed fields: a new best trial, trials the median rule stopped."""
        spec = row["spec"]
        objective = spec["objective"]
        summaries = self.run_metrics.summaries([t["id"] for t in trials])
        fields: dict[str, Any] = {}
        best = None
        for t in trials:
            value = _value(summaries.get(t["id"], {}).get(objective["metric"]), objective["summary"])
            if value is not None and (best is None or _better(value, best[1], objective["goal"])):
                best = (t["id"], value)
        if best and (best[0] != row["best_run"] or best[1] != row["best_value"]):
            fields.update(best_run=best[0], best_value=best[1])
        if spec["early_stop"] and any(t["state"] == "running" for t in trials):
            stopped = await self._median_rule(row, trials, summaries)
            if stopped:
                fields["early_stopped"] = [*(row["early_stopped"] or []), *stopped]
        return fields

    def _tell_finished(self, sweep_id: str) -> None:
        if not self.finished_listeners:
            return
        try:
            view = self.get(sweep_id)
            for listener in list(self.finished_listeners):
                listener(view)
        except Exception:  # a broken listener must not break the sweep loop
            log.exception("sweep listener failed")

    async def _median_rule(self, row: dict, trials: list[dict], summaries: dict) -> list[str]:
        spec = row["spec"]
        objective, rule = spec["objective"], spec["early_stop"]
        tag = objective["metric"]
        counted = [(t, (summaries.get(t["id"], {}).get(tag) or {}).get("count") or 0) for t in trials]
        counted = [(t, n) for t, n in counted if n]

        def read():
            out = {}
            for t, count in counted:
                key = (t["id"], tag)
                cached = self._final_series.get(key)
                if cached is not None and cached[0] == count:
                    out[t["id"]] = cached[1]
                    continue
                points = read_series(self.projects.paths(t["project"]).run_dir(t["id"]), tag, count)
                if t["state"] != "running":
                    self._final_series[key] = (count, points)
                out[t["id"]] = points
            return out

        series = await asyncio.to_thread(read)
        already = set(row["early_stopped"] or [])
        stopped = []
        for t, _count in counted:
            if t["state"] != "running" or t["id"] in already:
                continue
            others = [p for i, p in series.items() if i != t["id"]]
            verdict = median_verdict(series.get(t["id"], []), others, objective, rule)
            if verdict is None:
                continue
            value, median, step = verdict
            note = (f"early stopped by the median rule: {tag} {objective['summary']} {value:.6g} at step {step} "
                    f"is worse than the median {median:.6g} of the other trials")
            await self.runs.stop(t["id"], reason=note)
            stopped.append(t["id"])
            log.info("sweep %s: trial %s %s", row["id"], t["id"], note)
        return stopped


def read_series(run_dir: Path, tag: str, count: int) -> list[tuple[float, float]]:
    """(step, value) pairs of a run's stored series for one tag (the experiments service's files)."""
    import numpy as np

    from . import series

    path = series.series_path(run_dir, tag)
    try:
        data = np.fromfile(path, dtype="<f8", count=count * 3)
    except (OSError, ValueError):
        return []
    data = data[: (len(data) // 3) * 3].reshape(-1, 3)
    return [(float(s), float(val)) for s, _wall, val in data]


__all__ = ["SweepService", "parse_spec", "trial_params", "trial_body", "median_verdict", "BeekeeperError"]
