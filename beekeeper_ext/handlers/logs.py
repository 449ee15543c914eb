"""Run and setup logs: raw byte ranges over REST, and live streams over WebSockets.

Both speak byte offsets into the file, so a client that reconnects with the last offset it
saw gets exactly the bytes after it. Stream messages (text frames, JSON):
`{"type": "data", "offset", "next_offset", "data"}` … then `{"type": "end", "state",
"exit_code", "offset"}` once the writer has finished and every byte has been sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..logs import read_range, tail_offset
from ..openapi import op
from ..projects import SETUP_ACTIVE
from ..runs import ACTIVE
from ..urls import NAME, RUN, api
from .base import BeekeeperHandler, StreamSocket, endpoint, int_query

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


def run_source(runs, run_id: str) -> LogSource:
    row = runs.row(run_id)
    return LogSource(runs.log_path(row), f"{row['project']}-{run_id}.log",
                     lambda: runs.outcome(run_id)["state"] in ACTIVE, lambda: runs.outcome(run_id))


def setup_source(projects, name: str) -> LogSource:
    projects.row(name)
    return LogSource(projects.paths(name).setup_log, f"{name}-setup.log",
                     lambda: projects.setup_state(name) in SETUP_ACTIVE,
                     lambda: {"state": projects.setup_state(name), "exit_code": None})


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
        return run_source(self.runs, key)


class SetupLogHandler(LogHandler):
    openapi = {"get": op("A project's setup log (clone, venv, install) as raw bytes",
                         {"type": "string", "format": "binary"}, query=LOG_QUERY, binary=True)}

    def source(self, key):
        return setup_source(self.projects, key)


class LogStreamHandler(StreamSocket):
    """WebSocket: everything from ?offset=N, then each new write, then an end message."""

    def source(self, key: str) -> LogSource:
        raise NotImplementedError

    async def prepare_stream(self):
        # Routes name their group (run_id or name); tornado hands it over as a keyword.
        self.log_source = self.source(next(iter(self.path_kwargs.values())))
        self.start_offset = int_query(self, "offset", 0)

    async def messages(self):
        source, offset = self.log_source, self.start_offset
        async for at, data in self.logs.follow(source.path, offset, source.writing):
            offset = at + len(data)
            yield {"type": "data", "offset": at, "next_offset": offset, "data": data.decode("utf-8", "replace")}
        yield {"type": "end", **source.final(), "offset": offset}


LOG_MESSAGES = [{"$ref": f"#/components/schemas/{name}"} for name in ("LogData", "LogEnd")]


class RunLogStreamHandler(LogStreamHandler):
    openapi = {"get": {**op("WebSocket: a run's log live from ?offset=N (data messages, then an end "
                            "message with the run's final state)", status=101, query={"offset": "byte offset"}),
                       "x-messages": LOG_MESSAGES}}

    def source(self, key):
        return run_source(self.runs, key)


class SetupLogStreamHandler(LogStreamHandler):
    openapi = {"get": {**op("WebSocket: a project's setup log live from ?offset=N", status=101,
                            query={"offset": "byte offset"}),
                       "x-messages": LOG_MESSAGES}}

    def source(self, key):
        return setup_source(self.projects, key)


ROUTES = [
    (api("runs", RUN, "log"), RunLogHandler),
    (api("runs", RUN, "log", "stream"), RunLogStreamHandler),
    (api("projects", NAME, "setup", "log"), SetupLogHandler),
    (api("projects", NAME, "setup", "log", "stream"), SetupLogStreamHandler),
]
