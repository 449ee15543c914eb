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
]

# Columns stored as JSON text, decoded on read.
JSON_COLUMNS = {"env", "credentials", "packages", "command", "args", "gpus", "gpus_requested", "resources"}


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
                out[key] = json.loads(out[key])
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
        self.db.execute("DELETE FROM runs WHERE project = ?", (name,))
        self.db.execute("DELETE FROM projects WHERE name = ?", (name,))
        self.db.execute("COMMIT")

    # -- runs -------------------------------------------------------------------------------
    def next_run_seq(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM runs").fetchone()[0]

    def insert_run(self, fields: dict[str, Any]) -> None:
        self._insert("runs", fields)

    def update_run(self, run_id: str, **fields: Any) -> None:
        self._update("runs", "id", run_id, fields)

    def get_run(self, run_id: str) -> dict | None:
        return self._decode(self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone())

    def list_runs(
        self,
        project: str | None = None,
        states: Iterable[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        oldest_first: bool = False,
    ) -> list[dict]:
        sql, params = "SELECT * FROM runs WHERE 1=1", []
        if project is not None:
            sql += " AND project = ?"
            params.append(project)
        if states:
            states = list(states)
            sql += f" AND state IN ({', '.join('?' for _ in states)})"
            params.extend(states)
        sql += " ORDER BY seq " + ("ASC" if oldest_first else "DESC")
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([limit, offset])
        return [self._decode(r) for r in self.db.execute(sql, params)]

    def count_runs(self, project: str | None = None, states: Iterable[str] | None = None) -> int:
        sql, params = "SELECT COUNT(*) FROM runs WHERE 1=1", []
        if project is not None:
            sql += " AND project = ?"
            params.append(project)
        if states:
            states = list(states)
            sql += f" AND state IN ({', '.join('?' for _ in states)})"
            params.extend(states)
        return self.db.execute(sql, params).fetchone()[0]

    def delete_run(self, run_id: str) -> None:
        self.db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
