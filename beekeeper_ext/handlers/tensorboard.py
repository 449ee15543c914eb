"""TensorBoard: start/stop/status and latest scalars over REST, and the authenticated proxy.

The proxy at /beekeeper/tensorboard/NAME/... is jupyter-server-proxy's LocalProxyHandler with
three restrictions: it answers an anonymous request with 403 (no login redirect), it reaches
only the port of the TensorBoard Beekeeper started for NAME (started lazily, restarted after a
crash), and it forwards no Jupyter credentials (Cookie, Authorization, ?token=).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from jupyter_core.utils import ensure_async
from jupyter_server_proxy.handlers import LocalProxyHandler, ProxyHandler
from tornado import web

from ..errors import BeekeeperError
from ..openapi import op
from .base import AUTH_RESOURCE, BeekeeperHandler, endpoint

NAME = r"(?P<name>[^/]+)"
STRIPPED_HEADERS = ("Cookie", "Authorization", "X-XSRFToken")
STRIPPED_QUERY = ("token", "_xsrf")

STATUS = {"type": "object", "properties": {
    "project": {"type": "string"},
    "state": {"type": "string", "enum": ["stopped", "starting", "ready", "failed", "crashed"]},
    "url": {"type": "string", "description": "path below the server's base URL"},
    "pid": {"type": "integer", "nullable": True}, "started": {"type": "string", "nullable": True},
    "last_request": {"type": "string", "nullable": True}, "message": {"type": "string", "nullable": True},
}}
SCALARS = {"type": "object", "properties": {"runs": {"type": "object", "additionalProperties": {
    "type": "object", "additionalProperties": {"type": "object", "properties": {
        "step": {"type": "integer"}, "value": {"type": "number"}, "wall_time": {"type": "number"}}}}}}}


class TensorBoardHandler(BeekeeperHandler):
    openapi = {
        "get": op("The project's TensorBoard: state (stopped, starting, ready, failed, crashed) and URL", STATUS),
        "post": op("Start the project's TensorBoard, or reuse the running one (it answers at `url` once "
                   "ready)", STATUS, 202),
        "delete": op("Stop the project's TensorBoard", STATUS),
    }

    @endpoint
    async def get(self, name):
        self.send(self.bk.tensorboards.status(name))

    @endpoint
    async def post(self, name):
        self.send(await self.bk.tensorboards.start(name), 202)

    @endpoint
    async def delete(self, name):
        self.bk.projects.row(name)
        self.send(await self.bk.tensorboards.stop(name))


class ScalarsHandler(BeekeeperHandler):
    openapi = {"get": op("Latest value of each scalar tag per run folder of the project's TensorBoard log "
                         "dir, read from the event files", SCALARS)}

    @endpoint
    async def get(self, name):
        self.send(await self.bk.tensorboards.latest_scalars(name))


class TensorBoardProxyHandler(LocalProxyHandler):
    """Proxies HTTP (and WebSockets) to the project's own TensorBoard and nowhere else."""

    auth_resource = AUTH_RESOURCE

    @property
    def bk(self):
        return self.settings["beekeeper"]

    async def prepare(self, *args, **kwargs):
        prepared = super(ProxyHandler, self).prepare(*args, **kwargs)  # JupyterHandler's, not the redirecting one
        if prepared is not None:
            await prepared
        if not self.current_user:
            raise web.HTTPError(403)  # an API-style refusal, never a login redirect
        action = "read" if self.request.method in ("GET", "HEAD", "OPTIONS") else "write"
        if not await ensure_async(self.authorizer.is_authorized(self, self.current_user, action,
                                                                self.auth_resource)):
            raise web.HTTPError(403)

    async def _port(self, name: str) -> int | None:
        self.proxy_base = f"beekeeper/tensorboard/{name}"  # X-Forwarded-Prefix and redirect rewriting
        try:
            return await self.bk.tensorboards.port_for(name)
        except BeekeeperError as exc:
            self.set_status(exc.status)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(exc.to_json()))
            return None

    async def _forward(self, name: str, proxied_path: str):
        port = await self._port(name)
        if port is not None:
            # 127.0.0.1, not "localhost" (which may try ::1 first): TensorBoard listens on IPv4 loopback.
            return await ProxyHandler.proxy(self, "127.0.0.1", port, proxied_path)

    async def http_get(self, name, proxied_path):
        return await self._forward(name, proxied_path)

    async def post(self, name, proxied_path):
        return await self._forward(name, proxied_path)

    async def put(self, name, proxied_path):
        return await self._forward(name, proxied_path)

    async def delete(self, name, proxied_path):
        return await self._forward(name, proxied_path)

    async def head(self, name, proxied_path):
        return await self._forward(name, proxied_path)

    async def patch(self, name, proxied_path):
        return await self._forward(name, proxied_path)

    async def options(self, name, proxied_path):
        return await self._forward(name, proxied_path)

    async def open(self, name, proxied_path):
        self.proxy_base = f"beekeeper/tensorboard/{name}"
        try:
            port = await self.bk.tensorboards.port_for(name)
        except BeekeeperError as exc:
            self.close(1011, exc.message[:120])
            return
        return await self.proxy_open("127.0.0.1", port, proxied_path)

    def on_message(self, message):
        self.bk.tensorboards.touch(self.path_kwargs.get("name", ""))
        return super().on_message(message)

    def proxy_request_headers(self):
        """Jupyter's credentials are for Jupyter: TensorBoard never sees them."""
        headers = super().proxy_request_headers()
        for name in STRIPPED_HEADERS:
            if name in headers:
                del headers[name]
        return headers

    def get_client_uri(self, protocol, host, port, proxied_path):
        uri = super().get_client_uri(protocol, host, port, proxied_path)
        base, sep, query = uri.partition("?")
        if not sep:
            return uri
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in STRIPPED_QUERY]
        return base + ("?" + urlencode(kept) if kept else "")


class TensorBoardSlashHandler(BeekeeperHandler):
    """/beekeeper/tensorboard/NAME → NAME/ so TensorBoard's relative URLs resolve below it."""

    @endpoint
    async def get(self, name):
        self.redirect(self.request.uri.split("?")[0] + "/", permanent=False)


ROUTES = [
    (rf"/beekeeper/api/projects/{NAME}/tensorboard", TensorBoardHandler),
    (rf"/beekeeper/api/projects/{NAME}/scalars", ScalarsHandler),
    (rf"/beekeeper/tensorboard/{NAME}", TensorBoardSlashHandler),
    (rf"/beekeeper/tensorboard/{NAME}/(?P<proxied_path>.*)", TensorBoardProxyHandler),
]
