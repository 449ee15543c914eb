"""SQLite storage: the single place that knows tables and SQL.

One connection in WAL mode, used from the event-loop thread only (each statement is a
few hundred microseconds, so it never stalls the loop). The schema is versioned with
`PRAGMA user_version`; later changes append a migration to MIGRATIONS. The database
file is created with mode 0600 because it holds repository credentials; SQLite gives
its -wal and -shm files the same mode.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from .jsontext import loads

# Each entry migrates from version i to i+1. Never edit a released entry: append.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE projects (
        name TEXT PRIMARY KEY,
        git_url TEXT NOT NULL,
        branch TEXT NOT NULL,
        python_version TEXT,
        python_path TEXT,
        python_resolved TEXT,
        train_file TEXT NOT NULL,
        tensorboard_log_dir TEXT NOT NULL,
        requirements_file TEXT NOT NULL,
        env TEXT NOT NULL DEFAULT '{}',
        credentials TEXT,
        default_executor TEXT,
        setup_state TEXT NOT NULL,
        setup_message TEXT,
        setup_warning TEXT,
        setup_started TEXT,
        setup_ended TEXT,
        commit_sha TEXT,
        packages TEXT NOT NULL DEFAULT '[]',
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        project TEXT NOT NULL,
        state TEXT NOT NULL,
        executor TEXT NOT NULL,
        command TEXT NOT NULL DEFAULT '[]',
        args TEXT NOT NULL DEFAULT '[]',
        env TEXT NOT NULL DEFAULT '{}',
        gpus_requested TEXT,
        gpus TEXT NOT NULL DEFAULT '[]',
        allow_parallel INTEGER NOT NULL DEFAULT 0,
        resources TEXT NOT NULL DEFAULT '{}',
        commit_sha TEXT,
        host TEXT,
        pid INTEGER,
        pid_start_time REAL,
        external_id TEXT,
        mode TEXT,
        exit_code INTEGER,
        message TEXT,
        log_size INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        started TEXT,
        ended TEXT
    );
    CREATE INDEX runs_project ON runs(project, seq DESC);
    CREATE INDEX runs_state ON runs(state, seq);
    """,
    # Unattended training (notifications, stall watchdog, schedules, energy per run).
    """
    CREATE TABLE notification_sinks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        config TEXT NOT NULL DEFAULT '{}',
        events TEXT NOT NULL DEFAULT '[]',
        enabled INTEGER NOT NULL DEFAULT 1,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE notification_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sink_id TEXT NOT NULL,
        sink_name TEXT,
        kind TEXT,
        event TEXT NOT NULL,
        project TEXT,
        run_id TEXT,
        attempt INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        status INTEGER,
        error TEXT,
        created TEXT NOT NULL
    );
    CREATE TABLE schedules (
        id TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        cron TEXT NOT NULL,
        timezone TEXT NOT NULL,
        run_spec TEXT NOT NULL DEFAULT '{}',
        enabled INTEGER NOT NULL DEFAULT 1,
        last_due TEXT,
        last_run_id TEXT,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE schedule_fires (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        schedule_id TEXT NOT NULL,
        due TEXT NOT NULL,
        fired TEXT NOT NULL,
        outcome TEXT NOT NULL,
        run_id TEXT,
        message TEXT
    );
    CREATE INDEX schedule_fires_schedule ON schedule_fires(schedule_id, id DESC);
    CREATE TABLE run_energy (
        run_id TEXT PRIMARY KEY,
        gpu_wh REAL,
        cpu_wh REAL,
        gpu_reason TEXT,
        cpu_reason TEXT,
        samples INTEGER NOT NULL DEFAULT 0,
        updated TEXT NOT NULL
    );
    ALTER TABLE runs ADD COLUMN stalled_since TEXT;
    ALTER TABLE projects ADD COLUMN stall_timeout INTEGER;
    ALTER TABLE projects ADD COLUMN stall_action TEXT
    """,
    # The queue under control: a run's priority (higher first) and its place within a priority
    # (`queue_order`, FIFO by default; POST /runs/{id}/move renumbers it).
    """
    ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN queue_order INTEGER;
    UPDATE runs SET queue_order = seq
    """,
    # Sweeps: the sweep record (its normalized spec, best trial so far, trials the median rule
    # stopped) and, on each trial run, its sweep and the params the sweep gave it.
    """
    CREATE TABLE sweeps (
        id TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        state TEXT NOT NULL,
        spec TEXT NOT NULL,
        trial_count INTEGER NOT NULL,
        best_run TEXT,
        best_value REAL,
        early_stopped TEXT NOT NULL DEFAULT '[]',
        message TEXT,
        created TEXT NOT NULL,
        ended TEXT,
        updated TEXT NOT NULL
    );
    CREATE INDEX sweeps_project ON sweeps(project, created);
    ALTER TABLE runs ADD COLUMN sweep TEXT;
    ALTER TABLE runs ADD COLUMN sweep_params TEXT;
    CREATE INDEX runs_sweep ON runs(sweep, seq)
    """,
    # Experiments: a run's params (from its args, for SQL sorting), a summary per scalar tag (the
    # full series lives in the run folder), and where reading each event file or log stopped.
    """
    ALTER TABLE runs ADD COLUMN params TEXT;
    ALTER TABLE projects ADD COLUMN metric_patterns TEXT;
    CREATE TABLE run_metrics (
        run_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        source TEXT NOT NULL,
        last REAL,
        min REAL,
        max REAL,
        step INTEGER,
        wall_time REAL,
        count INTEGER NOT NULL,
        PRIMARY KEY (run_id, tag)
    );
    CREATE INDEX run_metrics_tag_last ON run_metrics(tag, last);
    CREATE INDEX run_metrics_tag_min ON run_metrics(tag, min);
    CREATE INDEX run_metrics_tag_max ON run_metrics(tag, max);
    CREATE TABLE run_sources (
        path TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        run_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        offset INTEGER NOT NULL DEFAULT 0,
        cursor TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX run_sources_project ON run_sources(project);
    CREATE INDEX run_sources_run ON run_sources(run_id);
    """,
    # Run lists across projects, newest first, walk this instead of sorting every run.
    """
    CREATE INDEX runs_seq ON runs(seq)
    """,
    # Real repositories (issue 12): entry points, the remote's default branch, how dependencies
    # are installed, run presets. branch '' = the remote's default; branch_resolved = the one used.
    """
    ALTER TABLE projects ADD COLUMN branch_resolved TEXT;
    ALTER TABLE projects ADD COLUMN install TEXT;
    ALTER TABLE projects ADD COLUMN install_used TEXT;
    ALTER TABLE projects ADD COLUMN extra_packages TEXT;
    ALTER TABLE projects ADD COLUMN torch_backend TEXT;
    ALTER TABLE projects ADD COLUMN default_run TEXT;
    ALTER TABLE projects ADD COLUMN presets TEXT;
    ALTER TABLE runs ADD COLUMN notebook TEXT;
    ALTER TABLE runs ADD COLUMN preset TEXT
    """,
]

# Columns stored as JSON text, decoded on read.
JSON_COLUMNS = {"env", "credentials", "packages", "command", "args", "gpus", "gpus_requested", "resources",
                "config", "events", "run_spec", "spec", "early_stopped", "sweep_params", "params",
                "metric_patterns", "cursor", "extra_packages", "default_run", "presets"}
METRIC_STATS = ("last", "min", "max")
# A param sort falls back to these run columns when the args did not name the param.
PARAM_COLUMNS = {"commit": "commit_sha", "executor": "executor", "gpus": "gpus"}


def now() -> str:
    """UTC timestamp in ISO 8601 with milliseconds and a Z, the API's one time format."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    """Rows in, dicts out. Services own meaning; this module owns SQL."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.migrate()

    # -- schema -----------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        current = self.version
        for index, script in enumerate(MIGRATIONS[current:], start=current):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, script.split(";")):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {index + 1}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    @property
    def generation(self) -> tuple[int, int]:
        """Moves whenever a row does: rows this connection changed (total_changes) and commits of
        other connections (data_version), so an answer kept by it is never stale."""
        return self.db.total_changes, self.db.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _encode(fields: dict[str, Any]) -> dict[str, Any]:
        return {
            k: (json.dumps(v) if k in JSON_COLUMNS and v is not None else v) for k, v in fields.items()
        }

    @staticmethod
    def _decode(row: sqlite3.Row | None) -> dict | None:
        if row is None:
            return None
        out = dict(row)
        for key in JSON_COLUMNS & out.keys():
            if out[key] is not None:
                out[key] = loads(out[key])
        return out

    def _rows(self, sql: str, params: Iterable = ()) -> list[dict]:
        """Decoded rows of a query that returns many (a page of runs): plain tuples and the JSON
        columns found once per query, about twice as fast as decoding sqlite3.Row one by one."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        cursor.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        coded = [(i, name) for i, name in enumerate(names) if name in JSON_COLUMNS]
        out = []
        for values in cursor:
            row = dict(zip(names, values))
            for i, name in coded:
                if values[i] is not None:
                    row[name] = loads(values[i])
            out.append(row)
        return out

    def _insert(self, table: str, fields: dict[str, Any]) -> None:
        fields = self._encode(fields)
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        self.db.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(fields.values()))

    def _update(self, table: str, key: str, value: str, fields: dict[str, Any]) -> None:
        if not fields:
            return
        fields = self._encode(fields)
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE {table} SET {sets} WHERE {key} = ?", [*fields.values(), value])

    # -- projects ---------------------------------------------------------------------------
    def insert_project(self, fields: dict[str, Any]) -> None:
        self._insert("projects", fields)

    def update_project(self, name: str, **fields: Any) -> None:
        fields.setdefault("updated", now())
        self._update("projects", "name", name, fields)

    def get_project(self, name: str) -> dict | None:
        return self._decode(self.db.execute("SELECT * FROM projects WHERE name = ?", (name,)).fetchone())

    def list_projects(self) -> list[dict]:
        rows = self.db.execute("SELECT * FROM projects ORDER BY name COLLATE NOCASE")
        return [self._decode(r) for r in rows]

    def delete_project(self, name: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DELETE FROM run_energy WHERE run_id IN (SELECT id FROM runs WHERE project = ?)", (name,))
        self.db.execute("DELETE FROM schedule_fires WHERE schedule_id IN "
                        "(SELECT id FROM schedules WHERE project = ?)", (name,))
        self.db.execute("DELETE FROM schedules WHERE project = ?", (name,))
        self.db.execute("DELETE FROM sweeps WHERE project = ?", (name,))
        self.db.execute("DELETE FROM run_metrics WHERE run_id IN (SELECT id FROM runs WHERE project = ?)", (name,))
        self.db.execute("DELETE FROM run_sources WHERE project = ?", (name,))
        self.db.execute("DELETE FROM runs WHERE project = ?", (name,))
        self.db.execute("DELETE FROM projects WHERE name = ?", (name,))
        self.db.execute("COMMIT")

    # -- runs -------------------------------------------------------------------------------
    def next_run_seq(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM runs").fetchone()[0]

    def insert_run(self, fields: dict[str, Any]) -> None:
        self._insert("runs", fields)

    def insert_runs(self, rows: list[dict[str, Any]]) -> None:
        """Many runs in one transaction (a sweep's trials): all of them or none."""
        if not rows:
            return
        encoded = [self._encode(r) for r in rows]
        cols = list(encoded[0])
        sql = f"INSERT INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(sql, [[r[c] for c in cols] for r in encoded])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def sweep_runs(self, sweep_id: str) -> list[dict]:
        """A sweep's trials in trial order."""
        rows = self.db.execute("SELECT * FROM runs WHERE sweep = ? ORDER BY seq", (sweep_id,))
        return [self._decode(r) for r in rows]

    def sweep_states(self, sweep_ids: list[str]) -> dict[str, dict[str, int]]:
        """{sweep id: {run state: count}}."""
        out: dict[str, dict[str, int]] = {s: {} for s in sweep_ids}
        if not sweep_ids:
            return out
        marks = ", ".join("?" for _ in sweep_ids)
        for row in self.db.execute(f"SELECT sweep, state, COUNT(*) AS n FROM runs WHERE sweep IN ({marks}) "
                                   "GROUP BY sweep, state", sweep_ids):
            out[row["sweep"]][row["state"]] = row["n"]
        return out

    def delete_runs(self, run_ids: list[str]) -> None:
        """Rows only (a stopped sweep's queued trials); their folders are the caller's."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("DELETE FROM runs WHERE id = ?", [(i,) for i in run_ids])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def update_run(self, run_id: str, **fields: Any) -> None:
        self._update("runs", "id", run_id, fields)

    def get_run(self, run_id: str) -> dict | None:
        return self._decode(self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone())

    @staticmethod
    def _where(project: str | None, states: Iterable[str] | None, sweep: str | None = None) -> tuple[str, list]:
        sql, params = " WHERE 1=1", []
        if project is not None:
            sql += " AND runs.project = ?"
            params.append(project)
        if sweep is not None:
            sql += " AND runs.sweep = ?"
            params.append(sweep)
        if states:
            states = list(states)
            sql += f" AND runs.state IN ({', '.join('?' for _ in states)})"
            params.extend(states)
        return sql, params

    def list_runs(
        self,
        project: str | None = None,
        states: Iterable[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        oldest_first: bool = False,
        sort: tuple[str, str, str, bool] | None = None,
        sweep: str | None = None,
    ) -> list[dict]:
        """`sort` is (kind, key, stat, descending): ("created", "", "", True), ("metric", tag, "min",
        False) or ("param", name, "", False). Runs without the metric or param come last. `sweep`
        keeps one sweep's trials."""
        if sort is not None and sort[0] == "metric":
            return self._runs_by_metric(project, states, limit, offset, *sort[1:], sweep=sweep)
        where, params = self._where(project, states, sweep)
        sql, order = "SELECT runs.* FROM runs", "runs.seq " + ("ASC" if oldest_first else "DESC")
        if sort is not None:
            kind, key, stat, descending = sort
            direction = "DESC" if descending else "ASC"
            if kind == "created":
                order = f"runs.seq {direction}"
            elif kind == "param":
                path = '$."' + key.replace('\\', '\\\\').replace('"', '\\"') + '"'
                value = "json_extract(runs.params, ?)"
                if key in PARAM_COLUMNS:
                    value = f"COALESCE({value}, runs.{PARAM_COLUMNS[key]})"
                order = f"{value} IS NULL, {value} {direction}, runs.seq DESC"
                params = [*params, path, path]
            else:
                raise ValueError(kind)
        sql += where + " ORDER BY " + order
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([limit, offset])
        return self._rows(sql, params)

    def _runs_by_metric(self, project, states, limit, offset, tag: str, stat: str, descending: bool,
                        sweep: str | None = None) -> list[dict]:
        """Runs with the metric in its order (walking the run_metrics (tag, stat) index, so a page
        costs its own rows, not a sort of every run), then the runs without it, newest first."""
        if stat not in METRIC_STATS:
            raise ValueError(stat)
        where, params = self._where(project, states, sweep)
        direction = "DESC" if descending else "ASC"
        # A project's (or a sweep's) runs are few: sort them instead of walking every run's metric.
        if project is not None or sweep is not None:
            sql = (f"SELECT runs.* FROM runs LEFT JOIN run_metrics m ON m.run_id = runs.id AND m.tag = ?{where}"
                   f" ORDER BY m.{stat} IS NULL, m.{stat} {direction}, runs.seq DESC")
            params.insert(0, tag)
            if limit is not None:
                sql += " LIMIT ? OFFSET ?"
                params += [limit, offset]
            return self._rows(sql, params)
        having = f" AND m.tag = ? AND m.{stat} IS NOT NULL"
        joined = "FROM run_metrics m CROSS JOIN runs ON runs.id = m.run_id" + where + having
        page = [*params, tag]
        sql = f"SELECT runs.* {joined} ORDER BY m.{stat} {direction}, runs.seq DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            page += [limit, offset]
        rows = self._rows(sql, page)
        if limit is not None and len(rows) >= limit:
            return rows
        with_metric = offset + len(rows) if rows else self.db.execute(
            f"SELECT COUNT(*) {joined}", [*params, tag]).fetchone()[0]
        missing = (f"SELECT runs.* FROM runs{where} AND NOT EXISTS (SELECT 1 FROM run_metrics m WHERE "
                   f"m.run_id = runs.id{having}) ORDER BY runs.seq DESC")
        rest = [*params, tag]
        if limit is not None:
            missing += " LIMIT ? OFFSET ?"
            rest += [limit - len(rows), max(0, offset - with_metric)]
        return rows + self._rows(missing, rest)

    def queued_runs(self) -> list[dict]:
        """The queue in start order: higher priority first, then queue_order (FIFO unless moved)."""
        return self._rows("SELECT * FROM runs WHERE state = 'queued' "
                          "ORDER BY priority DESC, COALESCE(queue_order, seq), seq")

    def reorder_queue(self, order: list[tuple[str, int]]) -> None:
        """Rewrite the queue in one transaction: (run id, priority) pairs in their new start order."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("UPDATE runs SET priority = ?, queue_order = ? WHERE id = ? AND state = 'queued'",
                                [(priority, index, run_id) for index, (run_id, priority) in enumerate(order, 1)])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def count_runs(self, project: str | None = None, states: Iterable[str] | None = None,
                   sweep: str | None = None) -> int:
        where, params = self._where(project, states, sweep)
        return self.db.execute("SELECT COUNT(*) FROM runs" + where, params).fetchone()[0]

    def delete_run(self, run_id: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DELETE FROM run_metrics WHERE run_id = ?", (run_id,))
        self.db.execute("DELETE FROM run_sources WHERE run_id = ?", (run_id,))
        self.db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        self.db.execute("DELETE FROM run_energy WHERE run_id = ?", (run_id,))
        self.db.execute("COMMIT")

    # -- sweeps -----------------------------------------------------------------------------
    def insert_sweep(self, fields: dict[str, Any]) -> None:
        self._insert("sweeps", fields)

    def update_sweep(self, sweep_id: str, **fields: Any) -> None:
        fields.setdefault("updated", now())
        self._update("sweeps", "id", sweep_id, fields)

    def get_sweep(self, sweep_id: str) -> dict | None:
        return self._decode(self.db.execute("SELECT * FROM sweeps WHERE id = ?", (sweep_id,)).fetchone())

    def list_sweeps(self, project: str | None = None, states: Iterable[str] | None = None) -> list[dict]:
        sql, params = "SELECT * FROM sweeps WHERE 1=1", []
        if project is not None:
            sql += " AND project = ?"
            params.append(project)
        if states:
            states = list(states)
            sql += f" AND state IN ({', '.join('?' for _ in states)})"
            params.extend(states)
        return [self._decode(r) for r in self.db.execute(sql + " ORDER BY created DESC, id DESC", params)]

    def delete_sweep(self, sweep_id: str) -> None:
        self.db.execute("DELETE FROM sweeps WHERE id = ?", (sweep_id,))

    # -- notifications ----------------------------------------------------------------------
    def insert_sink(self, fields: dict[str, Any]) -> None:
        self._insert("notification_sinks", fields)

    def update_sink(self, sink_id: str, **fields: Any) -> None:
        fields.setdefault("updated", now())
        self._update("notification_sinks", "id", sink_id, fields)

    def get_sink(self, sink_id: str) -> dict | None:
        row = self.db.execute("SELECT * FROM notification_sinks WHERE id = ?", (sink_id,)).fetchone()
        return self._decode(row)

    def list_sinks(self) -> list[dict]:
        return [self._decode(r) for r in self.db.execute("SELECT * FROM notification_sinks ORDER BY created")]

    def delete_sink(self, sink_id: str) -> None:
        self.db.execute("DELETE FROM notification_sinks WHERE id = ?", (sink_id,))

    def insert_delivery(self, fields: dict[str, Any], keep: int = 5000) -> int:
        """One delivery attempt; only the newest `keep` attempts are kept."""
        self._insert("notification_deliveries", fields)
        last = self.db.execute("SELECT last_insert_rowid()").fetchone()[0]
        if last % 100 == 0:
            self.db.execute("DELETE FROM notification_deliveries WHERE id <= ?", (last - keep,))
        return last

    def list_deliveries(self, sink_id: str | None = None, limit: int = 100) -> list[dict]:
        sql, params = "SELECT * FROM notification_deliveries WHERE 1=1", []
        if sink_id is not None:
            sql += " AND sink_id = ?"
            params.append(sink_id)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [self._decode(r) for r in self.db.execute(sql, params)]

    # -- schedules --------------------------------------------------------------------------
    def insert_schedule(self, fields: dict[str, Any]) -> None:
        self._insert("schedules", fields)

    def update_schedule(self, schedule_id: str, **fields: Any) -> None:
        fields.setdefault("updated", now())
        self._update("schedules", "id", schedule_id, fields)

    def get_schedule(self, schedule_id: str) -> dict | None:
        return self._decode(self.db.execute("SELECT * FROM schedules WHERE id = ?", (schedule_id,)).fetchone())

    def list_schedules(self, project: str | None = None) -> list[dict]:
        if project is None:
            rows = self.db.execute("SELECT * FROM schedules ORDER BY created")
        else:
            rows = self.db.execute("SELECT * FROM schedules WHERE project = ? ORDER BY created", (project,))
        return [self._decode(r) for r in rows]

    def delete_schedule(self, schedule_id: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DELETE FROM schedule_fires WHERE schedule_id = ?", (schedule_id,))
        self.db.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
        self.db.execute("COMMIT")

    def insert_fire(self, fields: dict[str, Any]) -> None:
        self._insert("schedule_fires", fields)

    def list_fires(self, schedule_id: str, limit: int = 20) -> list[dict]:
        rows = self.db.execute("SELECT * FROM schedule_fires WHERE schedule_id = ? ORDER BY id DESC LIMIT ?",
                               (schedule_id, limit))
        return [self._decode(r) for r in rows]

    # -- energy -----------------------------------------------------------------------------
    def get_energies(self, run_ids: list[str]) -> dict[str, dict]:
        if not run_ids:
            return {}
        marks = ", ".join("?" for _ in run_ids)
        rows = self.db.execute(f"SELECT * FROM run_energy WHERE run_id IN ({marks})", list(run_ids))
        return {r["run_id"]: self._decode(r) for r in rows}

    def put_energies(self, rows: dict[str, dict[str, Any]]) -> None:
        """Many runs' energy sums in one transaction (one WAL commit per sample, not one per run)."""
        if not rows:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for run_id, fields in rows.items():
                self.put_energy(run_id, **fields)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def put_energy(self, run_id: str, **fields: Any) -> None:
        fields = {"run_id": run_id, **fields, "updated": now()}
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        sets = ", ".join(f"{k} = excluded.{k}" for k in fields if k != "run_id")
        self.db.execute(f"INSERT INTO run_energy ({cols}) VALUES ({marks}) "
                        f"ON CONFLICT(run_id) DO UPDATE SET {sets}", list(fields.values()))

    def runs_without_params(self) -> list[dict]:
        rows = self.db.execute("SELECT id, args FROM runs WHERE params IS NULL")
        return [self._decode(r) for r in rows]

    # -- run metrics ------------------------------------------------------------------------
    def metric_summaries(self, run_ids: list[str]) -> dict[str, dict[str, dict]]:
        """{run_id: {tag: {last, min, max, step, count, wall_time, source}}} for these runs."""
        out: dict[str, dict[str, dict]] = {run_id: {} for run_id in run_ids}
        cursor = self.db.cursor()
        cursor.row_factory = None  # plain tuples: a page of runs carries hundreds of these rows
        for start in range(0, len(run_ids), 500):
            chunk = run_ids[start:start + 500]
            rows = cursor.execute("SELECT run_id, tag, last, min, max, step, count, wall_time, source FROM "
                                  f"run_metrics WHERE run_id IN ({', '.join('?' for _ in chunk)})", chunk)
            for run_id, tag, last, low, high, step, count, wall_time, source in rows:
                out[run_id][tag] = {"last": last, "min": low, "max": high, "step": step, "count": count,
                                    "wall_time": wall_time, "source": source}
        return out

    def run_windows(self, project: str, limit: int) -> list[dict]:
        """A project's newest runs with what claiming event files needs (no JSON columns): a
        metrics pass asks for this on every project with a running run, and at start-up."""
        return self._rows("SELECT id, project, executor, state, pid, pid_start_time, mode, host, started, ended "
                          "FROM runs WHERE project = ? ORDER BY seq DESC LIMIT ?", (project, limit))

    def metric_views(self, run_ids: list[str]) -> dict[str, dict[str, dict]]:
        """{run_id: {tag: {last, min, max, step, count}}}, tags in order: the API's shape, built
        straight from the rows (a page of 100 runs carries 500 of them and more). JSON-safe: min
        and max never hold NaN or infinities, and `last` is stored as null when it was one."""
        out: dict[str, dict[str, dict]] = {run_id: {} for run_id in run_ids}
        cursor = self.db.cursor()
        cursor.row_factory = None
        for start in range(0, len(run_ids), 500):
            chunk = run_ids[start:start + 500]
            rows = cursor.execute("SELECT run_id, tag, last, min, max, step, count FROM run_metrics WHERE run_id IN "
                                  f"({', '.join('?' for _ in chunk)}) ORDER BY run_id, tag", chunk)
            for run_id, tag, last, low, high, step, count in rows:
                out[run_id][tag] = {"last": last, "min": low, "max": high, "step": step, "count": count}
        return out

    def metric_sources(self, project: str) -> dict[str, dict]:
        rows = self.db.execute("SELECT * FROM run_sources WHERE project = ?", (project,))
        return {r["path"]: self._decode(r) for r in rows}

    def save_metrics(self, sources: list[dict], summaries: dict[str, dict[str, dict]],
                     dropped: list[tuple[str, str]] = ()) -> None:
        """One transaction: where reading stopped and the summaries that reading produced, so a
        restart resumes exactly (the series files are cut back to `count` points)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for run_id, tag in dropped:
                self.db.execute("DELETE FROM run_metrics WHERE run_id = ? AND tag = ?", (run_id, tag))
            for src in sources:
                self.db.execute(
                    "INSERT INTO run_sources (path, project, run_id, kind, offset, cursor) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT(path) DO UPDATE SET offset = excluded.offset, cursor = excluded.cursor",
                    (src["path"], src["project"], src["run_id"], src["kind"], src["offset"],
                     json.dumps(src.get("cursor") or {})))
            for run_id, tags in summaries.items():
                for tag, m in tags.items():
                    self.db.execute(
                        "INSERT OR REPLACE INTO run_metrics (run_id, tag, source, last, min, max, step, wall_time,"
                        " count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (run_id, tag, m["source"], m["last"], m["min"], m["max"], m["step"], m["wall_time"],
                         m["count"]))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def insert_metric_rows(self, rows: list[tuple]) -> None:
        """Bulk summaries (benchmarks, imports): (run_id, tag, source, last, min, max, step, wall_time, count)."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT OR REPLACE INTO run_metrics (run_id, tag, source, last, min, max, step,"
                            " wall_time, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self.db.execute("COMMIT")
