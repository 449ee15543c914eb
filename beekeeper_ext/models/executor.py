"""An executor as GET /executors reports it: reachable or not, and why."""

from __future__ import annotations

from pydantic import Field

from .base import View


class ClusterGpus(View):
    total: float
    used: float | None


class ExecutorStatus(View):
    name: str
    reachable: bool
    detail: str | None
    # Ray's check adds these.
    address: str | None = Field(default=None, description="ray: the Jobs API address")
    mode: str | None = Field(default=None, description="ray: shared-filesystem or working-dir")
    ray_version: str | None = None
    gpus: ClusterGpus | None = Field(default=None, description="ray: the cluster's GPUs")


class ExecutorList(View):
    default: str
    executors: list[ExecutorStatus]
