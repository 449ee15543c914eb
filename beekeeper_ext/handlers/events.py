"""WebSocket /beekeeper/api/events: run and project changes as they happen, for the lab panel.

Messages: `{"type": "run", "run": {...}}` on every run transition and
`{"type": "project", "project": {...}}` on every project change (`{"name", "deleted": true}`
once a project is deleted). Each client has a bounded
queue; one that falls that far behind is disconnected (it reconnects and re-lists).
"""

from __future__ import annotations

import asyncio

from ..openapi import op
from ..urls import api
from .base import StreamSocket

BACKLOG = 1000


class EventsHandler(StreamSocket):
    openapi = {"get": op("WebSocket: run and project change events", status=101)}

    def subscribe(self) -> None:
        self._queue: asyncio.Queue = asyncio.Queue(BACKLOG)
        self.runs.subscribe(self._on_run)
        self.projects.listeners.append(self._on_project)

    def unsubscribe(self) -> None:
        self.runs.unsubscribe(self._on_run)
        if self._on_project in self.projects.listeners:
            self.projects.listeners.remove(self._on_project)

    def _put(self, message: dict) -> None:
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self.close(1013, "too far behind")

    def _on_run(self, run: dict) -> None:
        self._put({"type": "run", "run": run})

    def _on_project(self, project: dict) -> None:
        self._put({"type": "project", "project": project})

    async def messages(self):
        while True:
            yield await self._queue.get()


ROUTES = [(api("events"), EventsHandler)]
