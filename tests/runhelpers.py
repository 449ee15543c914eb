"""Helpers shared by the run tests: wait for a run state, read a log stream over a WebSocket."""

from __future__ import annotations

import asyncio
import json
import time


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
