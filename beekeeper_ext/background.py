"""One background loop: a coroutine called again and again on the event loop until stopped.

Why a helper: the run supervisor, schedules, the stall watchdog, the energy meter, the usage
history, run metrics and sweeps each need the same start / stop / cancel / log-and-go-on block,
and a hand-written copy is where one of them forgets to re-raise `CancelledError` or lets one
failed round end the loop for good. What differs between them stays theirs: the round itself
(`tick`), how long to pause (`every`, read before each pause so a changed trait takes effect),
whether the round's own time counts against the pause (`keep_rhythm`), whether the first round
waits (`delay_first`) and an `asyncio.Event` that cuts a pause short (`wake`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

MIN_PAUSE = 0.05  # seconds: a slow round never makes the next one start back to back


class PeriodicTask:
    """`start()` (idempotent, needs a running loop), `await stop()` (cancels, waits, idempotent)."""

    def __init__(self, name: str, tick: Callable[[], Awaitable[Any]], every: Callable[[], float], *,
                 log: logging.Logger | logging.LoggerAdapter, keep_rhythm: bool = False,
                 delay_first: bool = False, wake: asyncio.Event | None = None):
        self.name = name
        self.tick = tick
        self.every = every
        self.log = log
        self.keep_rhythm = keep_rhythm
        self.delay_first = delay_first
        self.wake = wake
        self.rounds = 0  # rounds done, failed ones included (diagnostics)
        self._task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"beekeeper {self.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        if self.delay_first:
            await self._pause(0.0)
        while True:
            began = loop.time()
            if self.wake is not None:
                self.wake.clear()  # what happens from here on wakes the next pause
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # one failed round must not end the loop
                self.log.exception("%s failed", self.name)
            self.rounds += 1
            await self._pause(loop.time() - began if self.keep_rhythm else 0.0)

    async def _pause(self, spent: float) -> None:
        delay = max(MIN_PAUSE, self.every() - spent) if self.keep_rhythm else self.every()
        if self.wake is None:
            await asyncio.sleep(delay)
            return
        try:
            await asyncio.wait_for(self.wake.wait(), delay)
        except asyncio.TimeoutError:
            pass
