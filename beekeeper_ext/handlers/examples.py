"""REST handlers for the bundled example projects ("Try the example")."""

from __future__ import annotations

from ..openapi import op
from ..urls import EXAMPLE, api
from .base import BeekeeperHandler, endpoint


class ExamplesHandler(BeekeeperHandler):
    openapi = {"get": op("The example projects shipped with Beekeeper", {"type": "object", "properties": {
        "examples": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "description": {"type": "string"},
            "project": {"type": "string", "description": "the default project name"}}}}}})}

    @endpoint
    async def get(self):
        self.send({"examples": self.example_projects.list()})


class ExampleHandler(BeekeeperHandler):
    openapi = {"post": op("Create a project from a bundled example (its own local git repository); the "
                          "body may set name and any project field but git_url", "Project", 201,
                          body={"type": "object"})}

    @endpoint
    async def post(self, example):
        project = await self.example_projects.create_project(example, self.json_body())
        self.created(api("projects", project["name"]), project)


ROUTES = [
    (api("examples"), ExamplesHandler),
    (api("examples", EXAMPLE), ExampleHandler),
]
