"""Scheduled runs over the real API on an injected clock: a schedule fires an ordinary run, skips
while its previous run is still active, survives a restart of the service (state only in SQLite)
and runs a fire missed while the server was down once if it is within schedule_grace; the
`beekeeper schedule` CLI drives the same routes."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from beekeeper_ext.schedules import ScheduleService
from runhelpers import wait_run

TRAIN_WAIT = """import pathlib, sys, time
go = pathlib.Path(sys.argv[1])
while not go.exists():
    time.sleep(0.05)
print("done", flush=True)
"""


class Clock:
    def __init__(self, stamp: str):
        self.set(stamp)

    def set(self, stamp: str) -> None:
        self.now = datetime.fromisoformat(stamp).replace(tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def bk_config():
    return {"schedule_interval": 3600.0}


@pytest.fixture
def clock(bk_app):
    clock = Clock("2026-12-01T01:59:00")
    bk_app.schedules.clock = clock
    return clock


async def test_fires_an_ordinary_run_and_skips_while_the_last_one_is_active(api, bk_app, clock, ready_project,
                                                                          tmp_path):
    await ready_project("nightly", {"train.py": TRAIN_WAIT})
    go = tmp_path / "go"
    code, schedule = await api.post("projects/nightly/schedules",
                                    {"cron": "0 2 * * *", "run": {"args": [str(go)], "env": {"MODE": "nightly"}}})
    assert code == 201, schedule
    assert schedule["next"] == ["2026-12-01T02:00:00.000Z", "2026-12-02T02:00:00.000Z", "2026-12-03T02:00:00.000Z"]
    assert schedule["timezone"] == "UTC" and schedule["enabled"] is True and schedule["fires"] == []
    assert await bk_app.schedules.tick() == []  # 01:59: nothing due

    clock.set("2026-12-01T02:00:30")
    [fire] = await bk_app.schedules.tick()
    assert fire["outcome"] == "fired" and fire["due"] == "2026-12-01T02:00:00.000Z"
    code, run = await api.get(f"runs/{fire['run_id']}")
    assert code == 200 and run["project"] == "nightly" and run["env_keys"] == ["MODE"]
    assert run["args"] == [str(go)]
    await wait_run(api, run["id"], states=("running",))
    assert await bk_app.schedules.tick() == []  # the same due time never fires twice

    clock.set("2026-12-02T02:00:10")
    [skip] = await bk_app.schedules.tick()
    assert skip["outcome"] == "skipped" and skip["run_id"] is None
    assert f"previous run {run['id']} is still running" in skip["message"]
    code, runs = await api.get("projects/nightly/runs")
    assert runs["total"] == 1  # no stacking

    go.touch()
    await wait_run(api, run["id"])
    clock.set("2026-12-03T02:00:05")
    [again] = await bk_app.schedules.tick()
    assert again["outcome"] == "fired" and again["run_id"] != run["id"]
    code, shown = await api.get(f"schedules/{schedule['id']}")
    assert [f["outcome"] for f in shown["fires"]] == ["fired", "skipped", "fired"]  # newest first
    assert shown["last_run_id"] == again["run_id"] and shown["next"][0] == "2026-12-04T02:00:00.000Z"
    await wait_run(api, again["run_id"])


async def test_time_zone_edit_disable_and_delete(api, bk_app, clock, ready_project):
    await ready_project("tz")
    code, schedule = await api.post("projects/tz/schedules", {"cron": "0 2 * * *", "timezone": "Europe/Berlin"})
    assert code == 201
    assert schedule["next"][0] == "2026-12-02T01:00:00.000Z"  # 02:00 in Berlin is 01:00 UTC in winter
    code, edited = await api.patch(f"schedules/{schedule['id']}", {"cron": "30 6 * * 1-5", "timezone": "UTC"})
    assert code == 200 and edited["next"][0] == "2026-12-01T06:30:00.000Z"  # a Tuesday
    code, paused = await api.patch(f"schedules/{schedule['id']}", {"enabled": False})
    assert paused["enabled"] is False and paused["next"] == []
    clock.set("2026-12-01T07:00:00")
    assert await bk_app.schedules.tick() == []
    code, listing = await api.get("schedules", params={"project": "tz"})
    assert [s["id"] for s in listing["schedules"]] == [schedule["id"]]
    code, _ = await api.delete(f"schedules/{schedule['id']}")
    assert code == 204
    code, _ = await api.get(f"schedules/{schedule['id']}")
    assert code == 404


@pytest.mark.parametrize("body, field", [
    ({}, "cron"),
    ({"cron": "61 * * * *"}, "cron"),
    ({"cron": "0 2 * * * *"}, "cron"),
    ({"cron": "0 2 * * *", "timezone": "Mars/Olympus"}, "timezone"),
    ({"cron": "0 2 * * *", "run": {"gpus": "many"}}, "run.gpus"),
    ({"cron": "0 2 * * *", "run": {"argv": []}}, "run.argv"),
    ({"cron": "0 2 * * *", "run": {"env": {"1X": "y"}}}, "run.env"),
    ({"cron": "0 2 * * *", "enabled": "yes"}, "enabled"),
    ({"cron": "0 2 * * *", "every": "day"}, "every"),
])
async def test_bad_schedules_are_refused_naming_the_field(api, ready_project, body, field):
    await ready_project("v")
    code, error = await api.post("projects/v/schedules", body)
    assert code == 400 and error["field"] == field, error
    code, listing = await api.get("projects/v/schedules")
    assert listing["schedules"] == []


async def test_schedules_survive_a_restart_and_a_missed_fire_runs_once_within_grace(api, bk_app, clock,
                                                                                    ready_project):
    await ready_project("hourly", {"train.py": "print('tick')\n"})
    clock.set("2026-12-01T10:30:00")
    code, schedule = await api.post("projects/hourly/schedules", {"cron": "0 * * * *"})
    assert code == 201

    async def restart(at: str, grace: float = 3600) -> list[dict]:
        """The server stops (nothing of the service survives but the database) and starts at `at`."""
        await bk_app.schedules.stop()
        clock.set(at)
        bk_app.schedules = ScheduleService(bk_app.store, bk_app.runs, bk_app.projects, clock=clock,
                                           parent=bk_app, grace=grace, interval=3600)
        await bk_app.schedules.start()
        code, shown = await api.get(f"schedules/{schedule['id']}")
        assert code == 200
        return shown["fires"]

    # Down from 10:30 to 11:20: the 11:00 fire is 20 minutes old, within the hour of grace.
    fires = await restart("2026-12-01T11:20:00")
    assert [f["outcome"] for f in fires] == ["fired"] and fires[0]["due"] == "2026-12-01T11:00:00.000Z"
    assert "1200 s late" in fires[0]["message"]
    await wait_run(api, fires[0]["run_id"])

    # Down until 14:30: 12:00, 13:00 and 14:00 passed; only the latest runs, once.
    fires = await restart("2026-12-01T14:30:00")
    assert [f["outcome"] for f in fires] == ["fired", "fired"] and fires[0]["due"] == "2026-12-01T14:00:00.000Z"
    assert "2 earlier fire(s) passed" in fires[0]["message"]
    await wait_run(api, fires[0]["run_id"])

    # Down until 17:15 with a 10-minute grace: the 17:00 fire is too old and is recorded as missed.
    fires = await restart("2026-12-01T17:15:00", grace=600)
    assert fires[0]["outcome"] == "missed" and fires[0]["run_id"] is None
    assert "more than schedule_grace (600 s)" in fires[0]["message"]
    code, runs = await api.get("projects/hourly/runs")
    assert runs["total"] == 2
    code, shown = await api.get(f"schedules/{schedule['id']}")
    assert shown["next"][0] == "2026-12-01T18:00:00.000Z"


async def test_cli_schedule_commands(api, bk_app, clock, ready_project, jp_serverapp):
    await ready_project("clip")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("BEEKEEPER_", "JUPYTER"))},
           "BEEKEEPER_URL": jp_serverapp.connection_url, "BEEKEEPER_TOKEN": jp_serverapp.identity_provider.token}
    cli = str(Path(sys.executable).parent / "beekeeper")

    async def run(*args):
        proc = await asyncio.create_subprocess_exec(cli, *args, env=env, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        return proc.returncode, out.decode(), err.decode()

    code, out, err = await run("schedule", "add", "clip", "--cron", "15 3 * * *", "--timezone", "UTC",
                               "--gpus", "0", "--env", "A=1", "--json", "--", "--epochs", "3")
    assert code == 0, err
    schedule = json.loads(out)
    assert schedule["run"] == {"args": ["--epochs", "3"], "env": {"A": "1"}, "gpus": 0}
    code, out, err = await run("schedule", "list")
    assert code == 0 and schedule["id"] in out and "15 3 * * *" in out and "2026-12-01T03:15:00.000Z" in out
    code, out, err = await run("schedule", "disable", schedule["id"])
    assert code == 0 and out.splitlines()[1].rstrip().endswith(" no")  # paused: no next time
    code, out, err = await run("schedule", "edit", schedule["id"], "--cron", "0 4 * * *", "--json")
    assert code == 0 and json.loads(out)["cron"] == "0 4 * * *"
    code, out, err = await run("schedule", "add", "clip", "--cron", "every day")
    assert code == 2 and "(cron)" in err
    code, out, err = await run("schedule", "rm", schedule["id"])
    assert code == 0
    code, out, err = await run("schedule", "show", schedule["id"])
    assert code == 2 and "not found" in err
