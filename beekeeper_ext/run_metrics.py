"""Per-run metrics: which event files a run wrote, reading them incrementally, and summaries.

Runs of one project share its `src/`, and many scripts write to a fixed folder (`out/`), so a
folder says nothing about which run wrote a file. The file name does:
`events.out.tfevents.<time>.<host>.<pid>[.<n>][.v2]`. A file is claimed, once and for good, by
- the local run whose process tree had that pid (the launcher, its child from launcher.json,
  pids the usage sampler or a scan saw in the tree, or a live writer whose session is the
  run's: the launcher starts each run in its own session), within the run's time window;
- else the one run (e.g. a Ray job, whose pids Beekeeper cannot see) whose window holds the
  file's creation time, if the writer is not a live process outside every run (a notebook
  writing into src/ claims nothing).
An ambiguous file stays unclaimed rather than mixing two runs' curves. Claimed files are read
from where reading stopped (scalars.read_points), points go to the run folder's series files
(series.py) and a summary per tag goes to the store, in one transaction per pass. Stdout
metrics (stdout_metrics.py) follow the same path with output.log as the source; a tag that
also comes from event files is taken from the event files only.

Everything blocking (walking src/, psutil, reading, appending) runs in a worker thread; the
store is written on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil
from traitlets import Float
from traitlets.config import LoggingConfigurable

from . import series
from .background import PeriodicTask
from .errors import BeekeeperError, bad_request, not_found
from .executors import FINISHED
from .executors.ray import read_driver
from .metrics import process_trees
from .params import parse_args
from .listeners import RunListener
from .scalars import EVENT_FILE_MARK, ScalarCursor, read_points
from .stdout_metrics import LineParser

log = logging.getLogger("beekeeper.run_metrics")

SLACK = 2.0  # seconds: event file names carry whole seconds, and a run starts just before `started`
CHUNK = 16 * 1024**2  # bytes of an event file read per step (bounds memory on a huge file)
#: output.log is parsed a block at a time within CHUNK: a 16 MiB read, its copy and its split lines
#: held at once grew the server by ~50 MiB while a fast run logged (bench/log_latency.py).
STDOUT_BLOCK = 1024**2
RECENT_RUNS = 200  # the newest runs of a project considered when claiming a new file
SKIP_DIRS = {".git", "__pycache__", "node_modules", ".ipynb_checkpoints"}
SORT_STATS = ("last", "min", "max")


def parse_event_name(name: str, hostname: str) -> tuple[float | None, str | None, int | None]:
    """(creation time, host, pid) from an event file name; parts it does not carry are None.

    Host names may hold dots, and some writers add a counter after the pid, so both readings are
    tried and the one whose host is this machine wins."""
    at = name.find(EVENT_FILE_MARK + ".")
    if at < 0:
        return None, None, None
    parts = name[at + len(EVENT_FILE_MARK) + 1:].split(".")
    try:
        created = float(parts[0])
    except ValueError:
        return None, None, None
    rest = parts[1:]
    while rest and not rest[-1].isdigit():
        rest = rest[:-1]  # ".v2", ".profile-empty"
    readings = []
    if len(rest) >= 3 and rest[-2].isdigit():
        readings.append((".".join(rest[:-2]), int(rest[-2])))
    if len(rest) >= 2:
        readings.append((".".join(rest[:-1]), int(rest[-1])))
    for host, pid in readings:
        if host == hostname:
            return created, host, pid
    if readings:
        return created, readings[0][0], readings[0][1]
    return created, None, None


def _epoch(stamp: str | None) -> float | None:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() if stamp else None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _lineage(pid: int) -> tuple[int, set[int]] | None:
    """(session id, ancestor pids) of a live process; None when it is gone."""
    try:
        proc = psutil.Process(pid)
        return os.getsid(pid), {p.pid for p in proc.parents()}
    except (psutil.Error, ProcessLookupError, PermissionError):
        return None


def _finite(x):
    return x if x is None or math.isfinite(x) else None


def parse_sort(text: str | None) -> tuple[str, str, str, bool] | None:
    """`created`, `metric:TAG[:last|min|max]`, `param:NAME`, each with an optional `-` for
    descending; None for the default (newest first)."""
    if text is None or text == "":
        return None
    descending = text.startswith("-")
    body = text[1:] if descending else text
    kind, _, rest = body.partition(":")
    if kind == "created" and not rest:
        return ("created", "", "", descending)
    if kind == "metric" and rest:
        tag, _, stat = rest.rpartition(":")
        if not tag or stat not in SORT_STATS:
            tag, stat = rest, "last"
        return ("metric", tag, stat, descending)
    if kind == "param" and rest:
        return ("param", rest, "", descending)
    raise bad_request("sort", "sort must be created, metric:TAG[:last|min|max] or param:NAME, "
                              "with a leading - for descending")


@dataclass
class _Pass:
    """What one refresh of a project changed: handed back from the worker thread to the loop."""

    sources: list[dict] = field(default_factory=list)
    summaries: dict[str, dict[str, dict]] = field(default_factory=dict)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    grown: set[str] = field(default_factory=set)  # runs whose sources have bytes not read yet


class RunMetricsService(LoggingConfigurable, RunListener):
    """Claims event files for runs, reads them (and printed metrics) incrementally, keeps summaries."""

    interval = Float(2.0, help="Seconds between passes that read running runs' new event-file scalars and "
                               "printed metrics (also c.BeekeeperApp.scalars_interval).").tag(config=True)

    def __init__(self, store, projects, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.projects = projects
        self.series = series.SeriesCache()
        self.hostname = socket.gethostname()
        self._cursors: dict[str, ScalarCursor] = {}
        self._pids: dict[str, set[int]] = {}
        self._children: dict[str, int | None] = {}
        self._drivers: dict[str, tuple[str, int] | None] = {}  # Ray run id → its entrypoint's (host, pid)
        self._locks: dict[str, asyncio.Lock] = {}
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._ticker = PeriodicTask("reading metrics", self._pass, lambda: self.interval, log=log, wake=self._wake)

    @property
    def passes(self) -> int:
        """Rounds of the background loop done (diagnostics; a test waits on it)."""
        return self._ticker.rounds

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        for row in self.store.runs_without_params():  # runs made before params were stored
            self.store.update_run(row["id"], params=parse_args(row["args"] or []))
        for row in self.store.list_runs(limit=RECENT_RUNS):
            if row["state"] in FINISHED:
                self._dirty.add(row["project"])  # a run may have ended while the server was down
        self._ticker.start()

    async def stop(self) -> None:
        await self._ticker.stop()

    def on_run(self, run: dict) -> None:
        """A run that started or ended gets one more pass right away."""
        if run["state"] in ("running", *FINISHED):
            self._dirty.add(run["project"])
            self._wake.set()

    def note_pids(self, run_id: str, pids: list[int]) -> None:
        """Pids the usage sampler saw in a run's process tree (writers that end before a scan)."""
        self._pids.setdefault(run_id, set()).update(pids)

    async def _pass(self) -> None:
        """One round: every project with an active run, and those a run listener marked."""
        projects = {r["project"] for r in self.store.list_runs(states=("starting", "running"))}
        projects |= self._dirty
        self._dirty = set()
        for name in sorted(projects):
            try:
                await self.refresh(name)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading the metrics of project %s", name)

    # -- refresh -----------------------------------------------------------------------------
    async def refresh(self, name: str) -> None:
        """One pass over a project: claim new event files, read what every source added."""
        async with self._locks.setdefault(name, asyncio.Lock()):
            project = self.store.get_project(name)
            if project is None:
                return
            runs = [r for r in self.store.run_windows(name, RECENT_RUNS) if r["started"]]
            if not runs:
                return
            sources = self.store.metric_sources(name)
            parser = LineParser(project.get("metric_patterns"))
            result = await asyncio.to_thread(self._claim_new, name, runs, sources, parser)
            if result.grown:  # only then the summaries: most passes find nothing new
                summaries = self.store.metric_summaries(sorted(result.grown))
                await asyncio.to_thread(self._read_grown, name, runs, sources, summaries, parser, result)
            if self.store.get_project(name) is None:
                return  # deleted meanwhile
            live = {r["id"] for r in self.store.run_windows(name, RECENT_RUNS)}
            result.sources = [s for s in result.sources if s["run_id"] in live]
            result.summaries = {k: v for k, v in result.summaries.items() if k in live}
            if result.sources or result.summaries or result.dropped:
                self.store.save_metrics(result.sources, result.summaries, result.dropped)

    def _claim_new(self, name: str, runs: list[dict], sources: dict[str, dict], parser: LineParser) -> _Pass:
        """Claim new event files, and note the runs whose event files or log grew (blocking)."""
        paths = self.projects.paths(name)
        now = time.time()
        out = _Pass()
        self._see_trees(runs)
        for path in self._event_files(paths.src):
            key = str(path)
            if key not in sources:
                run_id = self._claim(path, runs, now)
                if run_id is None:
                    continue
                sources[key] = {"path": key, "project": name, "run_id": run_id, "kind": "events",
                                "offset": 0, "cursor": {}}
                out.sources.append(sources[key])
        for key, source in sources.items():
            if source["kind"] == "events" and not (source.get("cursor") or {}).get("corrupt") \
                    and _size(Path(key)) > source["offset"]:
                out.grown.add(source["run_id"])
        if parser.patterns:
            logged = {s["run_id"]: s["offset"] for s in sources.values() if s["kind"] == "stdout"}
            for run in runs:
                if _size(paths.run_dir(run["id"]) / "output.log") > logged.get(run["id"], 0):
                    out.grown.add(run["id"])
        return out

    def _read_grown(self, name: str, runs: list[dict], sources: dict[str, dict], summaries: dict[str, dict],
                    parser: LineParser, out: _Pass) -> None:
        """Read what the grown runs' sources added (blocking)."""
        paths = self.projects.paths(name)
        by_id = {r["id"]: r for r in runs if r["id"] in out.grown}
        for key, source in sources.items():
            run = by_id.get(source["run_id"])
            if run is None or source["kind"] != "events":
                continue
            run_dir = paths.run_dir(run["id"])
            changed = self._read_events(Path(key), source, run_dir, summaries.setdefault(run["id"], {}), out)
            if changed and source not in out.sources:
                out.sources.append(source)
        if parser.patterns:
            for run in by_id.values():
                self._read_stdout(name, run, paths, sources, summaries.setdefault(run["id"], {}), parser, out)

    @staticmethod
    def _event_files(src: Path):
        if not src.is_dir():
            return
        for folder, dirs, files in os.walk(src):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
            for file_name in files:
                if EVENT_FILE_MARK in file_name:
                    yield Path(folder) / file_name

    # -- claiming ----------------------------------------------------------------------------
    def _is_local(self, run: dict) -> bool:
        return bool(run["pid"]) and (run["mode"] in (None, "local") or run["host"] == self.hostname)

    def _see_trees(self, runs: list[dict]) -> None:
        """Remember the pids in each running local run's tree (and its launcher's child), and
        where each Ray run's entrypoint runs."""
        running = []
        for run in runs:
            if not self._is_local(run):
                self._see_driver(run)
                continue
            pids = self._pids.setdefault(run["id"], set())
            pids.add(run["pid"])
            if run["id"] not in self._children:
                try:
                    child = json.loads((self.projects.paths(run["project"]).run_dir(run["id"])
                                        / "launcher.json").read_text()).get("child_pid")
                except (OSError, ValueError):
                    child = None
                if child or run["state"] in FINISHED:
                    self._children[run["id"]] = child
            if self._children.get(run["id"]):
                pids.add(self._children[run["id"]])
            if run["state"] == "running":
                running.append(run)
        for run_id, tree in process_trees(running).items():  # one walk of /proc for all of them
            self._pids[run_id].update(p.pid for p in tree)

    def _see_driver(self, run: dict) -> None:
        """A Ray run's entrypoint (host, pid), once its node has written it (executors/ray.py)."""
        if run["id"] in self._drivers:
            return
        driver = read_driver(self.projects.paths(run["project"]).run_dir(run["id"]))
        if driver is not None or run["state"] in FINISHED:
            self._drivers[run["id"]] = driver

    def _window(self, run: dict, now: float) -> tuple[float, float]:
        started = _epoch(run["started"]) or now
        ended = _epoch(run["ended"]) if run["ended"] else now
        return started - SLACK, ended + SLACK

    def _claim(self, path: Path, runs: list[dict], now: float) -> str | None:
        """The run that wrote this event file, or None while that is unknown or ambiguous."""
        created, host, pid = parse_event_name(path.name, self.hostname)
        if created is None:
            try:
                created = path.stat().st_mtime
            except OSError:
                return None
        candidates = [r for r in runs if self._window(r, now)[0] <= created <= self._window(r, now)[1]]
        if not candidates:
            return None
        if host == self.hostname and pid is not None:
            return self._claim_here(pid, candidates)
        return self._claim_elsewhere(host, pid, candidates)

    def _claim_here(self, pid: int, candidates: list[dict]) -> str | None:
        """A file written on this host: by a pid of a local run's tree, a live process in a run's
        session or under a Ray run's entrypoint, or (the writer gone) the one run it can be."""
        for run in candidates:
            if self._is_local(run) and pid in self._pids.get(run["id"], ()):
                return run["id"]
        lineage = _lineage(pid)
        if lineage is not None:  # the writer lives: its session and ancestors say whose it is
            sid, ancestors = lineage
            for run in candidates:
                if self._is_local(run) and (sid == run["pid"] or run["pid"] in ancestors):
                    self._pids.setdefault(run["id"], set()).add(pid)
                    return run["id"]
            # outside every local run: a Ray run's entrypoint here, or a foreign writer (a notebook)
            return self._pick_remote(candidates, self.hostname, pid, ancestors)
        exact = [r for r in candidates if not self._is_local(r) and self._driver_fit(r, self.hostname, pid) == 2]
        if len(exact) == 1:
            return exact[0]["id"]
        if len(candidates) == 1:
            run = candidates[0]
            if not self._is_local(run):
                return run["id"] if self._driver_fit(run, self.hostname, pid) else None
            if run["state"] not in FINISHED and pid not in self._pids.get(run["id"], ()):
                return None  # not seen in its tree yet: wait for a later pass to be sure
            return run["id"]
        return None

    def _claim_elsewhere(self, host: str | None, pid: int | None, candidates: list[dict]) -> str | None:
        """A file written on another host (a Ray node), or whose name carries no pid."""
        picked = self._pick_remote(candidates, host, pid, None)
        if picked is None and len(candidates) == 1 and self._is_local(candidates[0]):
            return candidates[0]["id"]  # the only run of its time: e.g. a container's own host name
        return picked

    def _pick_remote(self, candidates: list[dict], host: str | None, pid: int | None,
                     ancestors: set[int] | None) -> str | None:
        """The Ray run whose entrypoint wrote the file, else the only one that may have."""
        fits: dict[int, list[str]] = {0: [], 1: [], 2: []}
        for run in candidates:
            if not self._is_local(run):
                fits[self._driver_fit(run, host, pid, ancestors)].append(run["id"])
        if fits[2]:
            return fits[2][0] if len(fits[2]) == 1 else None
        return fits[1][0] if len(fits[1]) == 1 else None

    def _driver_fit(self, run: dict, host: str | None, pid: int | None, ancestors: set[int] | None = None) -> int:
        """How a Ray run fits a writer: 2 its entrypoint wrote it (that pid, or under it), 1 it may
        have (no record yet, or another process on the entrypoint's host), 0 it did not."""
        driver = self._drivers.get(run["id"])
        if driver is None:
            return 1
        driver_host, driver_pid = driver
        if host is not None and host != driver_host:
            return 0
        if pid is not None and (pid == driver_pid or (ancestors is not None and driver_pid in ancestors)):
            return 2
        if ancestors is not None and driver_host == self.hostname:
            return 0  # a live writer here, not under the entrypoint: its lineage is known
        return 1

    # -- reading -----------------------------------------------------------------------------
    def _cursor(self, key: str, source: dict) -> ScalarCursor:
        cursor = self._cursors.get(key)
        if cursor is None or cursor.offset != source["offset"]:
            state = source.get("cursor") or {}
            cursor = self._cursors[key] = ScalarCursor(source["offset"], set(state.get("scalar_tags", [])),
                                                       bool(state.get("corrupt")))
        return cursor

    def _read_events(self, path: Path, source: dict, run_dir: Path, summary: dict, out: _Pass) -> bool:
        try:
            size = path.stat().st_size
        except OSError:
            return False
        cursor = self._cursor(str(path), source)
        if size < cursor.offset:
            return False  # rewritten from scratch: what was read stays
        changed = False
        while size > cursor.offset and not cursor.corrupt:
            before = cursor.offset
            try:
                points = read_points(path, cursor, CHUNK)
            except OSError:
                break
            if cursor.offset == before and not points:
                break  # a partial record: the writer is not done with it
            self._merge(run_dir, summary, points, "events", out, source["run_id"])
            changed = True
        if changed:
            source["offset"] = cursor.offset
            source["cursor"] = {"scalar_tags": sorted(cursor.scalar_tags), "corrupt": cursor.corrupt}
        return changed

    def _read_stdout(self, name: str, run: dict, paths, sources: dict, summary: dict, parser: LineParser,
                     out: _Pass) -> None:
        log_path = paths.run_dir(run["id"]) / "output.log"
        key = str(log_path)
        source = sources.get(key)
        if source is None:
            source = sources[key] = {"path": key, "project": name, "run_id": run["id"], "kind": "stdout",
                                     "offset": 0, "cursor": {}}
        try:
            size = log_path.stat().st_size
        except OSError:
            return
        if size <= source["offset"]:
            return
        counts = dict(source["cursor"].get("counts", {}))
        found, offset, pending, read = [], source["offset"], b"", 0
        with open(log_path, "rb") as f:
            f.seek(offset)
            while read < CHUNK and (block := f.read(min(STDOUT_BLOCK, CHUNK - read))):
                read += len(block)
                block = pending + block
                cut = block.rfind(b"\n") + 1  # whole lines only; the rest waits for its end
                if cut:
                    found += parser.points(block[:cut], counts)
                    offset += cut
                pending = block[cut:]
        if pending and run["state"] in FINISHED and source["offset"] + read >= size:
            found += parser.points(pending, counts)  # the writer is done: its last line has no end
            offset += len(pending)
        if offset == source["offset"]:
            return
        wall = time.time()
        points = [(tag, step, wall, value) for tag, step, value in found]
        source["offset"] = offset
        source["cursor"] = {"counts": counts}
        if source not in out.sources:
            out.sources.append(source)
        self._merge(paths.run_dir(run["id"]), summary, points, "stdout", out, run["id"])

    def _merge(self, run_dir: Path, summary: dict, points: list, kind: str, out: _Pass, run_id: str) -> None:
        """Append points to the series files and fold them into the tag summaries."""
        by_tag: dict[str, list[tuple[int, float, float]]] = {}
        for tag, step, wall, value in points:
            by_tag.setdefault(tag, []).append((step, wall, value))
        for tag, rows in by_tag.items():
            current = summary.get(tag)
            if current is not None and current["source"] != kind:
                if kind == "stdout":
                    continue  # the event files have this tag: they win
                series.remove(run_dir, tag)  # printed before the event files said it: replace
                out.dropped.append((run_id, tag))
                current = None
            if current is None:
                current = {"source": kind, "last": None, "min": None, "max": None, "step": None,
                           "wall_time": None, "count": 0}
            series.append(run_dir, tag, rows, current["count"])
            finite = [v for _s, _w, v in rows if math.isfinite(v)]
            if finite:
                low, high = min(finite), max(finite)
                current["min"] = low if current["min"] is None else min(current["min"], low)
                current["max"] = high if current["max"] is None else max(current["max"], high)
            step, wall, value = max(rows, key=lambda r: (r[0], r[1]))
            if current["step"] is None or (step, wall) >= (current["step"], current["wall_time"] or 0):
                current.update(last=_finite(value), step=int(step), wall_time=wall)
            current["count"] += len(rows)
            summary[tag] = current
            out.summaries.setdefault(run_id, {})[tag] = current

    # -- reads for the API -------------------------------------------------------------------
    def summaries(self, run_ids: list[str]) -> dict[str, dict[str, dict]]:
        """{run id: {tag: {last, min, max, step, count}}}: the API view of the runs' metrics."""
        return self.store.metric_views(run_ids)

    async def scalars(self, run: dict, tag: str, max_points: int) -> bytes:
        summary = self.store.metric_summaries([run["id"]])[run["id"]].get(tag)
        if summary is None:
            raise not_found(f"scalar tag {tag!r} of run {run['id']}")
        run_dir = self.projects.paths(run["project"]).run_dir(run["id"])
        cached = self.series.cached(run_dir, tag, summary["count"], max_points)
        if cached is not None:
            return cached  # a warm read: no file is touched, so no trip through a worker thread
        try:
            return await asyncio.to_thread(self.series.answer, run_dir, tag, summary["count"], max_points)
        except OSError as exc:
            raise BeekeeperError(500, f"the series of {tag!r} could not be read: {exc}") from None

    def on_forget(self, run_id: str, run_dir: Path) -> None:
        """A deleted run: drop its pids and cached series."""
        self._pids.pop(run_id, None)
        self._children.pop(run_id, None)
        self._drivers.pop(run_id, None)
        self.series.forget(run_dir)
