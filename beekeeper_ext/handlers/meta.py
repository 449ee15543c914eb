"""REST handlers about Beekeeper itself: interpreters, executors, the OpenAPI document."""

from __future__ import annotations

from .. import __version__
from ..openapi import document, op
from ..urls import api
from .base import BeekeeperHandler, endpoint


class PythonsHandler(BeekeeperHandler):
    openapi = {"get": op("Interpreters this host can build venvs with, newest first", "PythonList",
                         query={"refresh": "1 to rescan now"})}

    @endpoint
    async def get(self):
        refresh = self.get_query_argument("refresh", "") in ("1", "true")
        self.send({"pythons": await self.interpreters.list(refresh=refresh)})


class ExecutorsHandler(BeekeeperHandler):
    openapi = {"get": op("Executors (local, ray) and whether each is reachable", "ExecutorList")}

    @endpoint
    async def get(self):
        self.send({"default": self.services.default_executor, "executors": await self.services.executor_status()})


class InfoHandler(BeekeeperHandler):
    openapi = {"get": op("Beekeeper's version and home folder", "Info")}

    @endpoint
    async def get(self):
        self.send({"version": __version__, "home": str(self.services.home_path)})


class OpenAPIHandler(BeekeeperHandler):
    openapi = {"get": op("This document", {"type": "object"})}

    @endpoint
    async def get(self):
        from . import routes

        self.send(document(routes(), self.base_url))


ROUTES = [
    (api("pythons"), PythonsHandler),
    (api("executors"), ExecutorsHandler),
    (api("info"), InfoHandler),
    (api("openapi.json"), OpenAPIHandler),
]
