"""How services hear of runs (the one interface RunService calls on each transition and deletion),
and how connections follow a service's changes (Subscribable: the /events stream).

Its own module so that services which both listen to runs and are used by RunService (run metrics)
do not import runs.py back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable


class RunListener:
    """What a service hears from RunService: every transition, and each deleted run.

    Why a list handed to the constructor: the services that react to runs cannot all exist
    before RunService (a sweep service makes its trials through it, yet must hear of their ends),
    and patching each one into RunService after the fact hid who tells whom. So app.py gives
    RunService one list of listeners when it builds it and fills that list in one place, once
    every listener exists. Subclasses override what they need; both default to doing nothing.
    Listeners run on the event loop and must not block.
    """

    def on_run(self, run: dict) -> None:
        """A run changed: its API view, after the store and run.json have the change."""

    def on_forget(self, run_id: str, folder: Path) -> None:
        """A run was deleted (its row is gone; its folder is about to be)."""


class Subscribable:
    """A service whose changes connections follow (the /events stream), each with a callback told
    the changed resource's view from subscribe until unsubscribe. The service sets `subscribers`
    to a list and tells each one, logging a failing callback rather than failing the change."""

    subscribers: list[Callable[[dict], None]]

    def subscribe(self, callback: Callable[[dict], None]) -> None:
        self.subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[dict], None]) -> None:
        if callback in self.subscribers:
            self.subscribers.remove(callback)
