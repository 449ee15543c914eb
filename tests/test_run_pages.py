"""GET /runs pages of finished runs are kept as text until a row changes (RunService.list):
every way a row can change — this server's writes, another connection's commits, a run that is
still active — gives a fresh page, never a stale one. A real store; the run service without a
server (the page is what the handler sends as it is)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timezone

from beekeeper_ext.projects import ProjectPaths
from beekeeper_ext.runs import RunService
from beekeeper_ext.store import Store


class Projects:
    def __init__(self, home):
        self.home = home
        self.delete_guards, self.delete_hooks = [], []

    def paths(self, name: str) -> ProjectPaths:
        return ProjectPaths(self.home, name)


def stamp(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run_row(i: int, state: str = "succeeded") -> dict:
    t = time.time() - 3600 + i
    return {"id": f"r{i:03d}", "seq": i, "project": "p", "state": state, "executor": "local", "created": stamp(t),
            "started": stamp(t), "ended": stamp(t + 60) if state == "succeeded" else None, "args": [f"--lr={i}"],
            "params": {"lr": i}}


def page(runs: RunService, **query) -> dict:
    return json.loads(runs.list(**query))


async def test_a_kept_page_follows_every_change_of_its_rows(tmp_path):
    store = Store(tmp_path / "beekeeper.db")
    for i in range(1, 6):
        store.insert_run(run_row(i))
    runs = RunService(tmp_path, store, Projects(tmp_path), {})
    sort = ("metric", "loss", "min", False)
    first = runs.list(limit=3, sort=sort)
    assert runs.list(limit=3, sort=sort) is first  # kept: nothing changed
    assert [r["id"] for r in json.loads(first)["runs"]] == ["r005", "r004", "r003"]  # none has the metric yet

    store.insert_metric_rows([("r001", "loss", "events", 0.5, 0.1, 0.9, 10, time.time(), 11)])  # this connection
    body = page(runs, limit=3, sort=sort)
    assert [r["id"] for r in body["runs"]] == ["r001", "r005", "r004"]

    other = Store(tmp_path / "beekeeper.db")  # another connection (a second process) commits
    other.insert_metric_rows([("r002", "loss", "events", 0.2, 0.05, 0.3, 10, time.time(), 11)])
    other.close()
    body = page(runs, limit=3, sort=sort)
    assert [r["id"] for r in body["runs"][:2]] == ["r002", "r001"] and body["total"] == 5

    store.insert_run(run_row(6, state="running"))  # a page holding an active run is made each time
    assert runs.list(limit=3) is not runs.list(limit=3)
    assert page(runs, limit=3)["runs"][0]["id"] == "r006"
    await asyncio.sleep(0)
    store.close()
