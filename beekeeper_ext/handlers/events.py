"""WebSocket /beekeeper/api/events: run and project changes as they happen, for the lab panel.

Messages: `{"type": "run", "run": {...}}` on every run transition,
`{"type": "project", "project": {...}}` on every project change (`{"name", "deleted": true}`
once a project is deleted) and `{"type": "sweep", "sweep": {...}}` (the sweep as `GET /sweeps`
lists it) whenever a sweep or one of its trials changes (`{"id", "deleted": true}` once deleted),
so a sweep view follows its trial counts, best trial and end without polling. Each client has a bounded
queue; one that falls that far behind is disconnected (it reconnects and re-lists).
"""

from __future__ import annotations

import asyncio

from ..openapi import op
from ..urls import api
from .base import StreamSocket

BACKLOG = 1000


class EventsHandler(StreamSocket):
    openapi = {"get": {**op("WebSocket: run, project and sweep change events (text frames, JSON)", status=101),
                       "x-messages": [{"$ref": f"#/components/schemas/{name}"}
                                      for name in ("RunEvent", "ProjectEvent", "SweepEvent")]}}

    def subscribe(self) -> None:
        self._queue: asyncio.Queue = asyncio.Queue(BACKLOG)
        self.runs.subscribe(self._on_run)
        self.projects.listeners.append(self._on_project)
        self.sweeps.subscribe(self._on_sweep)

    def unsubscribe(self) -> None:
        self.runs.unsubscribe(self._on_run)
        self.sweeps.unsubscribe(self._on_sweep)
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

    def _on_sweep(self, sweep: dict) -> None:
        self._put({"type": "sweep", "sweep": sweep})

    async def messages(self):
        while True:
            yield await self._queue.get()


ROUTES = [(api("events"), EventsHandler)]
