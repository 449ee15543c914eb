"""One TensorBoard per project, started on demand, reachable only through Beekeeper's proxy.

TensorBoard runs from Beekeeper's own Python (the project's venv need not contain it), bound to
127.0.0.1 on a free port; the browser reaches it only at /beekeeper/tensorboard/NAME/ behind
Jupyter's authentication. TensorBoard uses relative URLs, so it needs no --path_prefix there.
States: starting → ready (its HTTP API answers) → stopped; `failed` when it exits before ready
and `crashed` when it dies later — the next request starts a fresh one. Idle boards (no proxied
request for `tensorboard_idle_timeout` seconds) are stopped, and so are a deleted project's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from traitlets import Float, Int
from traitlets.config import LoggingConfigurable

from .childenv import inherited_env
from .errors import BeekeeperError, conflict
from .processes import Helpers
from .scalars import LatestScalars
from .urls import tensorboard as tensorboard_path

log = logging.getLogger("beekeeper.tensorboard")

HEALTH_PATH = "/data/environment"
READY_TIMEOUT = 120.0
STOP_GRACE = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tensorboard_argv(logdir: Path, port: int, reload_interval: int) -> list[str]:
    """The command that serves one log dir: this interpreter's TensorBoard, loopback only."""
    return [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
            "--port", str(port), "--reload_interval", str(reload_interval)]


def _iso(epoch: float | None) -> str | None:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat() if epoch else None


@dataclass
class Board:
    project: str
    logdir: Path
    port: int
    process: asyncio.subprocess.Process
    log_path: Path
    state: str = "starting"
    message: str | None = None
    started: float = field(default_factory=time.time)
    last_request: float = field(default_factory=time.monotonic)
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # set once ready or gone
    tasks: list[asyncio.Task] = field(default_factory=list)  # readiness and idle watchers
    exit_task: asyncio.Task | None = None
    stopping: bool = False

    @property
    def alive(self) -> bool:
        return self.process.returncode is None and self.state in ("starting", "ready")


class TensorBoardService(LoggingConfigurable):
    """One TensorBoard per project, started on demand, stopped when idle or when the project goes."""

    idle_timeout = Float(1800.0, help="Seconds without a request before a board stops "
                                      "(also c.BeekeeperApp.tensorboard_idle_timeout).").tag(config=True)
    reload_interval = Int(5, help="TensorBoard --reload_interval, in seconds "
                                  "(also c.BeekeeperApp.tensorboard_reload_interval).").tag(config=True)

    def __init__(self, projects, helpers: Helpers, **kwargs):
        super().__init__(**kwargs)
        self.projects = projects
        self.helpers = helpers
        projects.delete_hooks.append(self.forget_project)
        self.boards: dict[str, Board] = {}
        self.scalars = LatestScalars()
        self._locks: dict[str, asyncio.Lock] = {}

    def logdir(self, name: str) -> Path:
        row = self.projects.row(name)  # 404 for an unknown project
        src = self.projects.paths(name).src
        if not src.is_dir():
            raise conflict(f"project {name} has no source checkout yet")
        logdir = (src / (row.get("tensorboard_log_dir") or "runs")).resolve()
        if logdir != src.resolve() and src.resolve() not in logdir.parents:
            raise conflict("tensorboard_log_dir leaves the project", "tensorboard_log_dir")
        return logdir

    def status(self, name: str) -> dict:
        self.projects.row(name)
        board = self.boards.get(name)
        base = {"project": name, "url": tensorboard_path(name)}
        if board is None:
            return {**base, "state": "stopped", "pid": None, "started": None, "last_request": None,
                    "message": None}
        idle = time.monotonic() - board.last_request
        return {**base, "state": board.state, "pid": board.process.pid, "started": _iso(board.started),
                "last_request": _iso(time.time() - idle), "idle_seconds": round(idle, 1),
                "message": board.message}

    async def latest_scalars(self, name: str) -> dict:
        """Latest value per scalar tag per run folder, from the event files (no TensorBoard needed)."""
        try:
            logdir = self.logdir(name)
        except BeekeeperError as exc:
            if exc.status != 409:
                raise
            return {"runs": {}}
        return await asyncio.to_thread(self.scalars.read, logdir)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, name: str) -> dict:
        """Start the project's TensorBoard, or reuse the one running; returns at once (starting)."""
        await self._ensure(name)
        return self.status(name)

    async def _ensure(self, name: str) -> Board:
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            board = self.boards.get(name)
            if board is not None and board.alive:
                return board
            if board is not None:
                await self._stop_board(board)
            logdir = self.logdir(name)
            await asyncio.to_thread(logdir.mkdir, parents=True, exist_ok=True)
            board = await self._spawn(name, logdir)
            self.boards[name] = board
            return board

    async def _spawn(self, name: str, logdir: Path) -> Board:
        port = free_port()
        log_path = self.projects.paths(name).root / "tensorboard.log"
        argv = tensorboard_argv(logdir, port, self.reload_interval)
        with open(log_path, "ab") as out:
            # A helper (processes.py): its own session, so stopping it also stops its data server,
            # recorded, and gone with the server; Jupyter's credentials stay with Jupyter.
            process = await self.helpers.spawn(
                argv, "tensorboard", cwd=str(logdir), stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
                env=inherited_env())
        board = Board(name, logdir, port, process, log_path)
        loop = asyncio.get_running_loop()
        board.tasks = [loop.create_task(self._watch_ready(board)), loop.create_task(self._watch_idle(board))]
        board.exit_task = loop.create_task(self._watch_exit(board))
        log.info("TensorBoard for %s: pid %s on 127.0.0.1:%s", name, process.pid, port)
        return board

    async def _watch_ready(self, board: Board) -> None:
        client = AsyncHTTPClient()
        deadline = time.monotonic() + READY_TIMEOUT
        url = f"http://127.0.0.1:{board.port}{HEALTH_PATH}"
        while board.state == "starting":
            try:
                await client.fetch(url, request_timeout=5, connect_timeout=2)
                board.state = "ready"
                break
            except (HTTPClientError, OSError):
                pass
            if time.monotonic() > deadline:
                board.state, board.message = "failed", f"not ready after {READY_TIMEOUT:.0f} s"
                self._signal(board, signal.SIGKILL)
                break
            await asyncio.sleep(0.1)
        board.ready.set()

    async def _watch_exit(self, board: Board) -> None:
        code = await board.process.wait()
        self.helpers.finished(board.process)
        if not board.stopping:
            tail = await asyncio.to_thread(_tail, board.log_path)
            board.state = "failed" if board.state == "starting" else "crashed"
            board.message = f"TensorBoard exited with code {code}" + (f": {tail}" if tail else "")
            log.warning("TensorBoard for %s %s: %s", board.project, board.state, board.message)
        board.ready.set()

    async def _watch_idle(self, board: Board) -> None:
        while board.alive:
            remaining = board.last_request + self.idle_timeout - time.monotonic()
            if remaining <= 0:
                log.info("TensorBoard for %s idle for %.0f s: stopping", board.project, self.idle_timeout)
                asyncio.get_running_loop().create_task(self.stop(board.project, only=board))
                return
            await asyncio.sleep(min(remaining, 30.0) + 0.01)

    async def port_for(self, name: str, timeout: float = READY_TIMEOUT) -> int:
        """The port of the project's ready TensorBoard, starting (or restarting) it first if needed.
        This is the only way the proxy learns a port, so it can reach nothing else."""
        board = await self._ensure(name)
        board.last_request = time.monotonic()
        if board.state == "starting":
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(board.ready.wait()), timeout)
        if board.state != "ready":
            raise BeekeeperError(503, f"TensorBoard for {name} is {board.state}"
                                      + (f": {board.message}" if board.message else ""))
        return board.port

    def running(self, name: str) -> bool:
        """Whether the project's TensorBoard is up (or coming up): a request then starts nothing."""
        board = self.boards.get(name)
        return board is not None and board.alive

    def touch(self, name: str) -> None:
        board = self.boards.get(name)
        if board is not None:
            board.last_request = time.monotonic()

    async def stop(self, name: str, only: Board | None = None) -> dict:
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            board = self.boards.get(name)
            if board is not None and (only is None or board is only):
                await self._stop_board(board)
                del self.boards[name]
        return {"project": name, "url": tensorboard_path(name), "state": "stopped", "pid": None,
                "started": None, "last_request": None, "message": None}

    async def _stop_board(self, board: Board) -> None:
        board.stopping = True
        current = asyncio.current_task()
        for task in board.tasks:
            if task is not current:
                task.cancel()
        if board.process.returncode is None:
            self._signal(board, signal.SIGTERM)
            try:
                await asyncio.wait_for(board.process.wait(), STOP_GRACE)
            except asyncio.TimeoutError:
                self._signal(board, signal.SIGKILL)
                await board.process.wait()
        self._signal(board, signal.SIGKILL)  # leftovers in its group, e.g. the data server
        self.helpers.finished(board.process)
        board.state = "stopped"
        board.ready.set()

    @staticmethod
    def _signal(board: Board, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(board.process.pid, sig)

    async def forget_project(self, name: str) -> None:
        """projects.delete_hooks: a deleted project's TensorBoard goes with it."""
        await self.stop(name)
        self._locks.pop(name, None)
        with contextlib.suppress(BeekeeperError):
            self.scalars.forget(self.projects.paths(name).src)

    async def close(self) -> None:
        for name in list(self.boards):
            await self.stop(name)


def _tail(path: Path, limit: int = 400) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            return f.read().decode("utf-8", "replace").strip().splitlines()[-1] if f.tell() else ""
    except (OSError, IndexError):
        return ""
