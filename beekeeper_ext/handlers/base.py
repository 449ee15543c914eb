"""What every Beekeeper handler shares: services, authentication, authorization, JSON in and out, errors.

Handlers stay thin: parse the request, call one service method, render the result. They use
Jupyter's own mechanisms: `@web.authenticated` + `@authorized` (action from the HTTP verb, on
the `beekeeper` resource) for REST, `@ws_authenticated` + `@authorized` for WebSockets, and a
`BeekeeperError` (a tornado HTTPError) raised anywhere becomes `{"message", "field"}` with its
status in `write_error`, in one place.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any, AsyncIterator

from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from ..errors import BeekeeperError, bad_request
from ..jsontext import dumps
from ..urls import absolute

if TYPE_CHECKING:
    from ..environments import Interpreters
    from ..examples import Examples
    from ..executors import Executor
    from ..files import FileService
    from ..logs import LogHub
    from ..metrics import MetricsService
    from ..notifications import NotificationService
    from ..projects import ProjectService
    from ..run_metrics import RunMetricsService
    from ..runs import RunService
    from ..schedules import ScheduleService
    from ..sweeps import SweepService
    from ..tensorboard import TensorBoardService

AUTH_RESOURCE = "beekeeper"
#: The default of BeekeeperApp.max_json_body_bytes, for a handler mounted without the app.
JSON_BODY_LIMIT = 1024 * 1024
#: Query integers beyond this cannot be a byte offset or a row count (SQLite and seek() refuse them).
INT_MAX = 2**63 - 1
INT_RE = re.compile(r"-?[0-9]+")


def endpoint(method):
    """Jupyter's REST guard, as its own handlers spell it: `@web.authenticated @authorized`."""
    return web.authenticated(authorized(method))


class BeekeeperMixin:
    """The services, reached through typed properties, and the one error renderer."""

    auth_resource = AUTH_RESOURCE

    @property
    def services(self):
        """What BeekeeperApp publishes in the tornado settings; handlers use the properties below."""
        return self.settings["beekeeper"]

    @property
    def projects(self) -> ProjectService:
        return self.services.projects

    @property
    def runs(self) -> RunService:
        return self.services.runs

    @property
    def run_metrics(self) -> RunMetricsService:
        return self.services.run_metrics

    @property
    def logs(self) -> LogHub:
        return self.services.logs

    @property
    def metrics(self) -> MetricsService:
        return self.services.metrics

    @property
    def tensorboards(self) -> TensorBoardService:
        return self.services.tensorboards

    @property
    def files(self) -> FileService:
        return self.services.files

    @property
    def example_projects(self) -> Examples:
        return self.services.example_projects

    @property
    def executors(self) -> dict[str, Executor]:
        return self.services.executors

    @property
    def interpreters(self) -> Interpreters:
        return self.services.interpreters

    @property
    def notifications(self) -> NotificationService:
        return self.services.notifications

    @property
    def schedules(self) -> ScheduleService:
        return self.services.schedules

    @property
    def sweeps(self) -> SweepService:
        return self.services.sweeps

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A BeekeeperError is `{"message", "field"}`; anything else is Jupyter's own error body."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if not isinstance(exc, BeekeeperError):
            return super().write_error(status_code, **kwargs)
        for name, value in exc.headers.items():
            self.set_header(name, value)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(exc.to_json()))

    def refuse(self, exc: BeekeeperError) -> None:
        """Answer with `exc` where raising cannot reach tornado (e.g. while a body streams in)."""
        self.send_error(exc.status, exc_info=(type(exc), exc, None))


@web.stream_request_body
class BeekeeperHandler(BeekeeperMixin, APIHandler):
    """Base for REST handlers under /beekeeper/api.

    The body streams in so its size is checked before it is read: a JSON body larger than
    `max_json_body_bytes` is a 413 on `body`, from Content-Length up front or while it arrives.
    A handler that streams its body elsewhere (uploads) sets `streams_body`.
    """

    streams_body = False
    _body: list[bytes] | None = None
    _body_size = 0

    def json_body_limit(self) -> int:
        return int(self.settings.get("beekeeper_max_json_body_bytes", JSON_BODY_LIMIT))

    async def prepare(self):
        await super().prepare()
        if self.streams_body or self._finished:
            return
        self._body = []
        limit = self.json_body_limit()
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise self._too_large(limit)
        # A chunked body has no length up front: read at most a little past the limit, then cut.
        self.request.connection.set_max_body_size(limit + 64 * 1024)

    def _too_large(self, limit: int) -> BeekeeperError:
        return BeekeeperError(413, f"the request body is larger than the limit of {limit} bytes", "body")

    def data_received(self, chunk: bytes) -> None:
        self._body_size += len(chunk)
        if self._body is not None and self._body_size <= self.json_body_limit():
            self._body.append(chunk)
        else:
            self._body = None  # over the limit: the rest is dropped, json_body() answers 413

    def raw_body(self) -> bytes:
        if self._body is None and self._body_size:
            raise self._too_large(self.json_body_limit())
        return b"".join(self._body or ())

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object (an empty body is `{}`), else a 400 on `body`."""
        raw = self.raw_body()
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("body", "the request body is not valid JSON") from None
        except RecursionError:
            raise bad_request("body", "the request body is nested too deeply") from None
        if not isinstance(body, dict):
            raise bad_request("body", "the request body must be a JSON object")
        return body

    def send(self, payload: Any, status: int = 200) -> None:
        """A JSON answer; bytes are JSON text already (e.g. a kept page of runs)."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(payload if isinstance(payload, bytes) else dumps(payload))

    def created(self, location: str, payload: Any) -> None:
        """201 with a Location that carries the server's base_url (e.g. /user/alice/)."""
        self.set_header("Location", absolute(self.base_url, location))
        self.send(payload, 201)

    def no_content(self) -> None:
        """204: done, nothing to show (a DELETE)."""
        self.set_status(204)
        self.finish()

    def int_arg(self, name: str, default: int | None = None, minimum: int = 0,
                maximum: int | None = None) -> int | None:
        return int_query(self, name, default, minimum, maximum)


def int_query(handler, name: str, default: int | None = None, minimum: int = 0,
              maximum: int | None = None) -> int | None:
    """A query integer in [minimum, maximum] (maximum defaults to INT_MAX), else a 400 naming it."""
    raw = handler.get_query_argument(name, None)
    if raw is None or raw == "":
        return default
    if not INT_RE.fullmatch(raw):
        raise bad_request(name, f"{name} must be an integer")
    top = INT_MAX if maximum is None else maximum
    value = int(raw) if len(raw) <= 20 else None  # never build a 10,000-digit int
    if value is None or not minimum <= value <= top:
        raise bad_request(name, f"{name} must be between {minimum} and {top}")
    return value


class BeekeeperWebSocket(BeekeeperMixin, WebSocketMixin, WebSocketHandler, JupyterHandler):
    """Base for WebSockets: the same authentication and authorization as the REST handlers.

    Subclasses may implement `async def prepare_stream()` (look up what will be streamed; a
    BeekeeperError there is an ordinary JSON error response, before the upgrade) and `open()`.
    """

    def set_default_headers(self):
        """JupyterHandler's default headers make no sense on a WebSocket upgrade."""

    def get_compression_options(self):
        return self.settings.get("websocket_compression_options", None)

    async def prepare_stream(self) -> None:
        """Look up what will be streamed; raise BeekeeperError to refuse before upgrading."""

    @ws_authenticated
    @authorized
    async def get(self, *args: str, **kwargs: str):
        await self.prepare_stream()
        await super().get(*args, **kwargs)


class StreamSocket(BeekeeperWebSocket):
    """A server-to-client stream, its lifecycle written once: on open `subscribe()`, then one task
    sends each message `messages()` yields — awaiting each write is the backpressure, so a slow
    client is read for no faster — and closes with 1000 when it ends; on close the task is
    cancelled and `unsubscribe()` runs. Clients only listen."""

    _task: asyncio.Task | None = None
    _subscribed = False

    def subscribe(self) -> None:
        """Register with a service before the first message (e.g. a listener or a mailbox)."""

    def unsubscribe(self) -> None:
        """Undo `subscribe`; runs once, when the connection closes."""

    async def messages(self) -> AsyncIterator[dict | str]:
        raise NotImplementedError
        yield  # pragma: no cover

    def open(self, *args, **kwargs):
        super().open(*args, **kwargs)
        self.subscribe()
        self._subscribed = True
        self._task = asyncio.get_running_loop().create_task(self._pump())

    async def _pump(self) -> None:
        try:
            async for message in self.messages():
                await self.write_message(message if isinstance(message, str) else json.dumps(message))
            self.close(1000)
        except (WebSocketClosedError, asyncio.CancelledError):
            pass

    def on_message(self, message):
        """Clients only listen."""

    def on_close(self):
        if self._task is not None:
            self._task.cancel()
        if self._subscribed:
            self._subscribed = False
            self.unsubscribe()
