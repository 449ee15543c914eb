"""REST handlers for scheduled runs."""

from __future__ import annotations

from ..openapi import op
from ..urls import NAME, SCHEDULE, api
from .base import BeekeeperHandler, endpoint

_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
RUN_SPEC = {"type": "object", "description": "a run body, as for POST /projects/{name}/runs",
            "properties": {"args": {"type": "array", "items": _STR},
                           "env": {"type": "object", "additionalProperties": _STR},
                           "gpus": {"oneOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]},
                           "executor": _STR, "allow_parallel": {"type": "boolean"},
                           "resources": {"type": "object"}}}
FIRE = {"type": "object", "properties": {
    "due": _STR, "fired": _STR, "outcome": {"type": "string", "enum": ["fired", "skipped", "missed", "failed"]},
    "run_id": _NSTR, "message": _NSTR}}
SCHEDULE_SCHEMA = {"type": "object", "properties": {
    "id": _STR, "project": _STR, "cron": _STR, "timezone": _STR, "run": RUN_SPEC, "enabled": {"type": "boolean"},
    "next": {"type": "array", "items": {"type": "string", "format": "date-time"},
             "description": "the next fire times (UTC)"},
    "last_due": _NSTR, "last_run_id": _NSTR, "created": _STR, "updated": _STR,
    "fires": {"type": "array", "items": FIRE, "description": "recent outcomes, newest first"}}}
SCHEDULE_BODY = {"type": "object", "properties": {
    "cron": {"type": "string", "example": "0 2 * * *"},
    "timezone": {"type": "string", "default": "UTC", "example": "Europe/Berlin"},
    "run": RUN_SPEC, "enabled": {"type": "boolean", "default": True}}}
SCHEDULE_LIST = {"type": "object", "properties": {"schedules": {"type": "array", "items": SCHEDULE_SCHEMA}}}


class ProjectSchedulesHandler(BeekeeperHandler):
    openapi = {
        "get": op("A project's schedules", SCHEDULE_LIST),
        "post": op("Schedule runs with a cron expression in a time zone; each fire creates an ordinary run",
                   SCHEDULE_SCHEMA, 201, body=SCHEDULE_BODY),
    }

    @endpoint
    async def get(self, name):
        self.send(self.schedules.list(name))

    @endpoint
    async def post(self, name):
        schedule = self.schedules.create(name, self.json_body())
        self.created(api("schedules", schedule["id"]), schedule)


class SchedulesHandler(BeekeeperHandler):
    openapi = {"get": op("Schedules of every project", SCHEDULE_LIST, query={"project": "only this project"})}

    @endpoint
    async def get(self):
        self.send(self.schedules.list(self.get_query_argument("project", None) or None))


class ScheduleHandler(BeekeeperHandler):
    openapi = {
        "get": op("One schedule with its next fire times and recent outcomes", SCHEDULE_SCHEMA),
        "patch": op("Edit a schedule; a new cron or time zone, or re-enabling, counts from now",
                    SCHEDULE_SCHEMA, body=SCHEDULE_BODY),
        "delete": op("Delete a schedule (its runs stay)", status=204),
    }

    @endpoint
    async def get(self, schedule_id):
        self.send(self.schedules.get(schedule_id))

    @endpoint
    async def patch(self, schedule_id):
        self.send(self.schedules.update(schedule_id, self.json_body()))

    @endpoint
    async def delete(self, schedule_id):
        self.schedules.delete(schedule_id)
        self.set_status(204)
        self.finish()


ROUTES = [
    (api("projects", NAME, "schedules"), ProjectSchedulesHandler),
    (api("schedules"), SchedulesHandler),
    (api("schedules", SCHEDULE), ScheduleHandler),
]
