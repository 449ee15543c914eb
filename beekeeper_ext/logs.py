"""Following log files: one watcher per file, shared by every follower (fan-out).

A watcher checks the file's size every `log_poll_interval` seconds, and only while someone
follows. Each follower reads from its own byte offset in chunks of at most 64 KiB, so no file
is ever loaded whole and a slow client only slows itself (the WebSocket write is awaited
before the next chunk is read). Chunks end on a UTF-8 character boundary while the file is
still being written, so a multibyte character is never split across two messages; offsets are
always byte offsets into the file.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import AsyncIterator, Callable

from traitlets import Float
from traitlets.config import LoggingConfigurable

CHUNK = 64 * 1024
END_CHECK = 0.25  # seconds between "has the writer finished?" checks while no bytes arrive


def utf8_safe_end(data: bytes) -> int:
    """Length of the longest prefix of `data` that does not end inside a UTF-8 sequence."""
    n = len(data)
    for back in range(1, min(4, n) + 1):
        byte = data[n - back]
        if byte & 0xC0 == 0x80:  # continuation byte: keep looking for the lead byte
            continue
        if byte >= 0xF8:  # never valid in UTF-8: nothing to wait for
            return n
        if byte >= 0xF0:
            need = 4
        elif byte >= 0xE0:
            need = 3
        elif byte >= 0xC0:
            need = 2
        else:
            return n
        return n - back if back < need else n
    return n  # only continuation bytes: invalid anyway, send them


def read_range(path: Path, offset: int, limit: int) -> bytes:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read(limit)
    except FileNotFoundError:
        return b""


def tail_offset(path: Path, lines: int, max_bytes: int = 16 * 1024 * 1024) -> int:
    """Byte offset where the last `lines` lines start, reading backwards at most `max_bytes`."""
    try:
        with open(path, "rb") as f:
            end = f.seek(0, os.SEEK_END)
            if lines <= 0 or end == 0:
                return end
            f.seek(end - 1)
            pos = end - 1 if f.read(1) == b"\n" else end  # a final newline ends a line, starts none
            found = 0
            while pos > 0 and end - pos < max_bytes:
                start = max(0, pos - CHUNK)
                f.seek(start)
                block = f.read(pos - start)
                i = len(block)
                while (i := block.rfind(b"\n", 0, i)) >= 0:
                    found += 1
                    if found == lines:
                        return start + i + 1
                pos = start
            return pos
    except FileNotFoundError:
        return 0


class _Watch:
    """The size of one file, refreshed while at least one follower waits on it."""

    def __init__(self, path: Path, interval: float):
        self.path = path
        self.interval = interval
        self.size = self._stat()
        self.followers = 0
        self._changed = asyncio.Event()
        self._task: asyncio.Task | None = None

    def _stat(self) -> int:
        try:
            return os.stat(self.path).st_size
        except OSError:
            return 0

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self.followers > 0:
            size = self._stat()
            if size != self.size:
                self.size = size
                self.notify()
            await asyncio.sleep(self.interval)

    def notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_beyond(self, offset: int, timeout: float) -> None:
        if self.size > offset:
            return
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except asyncio.TimeoutError:
            pass


class LogHub(LoggingConfigurable):
    """Shares one watcher per followed file among all its followers."""

    poll_interval = Float(0.01, help="Seconds between size checks of a followed file "
                                     "(also c.BeekeeperApp.log_poll_interval).").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._watches: dict[Path, _Watch] = {}

    async def close(self) -> None:
        """Jupyter is stopping: end the watchers (followers see their sockets close)."""
        tasks = [w._task for w in self._watches.values() if w._task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._watches.clear()

    async def follow(self, path: Path, offset: int, writing: Callable[[], bool]) -> AsyncIterator[tuple[int, bytes]]:
        """Yield (offset, bytes) from `offset` on, then each new write, until `writing()` is
        False and every byte has been yielded."""
        path = Path(path)
        watch = self._watches.get(path)
        if watch is None:
            watch = self._watches[path] = _Watch(path, self.poll_interval)
        watch.followers += 1
        watch.start()
        try:
            while True:
                data = read_range(path, offset, CHUNK)
                if data:
                    done = not writing()
                    cut = len(data) if done and len(data) < CHUNK else utf8_safe_end(data)
                    if cut:  # 0: only part of one character so far; wait for the rest
                        yield offset, data[:cut]
                        offset += cut
                        continue
                if not writing():
                    # The writer is done; the file may have grown after our last read.
                    rest = read_range(path, offset, CHUNK)
                    if rest:
                        yield offset, rest
                        offset += len(rest)
                        continue
                    return
                await watch.wait_beyond(offset + (len(data) if data else 0), END_CHECK)
        finally:
            watch.followers -= 1
            if watch.followers <= 0:
                self._watches.pop(path, None)
