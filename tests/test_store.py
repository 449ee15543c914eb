"""The SQLite store: versioned schema migrated from an empty file, WAL, 0600, JSON columns."""

from __future__ import annotations

import sqlite3
import stat

from beekeeper_ext.store import MIGRATIONS, Store


def test_fresh_database_is_migrated_wal_and_private(tmp_path):
    path = tmp_path / "home" / "beekeeper.db"
    store = Store(path)
    try:
        assert store.version == len(MIGRATIONS)
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"projects", "runs"} <= tables
        store.insert_project(project_row("p"))
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                assert stat.S_IMODE(side.stat().st_mode) == 0o600, side
    finally:
        store.close()


def test_existing_empty_file_is_migrated_and_tightened(tmp_path):
    """An empty db file (e.g. created by hand, world-readable) becomes the current schema, 0600."""
    path = tmp_path / "beekeeper.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    store = Store(path)
    try:
        assert store.version == len(MIGRATIONS)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        store.close()


def test_reopen_keeps_rows_and_does_not_remigrate(tmp_path):
    path = tmp_path / "beekeeper.db"
    store = Store(path)
    store.insert_project(project_row("keep", credentials={"username": "u", "token": "t"}))
    store.close()
    store = Store(path)
    try:
        row = store.get_project("keep")
        assert row["credentials"] == {"username": "u", "token": "t"}
        assert row["env"] == {"A": "1"} and row["packages"] == ["x==1"]
        assert store.version == len(MIGRATIONS)
    finally:
        store.close()


def test_partial_migration_rolls_back(tmp_path, monkeypatch):
    """A failing migration leaves the previous version intact rather than a half schema."""
    path = tmp_path / "beekeeper.db"
    Store(path).close()
    broken = MIGRATIONS + ["CREATE TABLE extra (x INTEGER); THIS IS NOT SQL"]
    monkeypatch.setattr("beekeeper_ext.store.MIGRATIONS", broken)
    try:
        Store(path)
    except sqlite3.Error:
        pass
    else:
        raise AssertionError("the broken migration should fail")
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("SELECT name FROM sqlite_master WHERE name='extra'").fetchone() is None
    finally:
        db.close()


def test_delete_project_removes_its_runs(tmp_path):
    store = Store(tmp_path / "beekeeper.db")
    try:
        store.insert_project(project_row("a"))
        store.insert_project(project_row("b"))
        for i, project in enumerate(["a", "a", "b"], start=1):
            store.insert_run({"id": f"{project}-{i}", "seq": i, "project": project, "state": "succeeded",
                              "executor": "local", "created": "2026-01-01T00:00:00.000Z"})
        store.delete_project("a")
        assert store.get_project("a") is None
        assert [r["id"] for r in store.list_runs()] == ["b-3"]
    finally:
        store.close()


def project_row(name: str, **extra) -> dict:
    return {"name": name, "git_url": "file:///x.git", "branch": "main", "train_file": "train.py",
            "tensorboard_log_dir": "runs", "requirements_file": "requirements.txt", "env": {"A": "1"},
            "setup_state": "ready", "packages": ["x==1"], "created": "2026-01-01T00:00:00.000Z",
            "updated": "2026-01-01T00:00:00.000Z", **extra}
