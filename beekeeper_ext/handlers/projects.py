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
        self.no_content()


class SetupHandler(BeekeeperHandler):
    openapi = {"post": op("Re-sync: fetch and check out the branch, rebuild the environment", "Project", 202)}

    @endpoint
    async def post(self, name):
        self.send(await self.projects.resync(name), 202)


class BranchesHandler(BeekeeperHandler):
    """A remote's branches and default branch, for the project form, without cloning. A token
    goes in the POST body (never in a URL, which proxies and access logs keep)."""

    openapi = {
        "get": op("A public remote's branches and default branch (git ls-remote, no clone)", "RemoteBranches",
                  query={"url": "the git URL (no credentials in it: POST them instead)"}),
        "post": op("A remote's branches and default branch: {git_url, credentials?} or {project} (its "
                   "stored URL and credentials)", "RemoteBranches", body="BranchesQuery"),
    }

    @endpoint
    async def get(self):
        self.send(await self.projects.remote_branches({"git_url": self.get_query_argument("url", "")},
                                                      from_query=True))

    @endpoint
    async def post(self):
        self.send(await self.projects.remote_branches(self.json_body()))


ROUTES = [
    (api("git", "branches"), BranchesHandler),
    (api("projects"), ProjectsHandler),
    (api("projects", NAME), ProjectHandler),
    (api("projects", NAME, "setup"), SetupHandler),
]
