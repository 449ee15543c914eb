"""Local executor: runs on this host as their own process group (implemented in the runs work)."""

from __future__ import annotations

from . import Executor


class LocalExecutor(Executor):
    name = "local"
    assigns_gpus = True
