"""REST handlers for sweeps: create (per project), list, inspect, stop, delete."""

from __future__ import annotations

from ..openapi import op
from ..urls import NAME, SWEEP_ID, api
from .base import BeekeeperHandler, endpoint

def _states(handler) -> list[str] | None:
    return [s for s in handler.get_query_argument("state", "").split(",") if s] or None


class ProjectSweepsHandler(BeekeeperHandler):
    openapi = {
        "get": op("A project's sweeps, newest first", "SweepList", query={"state": "comma-separated sweep states"}),
        "post": op("Start a sweep: every trial is queued at once as a run carrying `sweep` and its params; "
                   "400 naming the field for a bad spec", "Sweep", 201, body="SweepCreate"),
    }

    @endpoint
    async def get(self, name):
        self.send(self.sweeps.list(name, _states(self)))

    @endpoint
    async def post(self, name):
        sweep = await self.sweeps.create(name, self.json_body())
        self.created(api("sweeps", sweep["id"]), sweep)


class SweepsHandler(BeekeeperHandler):
    openapi = {"get": op("Sweeps of every project, newest first", "SweepList",
                         query={"state": "comma-separated sweep states", "project": "only this project"})}

    @endpoint
    async def get(self):
        self.send(self.sweeps.list(self.get_query_argument("project", None) or None, _states(self)))


class SweepHandler(BeekeeperHandler):
    openapi = {
        "get": op("One sweep with its trials", "Sweep"),
        "delete": op("Delete an ended sweep (409 while running); its runs stay unless ?runs=1", status=204,
                     query={"runs": "1 to delete the trial runs too"}),
    }

    @endpoint
    async def get(self, sweep_id):
        self.send(self.sweeps.get(sweep_id))

    @endpoint
    async def delete(self, sweep_id):
        with_runs = self.get_query_argument("runs", "0") in ("1", "true")
        await self.sweeps.delete(sweep_id, with_runs)
        self.no_content()


class SweepStopHandler(BeekeeperHandler):
    openapi = {"post": op("Stop a sweep: queued trials are dropped, running ones stopped", "Sweep", 202)}

    @endpoint
    async def post(self, sweep_id):
        self.send(await self.sweeps.stop(sweep_id), 202)


ROUTES = [
    (api("projects", NAME, "sweeps"), ProjectSweepsHandler),
    (api("sweeps"), SweepsHandler),
    (api("sweeps", SWEEP_ID), SweepHandler),
    (api("sweeps", SWEEP_ID, "stop"), SweepStopHandler),
]
