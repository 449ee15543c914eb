"""What every Beekeeper handler shares: authentication, authorization, JSON in and out, errors.

Handlers stay thin: parse the request, call one service method, render the result.
A `BeekeeperError` raised anywhere below becomes `{"message", "field"}` with its status here,
in one place.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web
from tornado.websocket import WebSocketHandler

from ..errors import BeekeeperError, bad_request

AUTH_RESOURCE = "beekeeper"


def endpoint(method):
    """Wrap a handler method: authenticated, authorized on the `beekeeper` resource, JSON errors."""

    @functools.wraps(method)
    async def guarded(self, *args, **kwargs):
        try:
            return await ensure_async(method(self, *args, **kwargs))
        except BeekeeperError as exc:
            self.set_status(exc.status)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(exc.to_json()))

    return web.authenticated(authorized(guarded))


class BeekeeperHandler(APIHandler):
    """Base for REST handlers under /beekeeper/api."""

    auth_resource = AUTH_RESOURCE

    @property
    def bk(self):
        """The BeekeeperApp, which holds the services."""
        return self.settings["beekeeper"]

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object (an empty body is `{}`), else a 400."""
        if not self.request.body:
            return {}
        try:
            body = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("body", "the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise bad_request("body", "the request body must be a JSON object")
        return body

    def send(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    def int_arg(self, name: str, default: int | None = None, minimum: int = 0,
                maximum: int | None = None) -> int | None:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(name, f"{name} must be an integer") from None
        if value < minimum or (maximum is not None and value > maximum):
            limit = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise bad_request(name, f"{name} must be {limit}")
        return value


class BeekeeperWebSocket(WebSocketMixin, WebSocketHandler, JupyterHandler):
    """Base for WebSockets: the same authentication and authorization as the REST handlers.

    Subclasses implement `async def prepare_stream(*path_args)` (validate, may raise
    BeekeeperError before the upgrade) and `open()`.
    """

    auth_resource = AUTH_RESOURCE

    @property
    def bk(self):
        return self.settings["beekeeper"]

    def set_default_headers(self):
        """JupyterHandler's default headers make no sense on a WebSocket upgrade."""

    def get_compression_options(self):
        return self.settings.get("websocket_compression_options", None)

    async def prepare_stream(self, *args: str) -> None:
        """Look up what will be streamed; raise BeekeeperError to refuse before upgrading."""

    @ws_authenticated
    async def get(self, *args: str, **kwargs: str):
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "read", self.auth_resource)
        )
        if not allowed:
            raise web.HTTPError(403)
        try:
            await self.prepare_stream(*args)
        except BeekeeperError as exc:
            self.set_status(exc.status)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(exc.to_json()))
            return
        await super().get(*args, **kwargs)
