"""Helper processes Beekeeper starts for itself (uv, git, TensorBoard), and how none outlives it.

Each helper starts in its own session (so stopping it stops everything it spawned) with, on
Linux, a parent-death signal: the kernel SIGKILLs it when the server dies, even by `kill -9`.
While it runs it is recorded, pid with start time, in `BEEKEEPER_HOME/helpers/<server>.json`
(one file per server process, so two servers never overwrite each other's). At start-up a
server ends what a dead server of the same home left behind: a recorded process whose pid and
start time both still match (a recycled pid never does), and the members of its process group.
Runs are not helpers: they outlive the server on purpose (executors/local.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Callable

import psutil

log = logging.getLogger("beekeeper.processes")

PR_SET_PDEATHSIG = 1
START_TIME_SLACK = 0.05  # psutil's create_time is rounded; a recycled pid differs by far more


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()  # looked up once, so the child between fork and exec only calls it


def _die_with_parent(parent: int) -> None:  # runs in the child, before exec
    _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the server died before the signal was armed
        os._exit(1)


def child_options() -> dict:
    """Popen keyword arguments for a helper: its own session and, where possible, death with us."""
    options: dict = {"start_new_session": True}
    if _PRCTL is not None:
        options["preexec_fn"] = functools.partial(_die_with_parent, os.getpid())
    return options


def _start_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _same(pid: int, started: float | None) -> bool:
    now = _start_time(pid)
    return now is not None and started is not None and abs(now - started) <= START_TIME_SLACK


def end_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal a helper's whole process group (it leads its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class Helpers:
    """The registry of this server's running helpers, and the start-up sweep of a dead server's."""

    def __init__(self, home: Path):
        self.folder = Path(home) / "helpers"
        self.folder.mkdir(parents=True, exist_ok=True)
        me = psutil.Process()
        self.owner = {"pid": me.pid, "started": me.create_time()}
        self.path = self.folder / f"{me.pid}-{int(me.create_time() * 1000)}.json"
        self.running: dict[int, dict] = {}

    # -- the record ---------------------------------------------------------------------------
    def _save(self) -> None:
        if not self.running:
            self.path.unlink(missing_ok=True)
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"owner": self.owner, "helpers": list(self.running.values())}))
        os.replace(tmp, self.path)

    def add(self, pid: int, kind: str) -> None:
        started = _start_time(pid)
        if started is None:
            return  # gone already
        self.running[pid] = {"pid": pid, "started": started, "kind": kind}
        self._save()

    def remove(self, pid: int) -> None:
        if self.running.pop(pid, None) is not None:
            self._save()

    # -- starting -----------------------------------------------------------------------------
    async def spawn(self, argv: list[str], kind: str, **kwargs) -> asyncio.subprocess.Process:
        """asyncio.create_subprocess_exec for a helper: own session, parent-death signal, recorded.
        Call `finished(proc)` once it has been waited for."""
        proc = await asyncio.create_subprocess_exec(*argv, **child_options(), **kwargs)
        self.add(proc.pid, kind)
        return proc

    def finished(self, proc) -> None:
        self.remove(proc.pid)

    def stop(self, proc, sig: int = signal.SIGKILL) -> None:
        """End a helper and everything in its session, unless it has already been reaped."""
        if proc.returncode is None:
            end_group(proc.pid, sig)

    # -- the sweep ----------------------------------------------------------------------------
    def sweep(self) -> list[int]:
        """End helpers that a server of this home, now dead, left running; return their pids."""
        ended: list[int] = []
        for record in sorted(self.folder.glob("*.json")):
            if record == self.path:
                continue
            try:
                data = json.loads(record.read_text())
                owner = data["owner"]
                helpers = data["helpers"]
            except (OSError, ValueError, KeyError, TypeError):
                record.unlink(missing_ok=True)
                continue
            if _same(owner.get("pid"), owner.get("started")):
                continue  # that server still runs: its helpers are its own business
            for helper in helpers:
                try:
                    ended.extend(self._end_leftover(helper.get("pid"), helper.get("started"), helper.get("kind")))
                except Exception:  # a sweep must never keep the server from starting
                    log.exception("Beekeeper: could not end a leftover helper %r", helper)
            record.unlink(missing_ok=True)
        return ended

    @staticmethod
    def _end_leftover(pid, started, kind) -> list[int]:
        if not isinstance(pid, int) or not isinstance(started, (int, float)):
            return []
        victims: list[psutil.Process] = []
        if _same(pid, started):
            with contextlib.suppress(psutil.Error):
                leader = psutil.Process(pid)
                victims.append(leader)
                victims.extend(leader.children(recursive=True))
        # What it started in its group, even if the helper itself is gone: a pid cannot be reused
        # while a group of that id exists, and a member is never older than its group's leader.
        for proc in psutil.process_iter(["pid", "create_time"]):
            with contextlib.suppress(psutil.Error, OSError):  # gone while we look
                if os.getpgid(proc.pid) == pid and proc.info["create_time"] >= started - START_TIME_SLACK:
                    if proc not in victims:
                        victims.append(proc)
        ended = []
        for proc in victims:
            with contextlib.suppress(psutil.Error):
                proc.kill()  # psutil checks the pid still names the process it found
                ended.append(proc.pid)
        if ended:
            log.warning("Beekeeper: ended %s (pid %s) and %d more left by a server that died",
                        kind, pid, len(ended) - 1)
        return ended


async def run_to_log(helpers: Helpers, argv: list[str], log_path: Path, *, kind: str, cwd: Path | None = None,
                     env: dict[str, str] | None = None, timeout: float | None = None,
                     clean: Callable[[str], str] | None = None) -> tuple[int, str]:
    """Run a helper, appending its combined output to log_path as it comes; return (exit code,
    its last lines). On timeout (asyncio.TimeoutError) or cancellation its whole session is killed
    before the exception goes on, so a cancelled setup leaves nothing running.
    `clean` rewrites each line first (e.g. removes credentials); `\\r` progress updates are lines."""
    tail: list[str] = []
    with open(log_path, "ab", buffering=0) as log_file:
        proc = await helpers.spawn(argv, kind, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        assert proc.stdout is not None

        async def pump():
            pending = b""
            while True:
                chunk = await proc.stdout.read(65536)
                if not chunk:
                    break
                pending += chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    emit(raw)
            if pending:
                emit(pending)

        def emit(raw: bytes) -> None:
            line = raw.decode("utf-8", "replace")
            if clean is not None:
                line = clean(line)
            if line.strip():
                log_file.write(line.encode() + b"\n")
                tail.append(line)
                del tail[:-40]

        try:
            await asyncio.wait_for(asyncio.gather(pump(), proc.wait()), timeout or None)
        except BaseException:  # timed out, cancelled, or the log could not be written
            helpers.stop(proc)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise
        finally:
            helpers.stop(proc)  # leftovers in its session (a build backend, ssh)
            helpers.finished(proc)
    return proc.returncode, "\n".join(tail).strip()
