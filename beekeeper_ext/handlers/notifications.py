"""REST handlers for notification sinks, their delivery record and test messages."""

from __future__ import annotations

from ..notifications import EVENTS, KINDS, SECURITY
from ..openapi import op
from ..urls import SINK, api
from .base import BeekeeperHandler, endpoint

_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
SINK_SCHEMA = {"type": "object", "properties": {
    "id": _STR, "name": _STR, "kind": {"type": "string", "enum": list(KINDS)},
    "events": {"type": "array", "items": {"type": "string", "enum": list(EVENTS)}},
    "enabled": {"type": "boolean"}, "source": {"type": "string", "enum": ["api", "config"]},
    "created": _NSTR, "updated": _NSTR,
    "url": {"type": "string", "description": "masked: scheme, host and the last 4 characters"},
    "host": _STR, "port": {"type": "integer"}, "security": {"type": "string", "enum": list(SECURITY)},
    "username": _NSTR, "password_set": {"type": "boolean"}, "sender": _STR,
    "to": {"type": "array", "items": _STR}}}
SINK_BODY = {"type": "object", "properties": {
    "name": _STR, "kind": {"type": "string", "enum": list(KINDS)},
    "events": {"type": "array", "items": {"type": "string", "enum": list(EVENTS)}},
    "enabled": {"type": "boolean"}, "url": {"type": "string", "writeOnly": True},
    "host": _STR, "port": {"type": "integer"}, "security": {"type": "string", "enum": list(SECURITY)},
    "username": _STR, "password": {"type": "string", "writeOnly": True}, "sender": _STR,
    "to": {"oneOf": [_STR, {"type": "array", "items": _STR}]}}}
SINK_LIST = {"type": "object", "properties": {
    "sinks": {"type": "array", "items": SINK_SCHEMA},
    "events": {"type": "array", "items": _STR}, "kinds": {"type": "array", "items": _STR}}}
DELIVERY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "sink_id": _STR, "sink_name": _NSTR, "kind": _NSTR, "event": _STR,
    "project": _NSTR, "run_id": _NSTR, "attempt": {"type": "integer"}, "ok": {"type": "boolean"},
    "status": {"type": "integer", "nullable": True}, "error": _NSTR, "created": _STR}}
DELIVERY_LIST = {"type": "object", "properties": {"deliveries": {"type": "array", "items": DELIVERY}}}
TEST_RESULT = {"type": "object", "properties": {"delivered": {"type": "boolean"},
                                                "attempts": {"type": "array", "items": DELIVERY}}}


class SinksHandler(BeekeeperHandler):
    openapi = {
        "get": op("Notification sinks (stored and configured); secrets masked", SINK_LIST),
        "post": op("Add a sink: webhook, slack, discord, ntfy (url) or email (host, port, security, "
                   "username, password, sender, to), with the events it wants", SINK_SCHEMA, 201,
                   body=SINK_BODY),
    }

    @endpoint
    async def get(self):
        self.send(self.notifications.list())

    @endpoint
    async def post(self):
        self.send(self.notifications.create(self.json_body()), 201)


class SinkHandler(BeekeeperHandler):
    openapi = {
        "get": op("One sink; secrets masked", SINK_SCHEMA),
        "patch": op("Edit a sink (409 for one from the configuration); a masked url sent back keeps the "
                    "stored one", SINK_SCHEMA, body=SINK_BODY),
        "delete": op("Remove a sink (409 for one from the configuration)", status=204),
    }

    @endpoint
    async def get(self, sink_id):
        self.send(self.notifications.get(sink_id))

    @endpoint
    async def patch(self, sink_id):
        self.send(self.notifications.update(sink_id, self.json_body()))

    @endpoint
    async def delete(self, sink_id):
        self.notifications.delete(sink_id)
        self.set_status(204)
        self.finish()


class DeliveriesHandler(BeekeeperHandler):
    openapi = {"get": op("Delivery attempts, newest first", DELIVERY_LIST,
                         query={"sink": "only this sink", "limit": "at most this many (default 100)"})}

    @endpoint
    async def get(self):
        limit = self.int_arg("limit", 100, minimum=1, maximum=1000)
        self.send(self.notifications.deliveries(self.get_query_argument("sink", None) or None, limit))


class TestHandler(BeekeeperHandler):
    openapi = {"post": op("Send a test message to one sink now (up to 3 tries); every attempt is returned",
                          TEST_RESULT, body={"type": "object", "required": ["sink"],
                                             "properties": {"sink": {"type": "string"}}})}

    @endpoint
    async def post(self):
        self.send(await self.notifications.test(self.json_body()))


ROUTES = [
    (api("notifications", "sinks"), SinksHandler),
    (api("notifications", "sinks", SINK), SinkHandler),
    (api("notifications", "deliveries"), DeliveriesHandler),
    (api("notifications", "test"), TestHandler),
]
