"""Host and run metrics: a snapshot over REST, a live stream over a WebSocket.

Stream messages (text frames, JSON): first `{"type": "history", "interval", "samples": [...]}`
(the last `metrics_history` seconds), then `{"type": "sample", ...sample}` once per interval.
A client that reads slowly skips samples rather than queueing them without bound.
"""

from __future__ import annotations

from ..openapi import op
from ..urls import api
from .base import BeekeeperHandler, StreamSocket, endpoint

class MetricsHandler(BeekeeperHandler):
    openapi = {"get": op("A metrics sample taken now: CPU, memory, swap, disk, GPUs, running runs",
                         "HostSample")}

    @endpoint
    async def get(self):
        self.send(await self.metrics.current())


class MetricsStreamHandler(StreamSocket):
    openapi = {"get": {**op("WebSocket: a history message, then one sample per metrics_interval", status=101),
                       "x-messages": [{"$ref": f"#/components/schemas/{name}"}
                                      for name in ("MetricsHistory", "MetricsSample")]}}

    def subscribe(self) -> None:
        self._sub = self.metrics.subscribe()

    def unsubscribe(self) -> None:
        self.metrics.unsubscribe(self._sub)

    async def messages(self):
        yield {"type": "history", "interval": self.metrics.interval, "samples": self.metrics.history()}
        while True:
            # Each write paces this client; meanwhile its bounded mailbox drops old samples.
            yield {"type": "sample", **await self._sub.next()}


ROUTES = [
    (api("metrics"), MetricsHandler),
    (api("metrics", "stream"), MetricsStreamHandler),
]
