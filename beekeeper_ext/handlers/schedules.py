"""REST handlers for scheduled runs."""

from __future__ import annotations

from ..openapi import op
from ..urls import NAME, SCHEDULE, api
from .base import BeekeeperHandler, endpoint


class ProjectSchedulesHandler(BeekeeperHandler):
    openapi = {
        "get": op("A project's schedules", "ScheduleList"),
        "post": op("Schedule runs with a cron expression in a time zone; each fire creates an ordinary run",
                   "Schedule", 201, body="ScheduleCreate"),
    }

    @endpoint
    async def get(self, name):
        self.send(self.schedules.list(name))

    @endpoint
    async def post(self, name):
        schedule = self.schedules.create(name, self.json_body())
        self.created(api("schedules", schedule["id"]), schedule)


class SchedulesHandler(BeekeeperHandler):
    openapi = {"get": op("Schedules of every project", "ScheduleList", query={"project": "only this project"})}

    @endpoint
    async def get(self):
        self.send(self.schedules.list(self.get_query_argument("project", None) or None))


class ScheduleHandler(BeekeeperHandler):
    openapi = {
        "get": op("One schedule with its next fire times and recent outcomes", "Schedule"),
        "patch": op("Edit a schedule; a new cron or time zone, or re-enabling, counts from now",
                    "Schedule", body="ScheduleUpdate"),
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
        self.no_content()


ROUTES = [
    (api("projects", NAME, "schedules"), ProjectSchedulesHandler),
    (api("schedules"), SchedulesHandler),
    (api("schedules", SCHEDULE), ScheduleHandler),
]
