"""REST handlers for the bundled example projects ("Try the example")."""

from __future__ import annotations

from ..models.example import ExampleList
from ..openapi import op
from ..urls import EXAMPLE, api
from .base import BeekeeperHandler, endpoint


class ExamplesHandler(BeekeeperHandler):
    openapi = {"get": op("The example projects shipped with Beekeeper", "ExampleList")}

    @endpoint
    async def get(self):
        self.send(ExampleList(examples=self.example_projects.list()).dump())


class ExampleHandler(BeekeeperHandler):
    openapi = {"post": op("Create a project from a bundled example (its own local git repository); the "
                          "body may set name and any project field but git_url", "Project", 201,
                          body="ExampleCreate")}

    @endpoint
    async def post(self, example):
        project = await self.example_projects.create_project(example, self.json_body())
        self.created(api("projects", project["name"]), project)


ROUTES = [
    (api("examples"), ExamplesHandler),
    (api("examples", EXAMPLE), ExampleHandler),
]
