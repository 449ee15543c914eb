"""Host and run metrics: a snapshot over REST, a live stream over a WebSocket.

Stream messages (text frames, JSON): first `{"type": "history", "interval", "samples": [...]}`
(the last `metrics_history` seconds), then `{"type": "sample", ...sample}` once per interval.
A client that reads slowly skips samples rather than queueing them without bound.
"""

from __future__ import annotations

import asyncio
import json

from tornado.websocket import WebSocketClosedError

from ..openapi import op
from .base import BeekeeperHandler, BeekeeperWebSocket, endpoint

SAMPLE = {"type": "object", "properties": {
    "time": {"type": "number"},
    "cpu": {"type": "object", "description": "percent, per_core, count, load_average"},
    "memory": {"type": "object"}, "swap": {"type": "object"},
    "disk": {"type": "object", "description": "usage of the file system holding BEEKEEPER_HOME"},
    "gpus": {"type": "array", "items": {"type": "object"}},
    "gpu_status": {"type": "string", "nullable": True, "description": "why gpus is empty"},
    "runs": {"type": "array", "items": {"type": "object"}},
}}


class MetricsHandler(BeekeeperHandler):
    openapi = {"get": op("A metrics sample taken now: CPU, memory, swap, disk, GPUs, running runs", SAMPLE)}

    @endpoint
    async def get(self):
        self.send(await self.bk.metrics.current())


class MetricsStreamHandler(BeekeeperWebSocket):
    openapi = {"get": op("WebSocket: a history message, then one sample per metrics_interval", status=101)}

    _task: asyncio.Task | None = None
    _sub = None

    def open(self, *args, **kwargs):
        super().open(*args, **kwargs)
        self._sub = self.bk.metrics.subscribe()
        self._task = asyncio.get_running_loop().create_task(self._pump())

    async def _pump(self) -> None:
        metrics = self.bk.metrics
        try:
            await self.write_message(json.dumps({"type": "history", "interval": self.bk.metrics_interval,
                                                 "samples": metrics.history()}))
            while True:
                sample = await self._sub.next()
                # Awaiting the write paces this client; meanwhile its bounded mailbox drops old samples.
                await self.write_message(json.dumps({"type": "sample", **sample}))
        except (WebSocketClosedError, asyncio.CancelledError):
            pass

    def on_message(self, message):
        """Clients only listen."""

    def on_close(self):
        if self._sub is not None:
            self.bk.metrics.unsubscribe(self._sub)
            self._sub = None
        if self._task is not None:
            self._task.cancel()


ROUTES = [
    (r"/beekeeper/api/metrics", MetricsHandler),
    (r"/beekeeper/api/metrics/stream", MetricsStreamHandler),
]
