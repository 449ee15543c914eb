"""REST handlers for sweeps: create (per project), list, inspect, stop, delete."""

from __future__ import annotations

from ..openapi import op
from ..urls import NAME, SWEEP_ID, api
from .base import BeekeeperHandler, endpoint

PARAMETER = {"type": "object", "properties": {
    "values": {"type": "array", "items": {}, "description": "the values (a grid's axis, or a random choice)"},
    "min": {"type": "number"}, "max": {"type": "number"},
    "log": {"type": "boolean", "default": False, "description": "draw on a log scale (random only)"},
    "integer": {"type": "boolean", "default": False}}}
OBJECTIVE = {"type": "object", "required": ["metric"], "properties": {
    "metric": {"type": "string", "example": "loss/test"},
    "goal": {"type": "string", "enum": ["min", "max"], "default": "min"},
    "summary": {"type": "string", "enum": ["last", "min", "max"], "default": "last",
                "description": "which of a trial's values counts"}}}
EARLY_STOP = {"type": "object", "properties": {
    "rule": {"type": "string", "enum": ["median"], "default": "median"},
    "min_steps": {"type": "integer", "minimum": 0, "default": 0},
    "min_trials": {"type": "integer", "minimum": 1, "default": 2,
                   "description": "other trials that must have reached the step before comparing"}}}
SWEEP_BODY = {"type": "object", "required": ["parameters"], "properties": {
    "method": {"type": "string", "enum": ["grid", "random"], "default": "grid"},
    "parameters": {"type": "object", "additionalProperties": PARAMETER},
    "trials": {"type": "integer", "minimum": 1, "description": "random sweeps: how many trials to draw"},
    "seed": {"type": "integer", "description": "random sweeps: the same seed draws the same trials"},
    "as": {"type": "string", "enum": ["args", "env"], "default": "args",
           "description": "args: `--name value` appended (unless args_template); env: a variable per param"},
    "args_template": {"type": "array", "items": {"type": "string"},
                      "description": "appended to args with {name} and {run_id} filled in"},
    "max_parallel": {"type": "integer", "minimum": 1, "nullable": True,
                     "description": "trials active at once (default: as many as the queue allows)"},
    "objective": OBJECTIVE, "early_stop": EARLY_STOP,
    "confirm": {"type": "boolean", "description": "needed for a grid over 1,000 trials"},
    "args": {"type": "array", "items": {"type": "string"}},
    "env": {"type": "object", "additionalProperties": {"type": "string"}},
    "gpus": {"oneOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]},
    "executor": {"type": "string", "nullable": True}, "priority": {"type": "integer", "default": 0},
    "resources": {"type": "object", "properties": {"cpus": {"type": "integer"}, "memory_mb": {"type": "integer"}}}}}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"},
          "description": "total, then trials per run state, and early_stopped"}
SWEEP = {"type": "object", "properties": {
    "id": {"type": "string"}, "project": {"type": "string"},
    "state": {"type": "string", "enum": ["running", "finished", "stopped"]},
    "method": {"type": "string", "enum": ["grid", "random"]}, "parameters": {"type": "object"},
    "seed": {"type": "integer"}, "as": {"type": "string"},
    "args_template": {"type": "array", "items": {"type": "string"}, "nullable": True},
    "max_parallel": {"type": "integer", "nullable": True},
    "objective": {**OBJECTIVE, "nullable": True}, "early_stop": {**EARLY_STOP, "nullable": True},
    "run": {"type": "object", "description": "what every trial shares (env keys only)"},
    "trials": COUNTS,
    "best": {"type": "object", "nullable": True, "properties": {"run": {"type": "string"},
                                                                "value": {"type": "number"}}},
    "message": {"type": "string", "nullable": True},
    "created": {"type": "string", "format": "date-time"},
    "ended": {"type": "string", "format": "date-time", "nullable": True},
    "runs": {"type": "array", "description": "the trials in order (single-sweep view only)", "items": {
        "type": "object", "properties": {
            "id": {"type": "string"}, "state": {"type": "string"}, "params": {"type": "object"},
            "value": {"type": "number", "nullable": True}, "early_stopped": {"type": "boolean"},
            "message": {"type": "string", "nullable": True},
            "started": {"type": "string", "nullable": True}, "ended": {"type": "string", "nullable": True}}}}}}
SWEEP_LIST = {"type": "object", "properties": {"sweeps": {"type": "array", "items": SWEEP}}}


def _states(handler) -> list[str] | None:
    return [s for s in handler.get_query_argument("state", "").split(",") if s] or None


class ProjectSweepsHandler(BeekeeperHandler):
    openapi = {
        "get": op("A project's sweeps, newest first", SWEEP_LIST, query={"state": "comma-separated sweep states"}),
        "post": op("Start a sweep: every trial is queued at once as a run carrying `sweep` and its params; "
                   "400 naming the field for a bad spec", SWEEP, 201, body=SWEEP_BODY),
    }

    @endpoint
    async def get(self, name):
        self.send(self.sweeps.list(name, _states(self)))

    @endpoint
    async def post(self, name):
        sweep = await self.sweeps.create(name, self.json_body())
        self.created(api("sweeps", sweep["id"]), sweep)


class SweepsHandler(BeekeeperHandler):
    openapi = {"get": op("Sweeps of every project, newest first", SWEEP_LIST,
                         query={"state": "comma-separated sweep states", "project": "only this project"})}

    @endpoint
    async def get(self):
        self.send(self.sweeps.list(self.get_query_argument("project", None) or None, _states(self)))


class SweepHandler(BeekeeperHandler):
    openapi = {
        "get": op("One sweep with its trials", SWEEP),
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
        self.set_status(204)
        self.finish()


class SweepStopHandler(BeekeeperHandler):
    openapi = {"post": op("Stop a sweep: queued trials are dropped, running ones stopped", SWEEP, 202)}

    @endpoint
    async def post(self, sweep_id):
        self.send(await self.sweeps.stop(sweep_id), 202)


ROUTES = [
    (api("projects", NAME, "sweeps"), ProjectSweepsHandler),
    (api("sweeps"), SweepsHandler),
    (api("sweeps", SWEEP_ID), SweepHandler),
    (api("sweeps", SWEEP_ID, "stop"), SweepStopHandler),
]
