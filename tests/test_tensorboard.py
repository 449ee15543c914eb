"""TensorBoard per project, behind Beekeeper's authenticated proxy, against real processes.

The live test runs a real training script as a Beekeeper run that writes scalars while it runs,
and a real TensorBoard (Beekeeper's own) read through the proxy. Lifecycle tests that do not need
TensorBoard's own behaviour (credential stripping, idle stop, crash restart, delete) swap the
started program for a tiny real HTTP server that echoes what it received, via the service's
`command` hook, so they can see exactly what crossed the proxy.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

import psutil
import pytest
from echo_server import echo_argv
from runhelpers import wait_log, wait_run
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

import beekeeper_ext
from beekeeper_ext import tensorboard

TBEVENTS = (Path(beekeeper_ext.__file__).parent / "example_project" / "tbevents.py").read_text()

TRAIN = """\
import time
from tbevents import SummaryWriter

writer = SummaryWriter("runs/exp1")
for step in range(400):
    writer.add_scalar("loss", 1.0 / (step + 1), step)
    writer.add_scalar("accuracy", step / 400, step)
    print("step", step, flush=True)
    time.sleep(0.3)
"""


@pytest.fixture
def bk_config():
    return {"tensorboard_reload_interval": 1}


class Backend:
    """The app's TensorBoard service, seen from the test: the command it starts is replaced here
    (monkeypatched, test-side) by one that counts each start, then builds `build`'s argv."""

    def __init__(self, service, monkeypatch, build):
        self.service, self.build, self.starts = service, build, 0
        monkeypatch.setattr(tensorboard, "tensorboard_argv", self._argv)

    def _argv(self, logdir, port, reload):
        self.starts += 1
        return self.build(logdir, port, reload)

    def __getattr__(self, name):
        return getattr(self.service, name)


@pytest.fixture
def real_backend(bk_app, monkeypatch):
    """The real TensorBoard command, its starts counted."""
    return Backend(bk_app.tensorboards, monkeypatch, tensorboard.tensorboard_argv)


@pytest.fixture
def echo_backend(bk_app, tmp_path, monkeypatch):
    """Make the service start the echo server instead of TensorBoard (same ports, same lifecycle)."""
    return Backend(bk_app.tensorboards, monkeypatch, echo_argv(tmp_path))


async def tb_fetch(jp_fetch, name, *path, **kwargs):
    return await jp_fetch("beekeeper", "tensorboard", name, *path, **kwargs)


async def poll(fn, timeout=120, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = await fn()
        if result:
            return result
        assert time.monotonic() < deadline, "condition never became true"
        await asyncio.sleep(interval)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def test_live_scalars_through_proxy(api, jp_fetch, ready_project, bk_app, monkeypatch, jp_base_url,
                                          real_backend):
    # pytest-jupyter exports this interpreter's sys.path as PYTHONPATH; the run's venv must not get it.
    monkeypatch.delenv("PYTHONPATH", raising=False)
    await ready_project("live", {"train.py": TRAIN, "tbevents.py": TBEVENTS})
    code, run = await api.post("projects/live/runs", {})
    assert code == 201, run
    try:
        await wait_log(api, run["id"], "step 2\n")
        code, status = await api.post("projects/live/tensorboard")
        assert code == 202 and status["state"] in ("starting", "ready"), status
        assert status["url"] == jp_base_url.rstrip("/") + "/beekeeper/tensorboard/live/"  # base_url included
        pid = status["pid"]
        code, again = await api.post("projects/live/tensorboard")  # reuse, not a second one
        assert again["pid"] == pid and real_backend.starts == 1
        ready = await poll(lambda: _state(api, "live", "ready"))
        assert ready["pid"] == pid
        listening = [c.laddr.ip for c in psutil.Process(pid).net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN]
        assert listening and set(listening) <= {"127.0.0.1", "::ffff:127.0.0.1"}  # loopback only
        argv = psutil.Process(pid).cmdline()
        assert argv[:3] == [sys.executable, "-m", "tensorboard.main"]  # Beekeeper's own environment
        assert argv[argv.index("--reload_interval") + 1] == "1"

        async def tags():
            response = await tb_fetch(jp_fetch, "live", "data", "plugin", "scalars", "tags")
            body = json.loads(response.body)
            return body if "exp1" in body else None

        assert set((await poll(tags))["exp1"]) == {"loss", "accuracy"}

        async def points():
            response = await tb_fetch(jp_fetch, "live", "data", "plugin", "scalars", "scalars",
                                      params={"run": "exp1", "tag": "loss"})
            return json.loads(response.body)

        first = await points()
        assert first and all(value == pytest.approx(1.0 / (step + 1), rel=1e-6) for _, step, value in first)
        # New scalars appear while TensorBoard keeps running: no restart, same process.
        later = await poll(lambda: _grown(points, len(first) + 3))
        assert [step for _, step, _ in later] == list(range(len(later)))
        assert real_backend.starts == 1 and (await _state(api, "live", "ready"))["pid"] == pid

        page = await tb_fetch(jp_fetch, "live", "index.html")
        assert page.code == 200 and b"<html" in page.body.lower()
        # The fonts its page asks for (at the server's root, as TensorBoard writes them) load through
        # the proxy: the URL the browser would resolve answers 200 with the font.
        fonts = re.findall(rb"url\(['\"]?([^)'\"]*font-roboto/[^)'\"]+\.woff2)", page.body)
        assert fonts and not [f for f in fonts if not f.startswith(jp_base_url.encode())], fonts[:3]
        font_path = urlparse(urljoin(page.effective_url, fonts[0].decode())).path
        assert font_path.startswith(jp_base_url.rstrip("/") + "/beekeeper/tensorboard/live/font-roboto/")
        font = await jp_fetch(*font_path[len(jp_base_url):].split("/"))
        assert font.code == 200 and font.body[:4] == b"wOF2"
        with pytest.raises(HTTPClientError) as err:  # /beekeeper/tensorboard/NAME → NAME/
            await jp_fetch("beekeeper", "tensorboard", "live", follow_redirects=False)
        assert err.value.code == 302 and err.value.response.headers["Location"].endswith("/tensorboard/live/")

        code, scalars = await api.get("projects/live/scalars")
        assert code == 200
        loss = scalars["runs"]["exp1"]["loss"]
        assert loss["step"] >= later[-1][1]
        assert loss["value"] == pytest.approx(1.0 / (loss["step"] + 1), rel=1e-6)
        assert scalars["runs"]["exp1"]["accuracy"]["value"] == pytest.approx(
            scalars["runs"]["exp1"]["accuracy"]["step"] / 400, rel=1e-6, abs=1e-9)

        code, stopped = await api.delete("projects/live/tensorboard")
        assert code == 200 and stopped["state"] == "stopped"
        await poll(lambda: _true(gone(pid)), timeout=30)
        assert not [p for p in psutil.process_iter(["cmdline"]) if str(bk_app.home_path) in
                    " ".join(p.info["cmdline"] or []) and "tensorboard" in " ".join(p.info["cmdline"] or [])]
    finally:
        await api.post(f"runs/{run['id']}/stop")
        await wait_run(api, run["id"])


async def _state(api, name, wanted):
    code, status = await api.get(f"projects/{name}/tensorboard")
    assert code == 200, status
    return status if status["state"] == wanted else None


async def _grown(points, count):
    values = await points()
    return values if len(values) >= count else None


async def _true(value):
    return value


async def test_proxy_refuses_anonymous_with_403(jp_fetch, ready_project, bk_app, real_backend):
    await ready_project("anon")
    for method, body in (("GET", None), ("POST", b"")):
        with pytest.raises(HTTPClientError) as err:
            await tb_fetch(jp_fetch, "anon", "data", "environment", method=method, body=body,
                           headers={"Authorization": ""}, follow_redirects=False)
        assert err.value.code == 403  # not a redirect to the login page
    assert real_backend.starts == 0  # nothing started for an anonymous caller


async def test_unknown_project(api, jp_fetch):
    code, body = await api.post("projects/nope/tensorboard")
    assert code == 404
    with pytest.raises(HTTPClientError) as err:
        await tb_fetch(jp_fetch, "nope", "data", "environment")
    assert err.value.code == 404
    code, body = await api.get("projects/nope/scalars")
    assert code == 404


async def test_no_jupyter_credentials_reach_tensorboard(jp_fetch, ready_project, echo_backend, jp_base_url,
                                                       jp_auth_header):
    project = await ready_project("echo")
    assert project["tensorboard_log_dir"] == "runs"
    token = jp_auth_header["Authorization"].split()[-1]
    # Authenticated by ?token= (as a shared link would be), with a session cookie alongside.
    response = await tb_fetch(jp_fetch, "echo", "data", "x", params={"token": token, "keep": "1"},
                              headers={"Authorization": "", "Cookie": "username-x=secret-cookie; _xsrf=abc"})
    seen = json.loads(response.body)
    assert seen["path"] == "/data/x?keep=1"
    names = {k.lower() for k in seen["headers"]}
    assert not names & {"cookie", "authorization", "x-xsrftoken"}
    assert token not in json.dumps(seen) and "secret-cookie" not in json.dumps(seen)
    # And by the Authorization header.
    response = await tb_fetch(jp_fetch, "echo", "data", "z")
    seen = json.loads(response.body)
    assert "authorization" not in {k.lower() for k in seen["headers"]} and token not in json.dumps(seen)
    assert seen["headers"]["X-Forwarded-Prefix"] == jp_base_url.rstrip("/") + "/beekeeper/tensorboard/echo"
    assert (echo_backend.projects.paths("echo").src / "runs").is_dir()  # the log dir is created on start
    response = await tb_fetch(jp_fetch, "echo", "data", "y", method="POST", body=b"{}")
    seen = json.loads(response.body)
    assert seen["path"] == "/data/y" and "authorization" not in {k.lower() for k in seen["headers"]}


async def test_idle_shutdown_then_lazy_restart(api, jp_fetch, ready_project, echo_backend, bk_app):
    await ready_project("idle")
    bk_app.tensorboards.idle_timeout = 1.5
    await tb_fetch(jp_fetch, "idle", "data", "a")
    pid = (await api.get("projects/idle/tensorboard"))[1]["pid"]
    for _ in range(4):  # requests keep it alive past the timeout
        await asyncio.sleep(0.5)
        await tb_fetch(jp_fetch, "idle", "data", "a")
    assert (await api.get("projects/idle/tensorboard"))[1]["pid"] == pid
    await poll(lambda: _state(api, "idle", "stopped"), timeout=30)
    await poll(lambda: _true(gone(pid)), timeout=30)
    response = await tb_fetch(jp_fetch, "idle", "data", "b")  # the next request starts it again
    assert json.loads(response.body)["path"] == "/data/b" and echo_backend.starts == 2


async def test_crashed_tensorboard_restarts_on_next_request(api, jp_fetch, ready_project, echo_backend):
    await ready_project("crash")
    await tb_fetch(jp_fetch, "crash", "data", "a")
    pid = (await api.get("projects/crash/tensorboard"))[1]["pid"]
    os.kill(pid, signal.SIGKILL)
    status = await poll(lambda: _state(api, "crash", "crashed"), timeout=30)
    assert "-9" in status["message"]
    response = await tb_fetch(jp_fetch, "crash", "data", "b")
    assert response.code == 200 and json.loads(response.body)["path"] == "/data/b"
    code, status = await api.get("projects/crash/tensorboard")
    assert status["state"] == "ready" and status["pid"] != pid and echo_backend.starts == 2


async def test_project_delete_stops_it(api, jp_fetch, ready_project, echo_backend):
    await ready_project("gone")
    await tb_fetch(jp_fetch, "gone", "data", "a")
    pid = (await api.get("projects/gone/tensorboard"))[1]["pid"]
    code, _ = await api.delete("projects/gone")
    assert code in (200, 202, 204)
    await poll(lambda: _true(gone(pid)), timeout=30)
    assert "gone" not in echo_backend.boards


async def test_scalars_endpoint_reads_event_files(api, ready_project, bk_app):
    sys.path.insert(0, str(Path(beekeeper_ext.__file__).parent / "example_project"))
    try:
        from tbevents import SummaryWriter
    finally:
        sys.path.pop(0)
    await ready_project("sc", tensorboard_log_dir="logs/tb")
    code, body = await api.get("projects/sc/scalars")
    assert code == 200 and body == {"runs": {}}
    logdir = bk_app.projects.paths("sc").src / "logs" / "tb"
    a = SummaryWriter(str(logdir / "a"))
    for step in range(0, 4200, 100):
        a.add_scalar("loss", 10.0 / (step + 1), step)
    nested = SummaryWriter(str(logdir / "b" / "seed1"))
    nested.add_scalar("acc", 0.5, 7)
    code, body = await api.get("projects/sc/scalars")
    assert body["runs"]["a"]["loss"]["step"] == 4100
    assert body["runs"]["a"]["loss"]["value"] == pytest.approx(10.0 / 4101, rel=1e-6)
    assert body["runs"]["b/seed1"] == {"acc": {"step": 7, "value": 0.5,
                                               "wall_time": body["runs"]["b/seed1"]["acc"]["wall_time"]}}
    nested.add_scalar("acc", 0.75, 8)  # appended to the same file: read incrementally
    code, body = await api.get("projects/sc/scalars")
    assert body["runs"]["b/seed1"]["acc"]["step"] == 8 and body["runs"]["b/seed1"]["acc"]["value"] == 0.75
    a.close()
    nested.close()


# -- cookie-authenticated browsers: XSRF on writes, no start from another site (issue 11 item 5) ----
async def _login_cookie(jp_fetch) -> str:
    response = await jp_fetch("api", "status")
    cookies = [v.split(";")[0] for v in response.headers.get_list("Set-Cookie")]
    assert any(c.startswith("username-") for c in cookies), cookies
    return "; ".join(cookies)


async def test_proxy_holds_cookie_requests_to_jupyters_xsrf_rule(jp_fetch, ready_project, echo_backend,
                                                                 jp_http_port, jp_base_url):
    await ready_project("xs")
    cookie = await _login_cookie(jp_fetch)
    client = AsyncHTTPClient()
    origin = f"http://127.0.0.1:{jp_http_port}"
    board = f"{origin}{jp_base_url}beekeeper/tensorboard/xs/"

    async def call(path, method="GET", **headers):
        return await client.fetch(board + path, method=method, body=b"x=1" if method == "POST" else None,
                                  headers={"Cookie": cookie, **headers}, raise_error=False,
                                  follow_redirects=False)

    # A cookie-only write is refused (the proxy library alone would defer XSRF to TensorBoard).
    assert (await call("data/w", "POST")).code == 403
    # A cookie-only GET from another site, or from nowhere, starts nothing.
    for headers in ({"Referer": "https://evil.example/page"}, {}):
        refused = await call("data/r", **headers)
        assert refused.code == 403 and "start it from the Beekeeper panel" in json.loads(refused.body)["message"]
    assert echo_backend.starts == 0
    # The panel's frame (same host) starts it; the Referer (which may carry ?token=) stays here.
    panel = {"Referer": f"{origin}{jp_base_url}lab?token=secret-in-referer"}
    response = await call("data/r", **panel)
    seen = json.loads(response.body)
    assert response.code == 200 and echo_backend.starts == 1
    assert "referer" not in {k.lower() for k in seen["headers"]} and "secret-in-referer" not in response.body.decode()
    # With its XSRF token, a cookie write passes.
    xsrf = (await client.fetch(f"{origin}{jp_base_url}login", raise_error=False)).headers.get_list("Set-Cookie")
    xsrf = next(v.split(";")[0] for v in xsrf if v.startswith("_xsrf="))
    response = await call("data/w", "POST", Cookie=f"{cookie}; {xsrf}", **{"X-XSRFToken": xsrf.split("=", 1)[1]})
    assert response.code == 200 and json.loads(response.body)["path"] == "/data/w"
    # TensorBoard's UI is opened in its GET-only mode (no POST from its pages).
    root = await call("", **panel)
    assert root.code == 302 and root.headers["Location"].endswith("/beekeeper/tensorboard/xs/?tensorboardColab=true")


async def test_no_token_in_the_log_when_the_websocket_proxy_fails(jp_fetch, jp_ws_fetch, ready_project,
                                                                  echo_backend, jp_serverapp, jp_auth_header):
    import logging

    await ready_project("wsfail")
    token = jp_auth_header["Authorization"].split()[-1]
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    keep = Keep()
    loggers = [jp_serverapp.log, logging.getLogger(), logging.getLogger("tornado.application"),
               logging.getLogger("tornado.access"), logging.getLogger("beekeeper")]
    for logger in loggers:
        logger.addHandler(keep)
    try:
        await tb_fetch(jp_fetch, "wsfail", "data", "a")  # started, ready
        # The echo server speaks no WebSocket: the upstream handshake fails.
        with pytest.raises(Exception):
            ws = await jp_ws_fetch("beekeeper", "tensorboard", "wsfail", "ws", params={"token": token},
                                   headers={"Authorization": ""})
            assert await ws.read_message() is None
            raise RuntimeError("closed")
        logging.getLogger("beekeeper").warning("a line with token=%s and Authorization: token %s", token, token)
    finally:
        for logger in loggers:
            logger.removeHandler(keep)
    assert lines and any("token=[secret]" in line for line in lines), lines
    assert not [line for line in lines if token in line]
