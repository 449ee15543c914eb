"""WebSocket /beekeeper/api/events: run and project changes as they happen, for the lab panel.

Messages: `{"type": "run", "run": {...}}` on every run transition and
`{"type": "project", "project": {...}}` on every project change (`{"name", "deleted": true}`
once a project is deleted). Each client has a bounded
queue; one that falls that far behind is disconnected (it reconnects and re-lists).
"""

from __future__ import annotations

import asyncio
import json

from tornado.websocket import WebSocketClosedError

from ..openapi import op
from .base import BeekeeperWebSocket

BACKLOG = 1000


class EventsHandler(BeekeeperWebSocket):
    openapi = {"get": op("WebSocket: run and project change events", status=101)}

    _task: asyncio.Task | None = None

    def open(self, *args, **kwargs):
        super().open(*args, **kwargs)
        self._queue: asyncio.Queue = asyncio.Queue(BACKLOG)
        self.bk.runs.listeners.append(self._on_run)
        self.bk.projects.listeners.append(self._on_project)
        self._task = asyncio.get_running_loop().create_task(self._pump())

    def _put(self, message: dict) -> None:
        try:
            self._queue.put_nowait(json.dumps(message))
        except asyncio.QueueFull:
            self.close(1013, "too far behind")

    def _on_run(self, run: dict) -> None:
        self._put({"type": "run", "run": run})

    def _on_project(self, project: dict) -> None:
        self._put({"type": "project", "project": project})

    async def _pump(self) -> None:
        try:
            while True:
                await self.write_message(await self._queue.get())
        except (WebSocketClosedError, asyncio.CancelledError):
            pass

    def on_message(self, message):
        """Clients only listen."""

    def on_close(self):
        for listeners, callback in ((self.bk.runs.listeners, self._on_run),
                                    (self.bk.projects.listeners, self._on_project)):
            if callback in listeners:
                listeners.remove(callback)
        if self._task is not None:
            self._task.cancel()


ROUTES = [(r"/beekeeper/api/events", EventsHandler)]
