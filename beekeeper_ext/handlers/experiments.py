"""REST handlers for experiments: a run's scalar series and its resource-usage history."""

from __future__ import annotations

import asyncio

from ..openapi import op
from ..urls import RUN, TAG, api
from ..usage_history import UsageRecorder
from .base import BeekeeperHandler, endpoint

DEFAULT_POINTS = 2000


class ScalarsHandler(BeekeeperHandler):
    openapi = {"get": op("One scalar tag of a run, in step order; at most max_points points, each bucket "
                         "keeping its min and max so spikes survive; 404 for a tag the run does not have",
                         "Scalars", query={"max_points": f"default {DEFAULT_POINTS}, 4 to 100000"})}

    @endpoint
    async def get(self, run_id, tag):
        run = self.runs.row(run_id)
        max_points = self.int_arg("max_points", DEFAULT_POINTS, minimum=4, maximum=100_000)
        body = await self.run_metrics.scalars(run, tag, max_points)  # JSON text, cached
        self.set_header("Content-Type", "application/json")
        self.finish(body)


class UsageHandler(BeekeeperHandler):
    openapi = {"get": op("A run's resource history: CPU %, RSS and its GPUs' utilisation and memory, one "
                         "sample every usage_interval seconds while it ran (local runs)", "UsageHistory")}

    @endpoint
    async def get(self, run_id):
        run = self.runs.row(run_id)
        folder = self.projects.paths(run["project"]).run_dir(run["id"])
        samples = await asyncio.to_thread(UsageRecorder.read, folder)
        self.send({"interval": self.services.usage_interval, "samples": samples})


ROUTES = [
    (api("runs", RUN, "scalars", TAG), ScalarsHandler),
    (api("runs", RUN, "usage"), UsageHandler),
]
