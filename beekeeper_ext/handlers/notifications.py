"""REST handlers for notification sinks, their delivery record and test messages."""

from __future__ import annotations

from ..openapi import op
from ..urls import SINK, api
from .base import BeekeeperHandler, endpoint


class SinksHandler(BeekeeperHandler):
    openapi = {
        "get": op("Notification sinks (stored and configured); secrets masked", "SinkList"),
        "post": op("Add a sink: webhook, slack, discord, ntfy (url) or email (host, port, security, "
                   "username, password, sender, to), with the events it wants", "Sink", 201,
                   body="SinkCreate"),
    }

    @endpoint
    async def get(self):
        self.send(self.notifications.list())

    @endpoint
    async def post(self):
        self.send(self.notifications.create(self.json_body()), 201)


class SinkHandler(BeekeeperHandler):
    openapi = {
        "get": op("One sink; secrets masked", "Sink"),
        "patch": op("Edit a sink (409 for one from the configuration); a masked url sent back keeps the "
                    "stored one", "Sink", body="SinkUpdate"),
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
        self.no_content()


class DeliveriesHandler(BeekeeperHandler):
    openapi = {"get": op("Delivery attempts, newest first", "DeliveryList",
                         query={"sink": "only this sink", "limit": "at most this many (default 100)"})}

    @endpoint
    async def get(self):
        limit = self.int_arg("limit", 100, minimum=1, maximum=1000)
        self.send(self.notifications.deliveries(self.get_query_argument("sink", None) or None, limit))


class TestHandler(BeekeeperHandler):
    openapi = {"post": op("Send a test message to one sink now (up to 3 tries); every attempt is returned",
                          "TestResult", body="TestRequest")}

    @endpoint
    async def post(self):
        self.send(await self.notifications.test(self.json_body()))


ROUTES = [
    (api("notifications", "sinks"), SinksHandler),
    (api("notifications", "sinks", SINK), SinkHandler),
    (api("notifications", "deliveries"), DeliveriesHandler),
    (api("notifications", "test"), TestHandler),
]
