"""A project's TensorBoard as the API reports it, and the latest scalars of its log dir."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Timestamp, View

TensorBoardState = Literal["stopped", "starting", "ready", "failed", "crashed"]


class TensorBoardStatus(View):
    project: str
    state: TensorBoardState
    url: str = Field(description="path from the server root, its base_url included")
    pid: int | None
    started: Timestamp | None
    last_request: Timestamp | None
    idle_seconds: float = Field(default=None, description="seconds since the last proxied request (while running)")
    message: str | None


class LatestScalar(View):
    step: int
    value: float
    wall_time: float


class LatestScalars(View):
    runs: dict[str, dict[str, LatestScalar]] = Field(
        description="run folder (relative to the log dir) → tag → its latest point")
