"""Helpers shared by the run tests: wait for a run state, read a log stream over a WebSocket."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

import contract


async def wait_run(api, run_id: str, states=("succeeded", "failed", "stopped", "lost"), timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    run = None
    while time.monotonic() < deadline:
        code, run = await api.get(f"runs/{run_id}")
        assert code == 200, run
        if run["state"] in states:
            return run
        await asyncio.sleep(0.1)
    raise AssertionError(f"run {run_id} never reached {states}: {run}")


async def wait_log(api, run_id: str, text: str, timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    body = b""
    while time.monotonic() < deadline:
        response = await api.get(f"runs/{run_id}/log", raw=True)
        body = response.body
        if text.encode() in body:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in the log of {run_id}: {body[-2000:]!r}")


async def read_stream(jp_ws_fetch, path: list[str], offset: int = 0, stop_after: int | None = None,
                      timeout: float = 90) -> tuple[list[dict], dict | None]:
    """Messages of a log stream until its end message (or `stop_after` data messages)."""
    params = {"offset": str(offset)}
    ws = await jp_ws_fetch(*path, params=params)
    messages, end = [], None
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = await asyncio.wait_for(ws.read_message(), timeout)
            if raw is None:
                break
            message = json.loads(raw)
            if message["type"] == "end":
                end = message
                break
            messages.append(message)
            if stop_after is not None and len(messages) >= stop_after:
                break
    finally:
        ws.close()
    return messages, end


def wait(predicate, what: str, timeout: float = 120, interval: float = 0.1):
    """Call `predicate()` (blocking) until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} ({timeout:g} s)")


class LiveApi:
    """Blocking JSON calls to a LiveServer (a real `jupyter server` subprocess)."""

    def __init__(self, server):
        import requests

        self.server = server
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {server.token}"

    def call(self, method: str, path: str, body=None):
        response = self.session.request(method, self.server.url + "beekeeper/api/" + path, json=body, timeout=60)
        contract.check(method, response.url, urlsplit(self.server.url).path, response.status_code,
                       response.headers.get("Content-Type", ""), response.content)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.content

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body=None):
        return self.call("POST", path, body if body is not None else {})

    def wait(self, predicate, what: str, timeout: float = 120, interval: float = 0.1):
        return wait(predicate, what, timeout, interval)

    def wait_ready(self, name: str) -> dict:
        def ready():
            code, project = self.get(f"projects/{name}")
            state = project["setup"]["state"]
            assert state != "failed", project
            return project if state == "ready" else None

        return self.wait(ready, f"setup of {name}")

    def create_project(self, name: str, git_url: str) -> dict:
        """POST a project and wait until its setup is ready (a failed setup fails the test)."""
        code, body = self.post("projects", {"name": name, "git_url": git_url})
        assert code == 201, body
        return self.wait_ready(name)

    def wait_run(self, run_id: str, states=("succeeded", "failed", "stopped", "lost"), timeout: float = 120) -> dict:
        def reached():
            code, run = self.get(f"runs/{run_id}")
            assert code == 200, run
            return run if run["state"] in states else None

        return self.wait(reached, f"run {run_id} in {states}", timeout)

    def log(self, run_id: str) -> bytes:
        return self.session.get(self.server.url + f"beekeeper/api/runs/{run_id}/log", timeout=60).content

    def wait_log(self, run_id: str, text: str, timeout: float = 60) -> bytes:
        return self.wait(lambda: (lambda b: b if text.encode() in b else None)(self.log(run_id)),
                         f"{text!r} in the log of {run_id}", timeout)
