"""Exact HTTP requests to a LiveServer (any path bytes, any headers, any body) and a shared
server with one ready project and one finished run, for the table-driven security tests."""

from __future__ import annotations

import hashlib
import http.client
import json
from dataclasses import dataclass
from pathlib import Path

from gitrepos import GitRepo
from live_server import LiveServer
from runhelpers import wait

WS_UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
              "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes
    cookies: list[str]

    def json(self):
        return json.loads(self.body) if self.body else None


def raw(server: LiveServer, method: str, path: str, body: bytes | str | None = None,
        headers: dict | None = None, token: str | None = "server", timeout: float = 60) -> Reply:
    """One request, sent as given: `path` is below the server root (no quoting); `token` is the
    server's by default, another string, or None for none."""
    sent = {} if headers is None else dict(headers)
    if token == "server":
        token = server.token
    if token is not None:
        sent.setdefault("Authorization", f"token {token}")
    if isinstance(body, str):
        body = body.encode()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.putrequest(method, "/" + path.lstrip("/"), skip_accept_encoding=True)
        for name, value in sent.items():
            connection.putheader(name, value)
        if body is not None and "Content-Length" not in sent:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        if body is not None:
            try:
                connection.send(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the whole body was read: the answer is still there
        response = connection.getresponse()
        data = b"" if response.status == 101 else response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data,
                     [v.split(";")[0] for k, v in response.getheaders() if k.lower() == "set-cookie"])
    finally:
        connection.close()


def api(server: LiveServer, method: str, path: str, body=None, **kwargs) -> Reply:
    data = json.dumps(body) if body is not None and not isinstance(body, (bytes, str)) else body
    return raw(server, method, "beekeeper/api/" + path, data, **kwargs)


def start_with_project(root: Path) -> tuple[LiveServer, str]:
    """A LiveServer with project `demo` ready and one finished run; returns (server, run_id)."""
    repo = GitRepo(root / "repo", {"train.py": "print('hello from train')\n"})
    server = LiveServer(root / "server")
    try:
        reply = api(server, "POST", "projects", {"name": "demo", "git_url": repo.url})
        assert reply.status == 201, reply
        wait(lambda: api(server, "GET", "projects/demo").json()["setup"]["state"] in ("ready", "failed"),
             "setup", timeout=180)
        assert api(server, "GET", "projects/demo").json()["setup"]["state"] == "ready"
        run = api(server, "POST", "projects/demo/runs", {"gpus": 0}).json()
        wait(lambda: api(server, "GET", f"runs/{run['id']}").json()["state"] in ("succeeded", "failed"), "run",
             timeout=180)
        return server, run["id"]
    except BaseException:
        server.stop()
        raise


def snapshot(folder: Path, skip: tuple[str, ...] = ("beekeeper.db",)) -> dict[str, str]:
    """Every file and folder below `folder` with a digest of its bytes (folders: their mode)."""
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith(skip):
            continue
        if path.is_symlink():
            out[rel] = "link:" + str(path.readlink())
        elif path.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def state(server: LiveServer) -> dict:
    """What the API says exists: projects, runs, TensorBoards, sinks."""
    projects = api(server, "GET", "projects").json()["projects"]
    return {
        "projects": sorted((p["name"], p["updated"], p["setup"]["state"]) for p in projects),
        "runs": sorted((r["id"], r["state"]) for r in api(server, "GET", "runs").json()["runs"]),
        "tensorboards": {p["name"]: api(server, "GET", f"projects/{p['name']}/tensorboard").json()["state"]
                         for p in projects},
    }
