"""REST handlers for projects and their setup."""

from __future__ import annotations

from ..openapi import op
from .base import BeekeeperHandler, endpoint

NAME = r"(?P<name>[^/]+)"


class ProjectsHandler(BeekeeperHandler):
    openapi = {
        "get": op("List projects", {"type": "object", "properties": {
            "projects": {"type": "array", "items": {"$ref": "#/components/schemas/Project"}}}}),
        "post": op("Create a project; setup (clone, venv, install) runs in the background",
                   "Project", 201, body="ProjectCreate"),
    }

    @endpoint
    async def get(self):
        self.send({"projects": self.bk.projects.list()})

    @endpoint
    async def post(self):
        project = await self.bk.projects.create(self.json_body())
        self.set_header("Location", self.base_url.rstrip("/") + f"/beekeeper/api/projects/{project['name']}")
        self.send(project, 201)


class ProjectHandler(BeekeeperHandler):
    openapi = {
        "get": op("One project, with its setup state and frozen packages", "Project"),
        "patch": op("Edit a project; changing git_url, branch, python_version, requirements_file or "
                    "credentials re-runs setup", "Project", body="ProjectCreate"),
        "delete": op("Delete a project, its folder and its runs (409 while a run is active)", status=204),
    }

    @endpoint
    async def get(self, name):
        self.send(self.bk.projects.get(name))

    @endpoint
    async def patch(self, name):
        self.send(await self.bk.projects.update(name, self.json_body()))

    @endpoint
    async def delete(self, name):
        await self.bk.projects.delete(name)
        self.set_status(204)
        self.finish()


class SetupHandler(BeekeeperHandler):
    openapi = {"post": op("Re-sync: fetch and check out the branch, rebuild the environment", "Project", 202)}

    @endpoint
    async def post(self, name):
        self.send(await self.bk.projects.resync(name), 202)


ROUTES = [
    (r"/beekeeper/api/projects", ProjectsHandler),
    (rf"/beekeeper/api/projects/{NAME}", ProjectHandler),
    (rf"/beekeeper/api/projects/{NAME}/setup", SetupHandler),
]
