"""Scheduled runs: a cron expression and a run body; firing makes an ordinary run.

Cron parsing and iteration are croniter's (a well-kept library; never a hand-written parser),
evaluated in the schedule's IANA time zone so "0 2 * * *" means 02:00 where the user lives,
daylight-saving changes included. Each schedule remembers the last due time it handled
(`last_due`), so the next due time is always "the first cron time after that" — which is what
makes schedules survive restarts: after a restart the first check finds the due times that
passed while the server was down, runs the latest one once if it is less than `schedule_grace`
seconds old, and records it as missed otherwise. A schedule whose previous run is still active
skips that fire (recorded) instead of stacking runs. Every outcome is a `schedule_fires` row.

`clock` (→ an aware UTC datetime) is injectable: tests move it and call `tick()`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import datetime, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from croniter import croniter
from traitlets import Float
from traitlets.config import LoggingConfigurable

from .background import PeriodicTask
from .errors import BeekeeperError, found
from .models.base import parse as parse_body
from .models.schedule import Schedule, ScheduleCreate, ScheduleFire, ScheduleUpdate
from .store import now as stamp_now

log = logging.getLogger("beekeeper.schedules")

NEXT_COUNT = 3
MAX_CATCH_UP = 100_000  # due times walked through after a long downtime before giving up


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class ScheduleService(LoggingConfigurable):
    """Schedules over the API, and the periodic check that fires what came due."""

    grace = Float(3600.0, help="A scheduled fire missed while the server was down still runs at start-up if it "
                               "is at most this many seconds old; older ones are recorded as missed "
                               "(also c.BeekeeperApp.schedule_grace).").tag(config=True)
    interval = Float(10.0, help="Seconds between checks for schedules that came due "
                                "(also c.BeekeeperApp.schedule_interval).").tag(config=True)

    def __init__(self, store, runs, projects, clock: Callable[[], datetime] = utcnow, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.runs = runs
        self.projects = projects
        self.clock = clock
        self._lock = asyncio.Lock()
        self._ticker = PeriodicTask("schedules", self.tick, lambda: self.interval, log=log, delay_first=True)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Handle what came due while the server was down (grace rule), then check periodically."""
        await self.tick()
        self._ticker.start()

    async def stop(self) -> None:
        await self._ticker.stop()

    # -- validation ---------------------------------------------------------------------------
    def _validate(self, project: dict, body: dict, current: dict | None) -> dict:
        """The store's fields from a create body, or from a PATCH (current given: only what it sends)."""
        model = ScheduleCreate if current is None else ScheduleUpdate
        parsed = parse_body(model, body)
        given = set(model.model_fields) if current is None else parsed.model_fields_set
        out: dict[str, Any] = {k: getattr(parsed, k) for k in given & {"cron", "timezone"}}
        if "run" in given:
            out["run_spec"] = self._run_spec(project, parsed.run.model_dump(exclude_unset=True))
        if "enabled" in given:
            out["enabled"] = int(parsed.enabled)
        return out

    def _run_spec(self, project: dict, spec: dict) -> dict:
        """The run body checked against the project as POST /runs would check it now."""
        try:
            self.runs.validate_body(project, spec)
        except BeekeeperError as exc:
            if exc.field and exc.field != "body":
                exc.field = f"run.{exc.field}"
            raise
        return spec

    # -- reads --------------------------------------------------------------------------------
    def row(self, schedule_id: str) -> dict:
        return found(self.store.get_schedule, "schedule", schedule_id)

    def get(self, schedule_id: str) -> dict:
        return self.render(self.row(schedule_id))

    def list(self, project: str | None = None) -> dict:
        if project is not None:
            self.projects.row(project)
        return {"schedules": [self.render(r) for r in self.store.list_schedules(project)]}  # each a models.Schedule

    def render(self, row: dict) -> dict:
        upcoming = []
        if row["enabled"]:
            it = croniter(row["cron"], max(self._base(row), self.clock()).astimezone(ZoneInfo(row["timezone"])))
            upcoming = [iso(it.get_next(datetime)) for _ in range(NEXT_COUNT)]
        return Schedule(id=row["id"], project=row["project"], cron=row["cron"], timezone=row["timezone"],
                        run=row["run_spec"], enabled=bool(row["enabled"]), next=upcoming, last_due=row["last_due"],
                        last_run_id=row["last_run_id"], created=row["created"], updated=row["updated"],
                        fires=[{k: f[k] for k in ScheduleFire.model_fields}
                               for f in self.store.list_fires(row["id"])]).dump()

    # -- writes -------------------------------------------------------------------------------
    def create(self, name: str, body: dict) -> dict:
        project = self.projects.row(name)
        fields = self._validate(project, body, None)
        schedule_id = secrets.token_hex(4)
        stamp = stamp_now()
        # last_due starts at "now": the first fire is the first cron time after creation.
        self.store.insert_schedule({"id": schedule_id, "project": name, **fields, "last_due": iso(self.clock()),
                                    "created": stamp, "updated": stamp})
        return self.get(schedule_id)

    def update(self, schedule_id: str, body: dict) -> dict:
        row = self.row(schedule_id)
        fields = self._validate(self.projects.row(row["project"]), body, row)
        changed = {k: val for k, val in fields.items() if row.get(k) != val}
        if {"cron", "timezone"} & changed.keys() or (changed.get("enabled") == 1):
            changed["last_due"] = iso(self.clock())  # a new rhythm (or a resumed one) starts from now
        if changed:
            self.store.update_schedule(schedule_id, **changed)
        return self.get(schedule_id)

    def delete(self, schedule_id: str) -> None:
        self.row(schedule_id)
        self.store.delete_schedule(schedule_id)

    # -- firing -------------------------------------------------------------------------------
    @staticmethod
    def _base(row: dict) -> datetime:
        return parse(row["last_due"] or row["created"])

    def _latest_due(self, row: dict, now: datetime) -> tuple[datetime | None, int]:
        """The latest cron time in (last_due, now] and how many earlier ones it passes over."""
        it = croniter(row["cron"], self._base(row).astimezone(ZoneInfo(row["timezone"])))
        latest, passed = None, 0
        for _ in range(MAX_CATCH_UP):
            due = it.get_next(datetime)
            if due > now:
                break
            if latest is not None:
                passed += 1
            latest = due
        else:  # a very long downtime on a very busy cron: jump to the latest time at once
            latest = croniter(row["cron"], now.astimezone(ZoneInfo(row["timezone"]))).get_prev(datetime)
        return latest, passed

    async def tick(self) -> list[dict]:
        """Fire every schedule that came due; returns the outcomes recorded (tests, diagnostics)."""
        async with self._lock:
            now = self.clock()
            outcomes = []
            for row in self.store.list_schedules():
                if not row["enabled"]:
                    continue
                due, passed = self._latest_due(row, now)
                if due is None:
                    continue
                outcomes.append(await self._fire(row, due, passed, now))
            return outcomes

    async def _fire(self, row: dict, due: datetime, passed: int, now: datetime) -> dict:
        late = (now - due).total_seconds()
        earlier = f"; {passed} earlier fire(s) passed while the server was down" if passed else ""
        run_id, message = None, None
        if late > self.grace:
            outcome = "missed"
            message = f"due {int(late)} s ago, more than schedule_grace ({int(self.grace)} s){earlier}"
        else:
            previous = self.store.get_run(row["last_run_id"]) if row["last_run_id"] else None
            if previous is not None and previous["state"] in ("queued", "starting", "running"):
                outcome = "skipped"
                message = f"the previous run {previous['id']} is still {previous['state']}"
            else:
                try:
                    run = await self.runs.create(row["project"], dict(row["run_spec"]))
                    outcome, run_id = "fired", run["id"]
                    message = (f"{int(late)} s late (the server was down){earlier}" if late > 60 else None)
                except BeekeeperError as exc:
                    outcome = "skipped" if exc.status == 409 else "failed"
                    message = exc.message
        fields = {"last_due": iso(due)}
        if run_id:
            fields["last_run_id"] = run_id
        self.store.update_schedule(row["id"], **fields)
        fire = {"schedule_id": row["id"], "due": iso(due), "fired": iso(now), "outcome": outcome,
                "run_id": run_id, "message": message}
        self.store.insert_fire(fire)
        log.info("schedule %s of %s: %s%s", row["id"], row["project"], outcome, f" ({message})" if message else "")
        return fire
