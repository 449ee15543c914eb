"""REST handlers for projects and their setup."""

from __future__ import annotations

from ..openapi import op
from ..urls import NAME, api
from .base import BeekeeperHandler, endpoint


class ProjectsHandler(BeekeeperHandler):
    openapi = {
        "get": op("List projects", "ProjectList"),
        "post": op("Create a project; setup (clone, venv, install) runs in the background",
                   "Project", 201, body="ProjectCreate"),
    }

    @endpoint
    async def get(self):
        self.send({"projects": self.projects.list()})

    @endpoint
    async def post(self):
        project = await self.projects.create(self.json_body())
        self.created(api("projects", project["name"]), project)


class ProjectHandler(BeekeeperHandler):
    openapi = {
        "get": op("One project, with its setup state and frozen packages", "Project"),
        "patch": op("Edit a project; changing git_url, branch, python_version, requirements_file or "
                    "credentials re-runs setup", "Project", body="ProjectUpdate"),
        "delete": op("Delete a project, its folder and its runs (409 while a run is active)", status=204),
    }

    @endpoint
    async def get(self, name):
        self.send(self.projects.get(name))

    @endpoint
    async def patch(self, name):
        self.send(await self.projects.update(name, self.json_body()))

    @endpoint
    async def delete(self, name):
        await self.projects.delete(name)
        self.set_status(204)
        self.finish()


class SetupHandler(BeekeeperHandler):
    openapi = {"post": op("Re-sync: fetch and check out the branch, rebuild the environment", "Project", 202)}

    @endpoint
    async def post(self, name):
        self.send(await self.projects.resync(name), 202)


ROUTES = [
    (api("projects"), ProjectsHandler),
    (api("projects", NAME), ProjectHandler),
    (api("projects", NAME, "setup"), SetupHandler),
]
