"""The handler table: each module contributes ROUTES; app.py mounts them all."""

from __future__ import annotations

from . import (events, examples, experiments, files, logs, meta, metrics, notifications, projects, runs,
               schedules, sweeps, tensorboard)


def routes() -> list[tuple]:
    """Every (pattern, handler) pair Beekeeper serves, API and proxy alike."""
    table: list[tuple] = []
    for module in (meta, projects, runs, experiments, logs, events, files, examples, metrics, tensorboard,
                   notifications, schedules, sweeps):
        table.extend(module.ROUTES)
    return table
