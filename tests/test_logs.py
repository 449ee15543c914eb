"""Logs: REST byte ranges and live WebSocket streams of real runs (tqdm bars, bad bytes, long lines)."""

from __future__ import annotations


import pytest
from tornado.httpclient import HTTPClientError

from runhelpers import read_stream, wait_log, wait_run

# A tqdm-style bar (\r rewrites), bytes that are not UTF-8, a 300 KB line, a split multibyte char.
MESSY = r"""
import os, sys, time
out = sys.stdout.buffer
for i in range(101):
    out.write(b"\rprogress %3d%%" % i)
    out.flush()
out.write(b"\n")
out.write(b"bad bytes: \xff\xfe\xc3 end\n")
out.write(b"L" * 300000 + b"\n")
e = "\u00e9".encode()
out.write(b"split " + e[:1]); out.flush(); time.sleep(0.3)
out.write(e[1:] + b" joined\n"); out.flush()
print("ok \u2713 done", flush=True)
"""

SLOW = """
import sys, time
for i in range(40):
    print(f"line {i}", flush=True)
    time.sleep(0.05)
"""


async def test_messy_output_streams_intact(api, ready_project, jp_ws_fetch):
    await ready_project("messy", {"train.py": MESSY})
    code, run = await api.post("projects/messy/runs", {"gpus": 0})
    assert code == 201, run
    messages, end = await read_stream(jp_ws_fetch, ["beekeeper", "api", "runs", run["id"], "log", "stream"])
    assert end is not None and end["state"] == "succeeded" and end["exit_code"] == 0, end
    raw = (await api.get(f"runs/{run['id']}/log", raw=True, params={"limit": str(16 * 1024 * 1024)})).body
    # Offsets are contiguous byte offsets covering the whole file.
    position = 0
    for message in messages:
        assert message["offset"] == position
        assert message["next_offset"] > position
        position = message["next_offset"]
    assert position == end["offset"] == len(raw)
    text = "".join(m["data"] for m in messages)
    assert text == raw.decode("utf-8", "replace")
    assert "split \u00e9 joined" in text  # never split inside the character
    assert "\rprogress 100%" in text and "bad bytes: \ufffd\ufffd\ufffd end" in text
    assert "L" * 300000 in text and "ok \u2713 done" in text


async def test_reconnect_with_offset_loses_and_repeats_nothing(api, ready_project, jp_ws_fetch):
    await ready_project("slow", {"train.py": SLOW})
    code, run = await api.post("projects/slow/runs", {"gpus": 0})
    path = ["beekeeper", "api", "runs", run["id"], "log", "stream"]
    await wait_log(api, run["id"], "line 3")
    first, end = await read_stream(jp_ws_fetch, path, stop_after=2)
    assert end is None
    rest, end = await read_stream(jp_ws_fetch, path, offset=first[-1]["next_offset"])
    assert end is not None and end["state"] == "succeeded"
    joined = "".join(m["data"] for m in first + rest)
    raw = (await api.get(f"runs/{run['id']}/log", raw=True)).body
    assert joined == raw.decode()
    lines = [line for line in joined.splitlines() if line.startswith("line ")]
    assert lines == [f"line {i}" for i in range(40)]
    # A stream opened after the end sends the rest, then the end message.
    again, end2 = await read_stream(jp_ws_fetch, path, offset=len(raw) - 8)
    assert "".join(m["data"] for m in again) == raw[-8:].decode() and end2["offset"] == len(raw)


async def test_rest_ranges_tail_and_download(api, ready_project):
    await ready_project("rng", {"train.py": "for i in range(10):\n    print(f'row {i}')\n"})
    code, run = await api.post("projects/rng/runs", {"gpus": 0})
    run = await wait_run(api, run["id"])
    full = (await api.get(f"runs/{run['id']}/log", raw=True)).body
    part = await api.get(f"runs/{run['id']}/log", raw=True, params={"offset": "5", "limit": "7"})
    assert part.body == full[5:12] and part.headers["X-Beekeeper-Next-Offset"] == "12"
    assert part.headers["X-Beekeeper-Offset"] == "5" and part.headers["Content-Type"] == "application/octet-stream"
    tail = await api.get(f"runs/{run['id']}/log", raw=True, params={"tail": "2"})
    assert tail.body.decode().splitlines()[-2:] == ["row 9", "[beekeeper] succeeded (exit code 0)"]
    assert len(tail.body.decode().splitlines()) == 2
    assert int(tail.headers["X-Beekeeper-Next-Offset"]) == len(full)
    download = await api.get(f"runs/{run['id']}/log", raw=True, params={"download": "1"})
    assert "attachment" in download.headers["Content-Disposition"]
    code, body = await api.get(f"runs/{run['id']}/log", params={"offset": "x"})
    assert code == 400 and body["field"] == "offset"


async def test_setup_log_rest_and_stream(api, ready_project, jp_ws_fetch):
    await ready_project("setuplog")
    response = await api.get("projects/setuplog/setup/log", raw=True)
    assert b"ready" in response.body and response.headers["X-Beekeeper-Writing"] == "false"
    messages, end = await read_stream(jp_ws_fetch, ["beekeeper", "api", "projects", "setuplog", "setup", "log",
                                                    "stream"])
    assert "".join(m["data"] for m in messages).encode() == response.body
    assert end["state"] == "ready"
    code, _ = await api.get("projects/nope/setup/log")
    assert code == 404


async def test_every_route_and_websocket_needs_a_token(api, ready_project, jp_fetch, jp_ws_fetch):
    await ready_project("auth", {"train.py": "print('x')\n"})
    code, run = await api.post("projects/auth/runs", {"gpus": 0})
    await wait_run(api, run["id"])
    rid = run["id"]
    calls = [("GET", "projects/auth/runs"), ("POST", "projects/auth/runs"), ("GET", "runs"),
             ("GET", f"runs/{rid}"), ("DELETE", f"runs/{rid}"), ("POST", f"runs/{rid}/stop"),
             ("GET", f"runs/{rid}/log"), ("GET", "projects/auth/setup/log")]
    for method, path in calls:
        response = await jp_fetch("beekeeper", "api", *path.split("/"), method=method, raise_error=False,
                                  headers={"Authorization": ""}, body=b"{}" if method == "POST" else None)
        assert response.code == 403, (method, path, response.code)
    for path in (f"runs/{rid}/log/stream", "projects/auth/setup/log/stream", "events"):
        with pytest.raises(HTTPClientError) as err:
            await jp_ws_fetch("beekeeper", "api", *path.split("/"), headers={"Authorization": ""})
        assert err.value.code == 403, path
    code, _ = await api.get(f"runs/{rid}")
    assert code == 200  # nothing was deleted by the refused calls
