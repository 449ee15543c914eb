"""Run and setup logs: raw byte ranges over REST, and live streams over WebSockets.

Both speak byte offsets into the file, so a client that reconnects with the last offset it
saw gets exactly the bytes after it. Stream messages (text frames, JSON):
`{"type": "data", "offset", "next_offset", "data"}` … then `{"type": "end", "state",
"exit_code", "offset"}` once the writer has finished and every byte has been sent.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tornado.websocket import WebSocketClosedError

from ..errors import bad_request
from ..logs import read_range, tail_offset
from ..openapi import op
from ..projects import SETUP_ACTIVE
from ..runs import ACTIVE
from .base import BeekeeperHandler, BeekeeperWebSocket, endpoint

NAME = r"(?P<name>[^/]+)"
RUN = r"(?P<run_id>[^/]+)"
MAX_LIMIT = 16 * 1024 * 1024
LOG_QUERY = {"offset": "first byte to return (default 0)",
             "limit": f"most bytes to return (default 1 MiB, at most {MAX_LIMIT})",
             "tail": "instead of offset: the last N lines", "download": "1: as an attachment"}


@dataclass
class LogSource:
    """A log file and how to tell whether its writer is still going, and how it ended."""

    path: Path
    filename: str
    writing: Callable[[], bool]
    final: Callable[[], dict]


def run_source(bk, run_id: str) -> LogSource:
    row = bk.runs.row(run_id)

    def current() -> dict:
        return bk.store.get_run(run_id) or {"state": "deleted", "exit_code": None}

    return LogSource(bk.runs.log_path(row), f"{row['project']}-{run_id}.log",
                     lambda: current()["state"] in ACTIVE,
                     lambda: {"state": current()["state"], "exit_code": current()["exit_code"]})


def setup_source(bk, name: str) -> LogSource:
    bk.projects.row(name)

    def state() -> str:
        row = bk.store.get_project(name)
        return row["setup_state"] if row else "deleted"

    return LogSource(bk.projects.paths(name).setup_log, f"{name}-setup.log",
                     lambda: state() in SETUP_ACTIVE, lambda: {"state": state(), "exit_code": None})


class LogHandler(BeekeeperHandler):
    """GET raw bytes of a log with X-Beekeeper-Offset / -Next-Offset / -Writing headers."""

    def source(self, key: str) -> LogSource:
        raise NotImplementedError

    @endpoint
    async def get(self, **ids):
        source = self.source(next(iter(ids.values())))
        limit = self.int_arg("limit", 1024 * 1024, minimum=0, maximum=MAX_LIMIT)
        tail = self.int_arg("tail", None, minimum=0)
        if tail is not None:
            offset = await asyncio.to_thread(tail_offset, source.path, tail)
        else:
            offset = self.int_arg("offset", 0)
        writing = source.writing()  # before reading: "false" then means these bytes are final
        data = await asyncio.to_thread(read_range, source.path, offset, limit)
        self.set_header("X-Beekeeper-Offset", str(offset))
        self.set_header("X-Beekeeper-Next-Offset", str(offset + len(data)))
        self.set_header("X-Beekeeper-Writing", "true" if writing else "false")
        if self.get_query_argument("download", "") in ("1", "true"):
            self.set_header("Content-Disposition", f'attachment; filename="{source.filename}"')
        self.finish(data, set_content_type="application/octet-stream")


class RunLogHandler(LogHandler):
    openapi = {"get": op("A run's log as raw bytes; X-Beekeeper-Next-Offset and X-Beekeeper-Writing "
                         "headers tell where to continue", {"type": "string", "format": "binary"},
                         query=LOG_QUERY, binary=True)}

    def source(self, key):
        return run_source(self.bk, key)


class SetupLogHandler(LogHandler):
    openapi = {"get": op("A project's setup log (clone, venv, install) as raw bytes",
                         {"type": "string", "format": "binary"}, query=LOG_QUERY, binary=True)}

    def source(self, key):
        return setup_source(self.bk, key)


class LogStreamHandler(BeekeeperWebSocket):
    """WebSocket: everything from ?offset=N, then each new write, then an end message."""

    _task: asyncio.Task | None = None

    def source(self, key: str) -> LogSource:
        raise NotImplementedError

    async def prepare_stream(self, *args):
        # Routes name their group (run_id or name); tornado hands it over as a keyword.
        self.log_source = self.source(next(iter(self.path_kwargs.values())))
        raw = self.get_query_argument("offset", "0") or "0"
        if not raw.isdigit():
            raise bad_request("offset", "offset must be a non-negative integer")
        self.start_offset = int(raw)

    def open(self, *args, **kwargs):
        super().open(*args, **kwargs)
        self._task = asyncio.get_running_loop().create_task(self._pump())

    async def _pump(self) -> None:
        source, offset = self.log_source, self.start_offset
        try:
            async for at, data in self.bk.logs.follow(source.path, offset, source.writing):
                offset = at + len(data)
                # Awaiting the write is the backpressure: a slow client is read for no faster.
                await self.write_message(json.dumps({
                    "type": "data", "offset": at, "next_offset": offset,
                    "data": data.decode("utf-8", "replace")}))
            await self.write_message(json.dumps({"type": "end", **source.final(), "offset": offset}))
            self.close(1000)
        except (WebSocketClosedError, asyncio.CancelledError):
            pass

    def on_message(self, message):
        """Clients only listen."""

    def on_close(self):
        if self._task is not None:
            self._task.cancel()


class RunLogStreamHandler(LogStreamHandler):
    openapi = {"get": op("WebSocket: a run's log live from ?offset=N (data messages, then an end "
                         "message with the run's final state)", status=101, query={"offset": "byte offset"})}

    def source(self, key):
        return run_source(self.bk, key)


class SetupLogStreamHandler(LogStreamHandler):
    openapi = {"get": op("WebSocket: a project's setup log live from ?offset=N", status=101,
                         query={"offset": "byte offset"})}

    def source(self, key):
        return setup_source(self.bk, key)


ROUTES = [
    (rf"/beekeeper/api/runs/{RUN}/log", RunLogHandler),
    (rf"/beekeeper/api/runs/{RUN}/log/stream", RunLogStreamHandler),
    (rf"/beekeeper/api/projects/{NAME}/setup/log", SetupLogHandler),
    (rf"/beekeeper/api/projects/{NAME}/setup/log/stream", SetupLogStreamHandler),
]
