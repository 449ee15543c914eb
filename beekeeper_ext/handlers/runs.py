"""REST handlers for runs: create, list, inspect, stop, move in the queue, delete."""

from __future__ import annotations

from ..openapi import op
from ..run_metrics import parse_sort
from ..urls import NAME, RUN, api
from .base import BeekeeperHandler, endpoint

PAGE = {"limit": "page size (default 100, at most 1000)", "offset": "rows to skip",
        "sort": "created (default: newest first), metric:TAG[:last|min|max] or param:NAME; "
                "a leading - sorts descending; runs without the metric or param come last",
        "sweep": "only the trials of this sweep (id; they stay listed after the sweep is deleted)"}


class ListMixin:
    def page(self, project: str | None):
        states = [s for s in self.get_query_argument("state", "").split(",") if s] or None
        limit = self.int_arg("limit", 100, minimum=1, maximum=1000)
        offset = self.int_arg("offset", 0)
        sort = parse_sort(self.get_query_argument("sort", None))
        sweep = self.get_query_argument("sweep", None) or None
        return self.runs.list(project, states, limit, offset, sort, sweep)


class ProjectRunsHandler(ListMixin, BeekeeperHandler):
    openapi = {
        "get": op("A project's runs, newest first", "RunList", query={"state": "comma-separated states", **PAGE}),
        "post": op("Start a run (it may wait queued for GPUs or a slot); 409 if the project is not "
                   "ready or already has an active run without allow_parallel", "Run", 201, body="RunCreate"),
    }

    @endpoint
    async def get(self, name):
        self.send(self.page(name))

    @endpoint
    async def post(self, name):
        run = await self.runs.create(name, self.json_body())
        self.created(api("runs", run["id"]), run)


class RunsHandler(ListMixin, BeekeeperHandler):
    openapi = {"get": op("Runs of every project, newest first", "RunList",
                         query={"state": "comma-separated states", "project": "only this project", **PAGE})}

    @endpoint
    async def get(self):
        self.send(self.page(self.get_query_argument("project", None) or None))


class RunHandler(BeekeeperHandler):
    openapi = {
        "get": op("One run", "Run"),
        "delete": op("Delete a finished run, its log and folder (409 while active)", status=204),
    }

    @endpoint
    async def get(self, run_id):
        self.send(self.runs.get(run_id))

    @endpoint
    async def delete(self, run_id):
        await self.runs.delete(run_id)
        self.no_content()


class StopHandler(BeekeeperHandler):
    openapi = {"post": op("Stop a run: TERM to its process group, KILL after stop_grace_period", "Run", 202)}

    @endpoint
    async def post(self, run_id):
        self.send(await self.runs.stop(run_id), 202)


class MoveHandler(BeekeeperHandler):
    openapi = {"post": op("Move a queued run: before another queued run, to a position (0 = next) and/or to "
                          "another priority; a run moved next to another takes its priority. 409 unless queued",
                          "Run", body="RunMove")}

    @endpoint
    async def post(self, run_id):
        self.send(self.runs.move(run_id, self.json_body()))


ROUTES = [
    (api("projects", NAME, "runs"), ProjectRunsHandler),
    (api("runs"), RunsHandler),
    (api("runs", RUN), RunHandler),
    (api("runs", RUN, "stop"), StopHandler),
    (api("runs", RUN, "move"), MoveHandler),
]
