"""Ray executor: runs on a Ray cluster through Ray's Jobs API (implemented in the scale-out work)."""

from __future__ import annotations

from . import Executor


class RayExecutor(Executor):
    name = "ray"
    assigns_gpus = False

    def __init__(self, home, address: str = "", **kwargs):
        super().__init__(home, **kwargs)
        self.address = address
