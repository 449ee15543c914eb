"""Shared fixtures: a real Jupyter server with Beekeeper, real git repositories, real wheels."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import contract
import pytest
from gitrepos import GitRepo
from wheels import make_wheel

pytest_plugins = ["pytest_jupyter.jupyter_server"]

@pytest.fixture
def make_repo(tmp_path):
    """Factory: make_repo({"train.py": "..."}) → GitRepo with a file:// URL."""
    counter = iter(range(1000))

    def make(files: dict[str, str] | None = None, branch: str = "main") -> GitRepo:
        files = files or {"train.py": "print('hello from train')\n"}
        return GitRepo(tmp_path / f"repo{next(counter)}", files, branch)

    return make


@pytest.fixture
def wheelhouse(tmp_path):
    folder = tmp_path / "wheels"
    make_wheel(folder)
    return folder


@pytest.fixture
def bk_home(tmp_path):
    home = tmp_path / "bkhome"
    return home


@pytest.fixture
def bk_config():
    """Extra c.BeekeeperApp settings for one test module: override this fixture."""
    return {}


@pytest.fixture
def jp_server_config(bk_home, bk_config):
    return {
        "ServerApp": {"jpserver_extensions": {"beekeeper_ext": True}},
        "BeekeeperApp": {"home": str(bk_home), **bk_config},
    }


@pytest.fixture
def bk_app(jp_serverapp):
    """The BeekeeperApp inside the running test server (it holds the services and the traits)."""
    (app,) = jp_serverapp.extension_manager.extension_apps["beekeeper_ext"]
    return app


class Api:
    """JSON helper over jp_fetch; errors come back as (status, body) instead of raising.

    Every answer is checked against the OpenAPI document (tests/contract.py): a field, status or
    route it does not describe fails the test.
    """

    def __init__(self, fetch, base_url: str = "/"):
        self.fetch = fetch
        self.base_url = base_url

    async def call(self, method: str, path: str, body=None, params=None, headers=None, raw=False):
        kwargs = {"method": method, "params": params or {}, "raise_error": False}
        if headers:
            kwargs["headers"] = headers
        if body is not None:
            kwargs["body"] = body if isinstance(body, (bytes, str)) else json.dumps(body)
        elif method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = b""
            if method == "PUT":
                kwargs["allow_nonstandard_methods"] = True
        parts = [p for p in path.strip("/").split("/") if p]
        response = await self.fetch("beekeeper", "api", *parts, **kwargs)
        contract.check(method, response.effective_url, self.base_url, response.code,
                       response.headers.get("Content-Type", ""), response.body)
        if raw:
            return response
        text = response.body.decode() if response.body else ""
        return response.code, (json.loads(text) if text and "json" in response.headers.get(
            "Content-Type", "") else text)

    async def get(self, path, **kw):
        return await self.call("GET", path, **kw)

    async def post(self, path, body=None, **kw):
        return await self.call("POST", path, body=body if body is not None else {}, **kw)

    async def patch(self, path, body, **kw):
        return await self.call("PATCH", path, body=body, **kw)

    async def delete(self, path, **kw):
        return await self.call("DELETE", path, **kw)

    async def wait_setup(self, name: str, timeout: float = 120) -> dict:
        """Poll until setup leaves its active states; return the project."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code, project = await self.get(f"projects/{name}")
            assert code == 200, project
            if project["setup"]["state"] in ("ready", "failed"):
                return project
            await asyncio.sleep(0.1)
        raise AssertionError(f"setup of {name} did not finish: {project}")


@pytest.fixture
def api(jp_fetch, jp_base_url):
    return Api(jp_fetch, jp_base_url)


class CheckedSocket:
    """A WebSocket client connection whose every received message is checked against the
    document's `x-messages` for its route (tests/contract.py), as `Api` checks HTTP answers."""

    def __init__(self, connection, path: str):
        self._connection, self._path = connection, path

    async def read_message(self, *args, **kwargs):
        message = await self._connection.read_message(*args, **kwargs)
        contract.check_message(self._path, message)
        return message

    def __getattr__(self, name):
        return getattr(self._connection, name)


@pytest.fixture
def jp_ws_fetch(jp_ws_fetch):
    """pytest-jupyter's WebSocket client, with every message checked against the document."""

    async def fetch(*parts: str, **kwargs):
        return CheckedSocket(await jp_ws_fetch(*parts, **kwargs), "/" + "/".join(parts))

    return fetch


def python_versions() -> list[str]:
    """The interpreter versions Beekeeper's own discovery can see (for tests that need two)."""
    out = subprocess.run([sys.executable, "-c", "import sys; print(sys.version.split()[0])"],
                         capture_output=True, text=True)
    return [out.stdout.strip()]


@pytest.fixture
def ready_project(api, make_repo):
    """Factory: await ready_project("name", {"train.py": ...}, **fields) → the ready project dict."""

    async def make(name: str = "demo", files: dict[str, str] | None = None, **fields) -> dict:
        repo = make_repo(files or {"train.py": "print('hello from train')\n"})
        code, body = await api.post("projects", {"name": name, "git_url": repo.url, **fields})
        assert code == 201, body
        project = await api.wait_setup(name)
        assert project["setup"]["state"] == "ready", project
        project["_repo"] = repo
        return project

    return make


@pytest.fixture
def live_servers():
    """`start(root, config)` starts a LiveServer (a real `jupyter server`); each one started is
    stopped when the test ends, however it ends."""
    from live_server import LiveServer

    servers = []

    def start(root: Path, config: dict | None = None):
        servers.append(LiveServer(root, config))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def ray_head():
    """A local Ray head for one test module (tests/rayhead.py); tests using it need the ray package."""
    import shutil

    from live_server import free_port
    from rayhead import RayHead

    root = Path(f"/tmp/bkray-{os.getpid()}-{free_port()}")  # Ray's socket paths must stay short
    root.mkdir(parents=True)
    head = RayHead(root)
    try:
        head.start()
        yield head
    finally:
        head.stop()
        shutil.rmtree(root, ignore_errors=True)
