"""Shared fixtures: a real Jupyter server with Beekeeper, real git repositories, real wheels."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import contract
import pytest

pytest_plugins = ["pytest_jupyter.jupyter_server"]

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                         env={**os.environ, **GIT_ENV})
    return out.stdout.strip()


class GitRepo:
    """A working repo plus a bare 'remote' reached through a file:// URL, as a user's would be."""

    def __init__(self, root: Path, files: dict[str, str], branch: str = "main"):
        self.work = root / "work"
        self.bare = root / "remote.git"
        self.work.mkdir(parents=True)
        git("init", "-q", "-b", branch, cwd=self.work)
        self.branch = branch
        self.commit(files, "initial")
        git("init", "-q", "--bare", str(self.bare), cwd=root)
        git("remote", "add", "origin", str(self.bare), cwd=self.work)
        git("push", "-q", "origin", branch, cwd=self.work)
        self.url = self.bare.as_uri()

    def commit(self, files: dict[str, str], message: str = "change") -> str:
        for name, text in files.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message, cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)

    def push(self, branch: str | None = None) -> None:
        git("push", "-q", "origin", branch or self.branch, cwd=self.work)

    def head(self) -> str:
        return git("rev-parse", "HEAD", cwd=self.work)


@pytest.fixture
def make_repo(tmp_path):
    """Factory: make_repo({"train.py": "..."}) → GitRepo with a file:// URL."""
    counter = iter(range(1000))

    def make(files: dict[str, str] | None = None, branch: str = "main") -> GitRepo:
        files = files or {"train.py": "print('hello from train')\n"}
        return GitRepo(tmp_path / f"repo{next(counter)}", files, branch)

    return make


def make_wheel(folder: Path, name: str = "bkdemo", version: str = "0.1.0",
               module_source: str = "VALUE = 42\n") -> Path:
    """Write a real, installable pure-Python wheel without any build backend (no network)."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": module_source,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: beekeeper-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record_lines = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record_lines.append(f"{path},sha256={digest},{len(text.encode())}")
    record_lines.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record_lines) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel


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
