"""Private repositories over HTTPS-style Basic auth: a real `git http-backend` behind a small HTTP
server that demands a username and token, and a real `jupyter server` (debug logging on) that
clones from it. Afterwards the token must appear nowhere but inside the 0600 database."""

from __future__ import annotations

import base64
import http.server as httpserver
import json
import os
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from live_server import LiveServer

USER, TOKEN = "alice", "tok-" + os.urandom(12).hex()


class GitHttp:
    """Serves bare repositories under `root` with git's smart HTTP protocol, Basic auth required."""

    def __init__(self, root: Path, username: str, token: str):
        backend = Path(subprocess.run(["git", "--exec-path"], capture_output=True, text=True,
                                      check=True).stdout.strip()) / "git-http-backend"
        expected = "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()
        self.attempts: list[bool] = []
        outer = self

        class Handler(httpserver.BaseHTTPRequestHandler):
            def _serve(self):
                ok = self.headers.get("Authorization") == expected
                outer.attempts.append(ok)
                if not ok:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="private"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                env = {
                    "PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": str(root), "GIT_HTTP_EXPORT_ALL": "1",
                    "REQUEST_METHOD": self.command, "PATH_INFO": path, "QUERY_STRING": query,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
                    "REMOTE_USER": username, "REMOTE_ADDR": "127.0.0.1",
                    "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                    "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                }
                out = subprocess.run([str(backend)], input=body, env=env, capture_output=True).stdout
                head, _, payload = out.partition(b"\r\n\r\n")
                status, headers = 200, []
                for line in head.decode().split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = httpserver.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def private_repo(make_repo):
    repo = make_repo({"train.py": "print('secret sauce')\n"})
    server = GitHttp(repo.bare.parent, USER, TOKEN)
    yield repo, f"{server.base}/{repo.bare.name}", server
    server.close()


@pytest.fixture
def live(tmp_path, monkeypatch):
    # Debug logging, so that anything the server would ever log is in server.log: LiveServer has no
    # switch for it, so add `--log-level=DEBUG` to the argv it starts, while it starts.
    real_popen = subprocess.Popen

    def popen(argv, *args, **kwargs):
        return real_popen([*argv, "--log-level=DEBUG"], *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    try:
        server = LiveServer(tmp_path / "live")
    finally:
        monkeypatch.setattr(subprocess, "Popen", real_popen)
    yield server
    server.stop()


class Client:
    """Talks to the live server and keeps every response body, to search them for the token."""

    def __init__(self, server: LiveServer):
        self.server = server
        self.responses: list[bytes] = []

    def call(self, method: str, path: str, body=None) -> tuple[int, object]:
        request = urllib.request.Request(
            self.server.url + "beekeeper/api/" + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"token {self.server.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                code, raw = response.status, response.read()
        except urllib.error.HTTPError as err:
            code, raw = err.code, err.read()
        self.responses.append(raw)
        try:
            return code, json.loads(raw or b"null")
        except ValueError:
            return code, raw.decode(errors="replace")

    def wait(self, name: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code, project = self.call("GET", f"projects/{name}")
            if project["setup"]["state"] in ("ready", "failed"):
                return project
            time.sleep(0.1)
        raise AssertionError(f"setup of {name} did not finish")


def test_private_repo_clones_with_credentials_and_the_token_leaks_nowhere(live, private_repo):
    repo, url, git_server = private_repo
    client = Client(live)

    # Without credentials: a clean failure (no prompt, no hang), the project kept with its log.
    code, body = client.call("POST", "projects", {"name": "nocreds", "git_url": url})
    assert code == 201, body
    project = client.wait("nocreds")
    assert project["setup"]["state"] == "failed", project
    assert "Authentication failed" in project["setup"]["message"] or "401" in project["setup"]["message"]
    assert (live.bk_home / "projects/nocreds/setup.log").exists()

    # With credentials: cloned.
    code, body = client.call("POST", "projects", {"name": "withcreds", "git_url": url,
                                                  "credentials": {"username": USER, "token": TOKEN}})
    assert code == 201 and body["has_credentials"] is True and "credentials" not in body, body
    project = client.wait("withcreds")
    assert project["setup"]["state"] == "ready", project
    assert project["setup"]["commit"] == repo.head()
    assert True in git_server.attempts

    # Credentials embedded in the URL are split off: the stored and returned URL has none.
    embedded = url.replace("http://", f"http://{USER}:{TOKEN}@")
    code, body = client.call("POST", "projects", {"name": "embedded", "git_url": embedded})
    assert code == 201, body
    assert body["git_url"] == url and body["has_credentials"] is True
    project = client.wait("embedded")
    assert project["setup"]["state"] == "ready", project

    # Re-sync goes through the same credential path (fetch, not clone).
    new_sha = repo.commit({"train.py": "print('v2')\n"}, "v2")
    repo.push()
    code, _ = client.call("POST", "projects/withcreds/setup")
    assert code == 202
    assert client.wait("withcreds")["setup"]["commit"] == new_sha

    # Every readable surface, searched for the token (and the user:token pair).
    for name in ("nocreds", "withcreds", "embedded"):
        client.call("GET", f"projects/{name}")
        client.call("GET", f"projects/{name}/setup/log")
    client.call("GET", "projects")
    client.call("GET", "openapi.json")
    for raw in client.responses:
        assert TOKEN.encode() not in raw
    assert embedded.encode() not in b"".join(client.responses)

    for name in ("withcreds", "embedded"):
        config = (live.bk_home / "projects" / name / "src/.git/config").read_text()
        assert url in config and TOKEN not in config and f"{USER}:" not in config

    db_files = {"beekeeper.db", "beekeeper.db-wal", "beekeeper.db-shm", "beekeeper.db-journal"}
    scanned = 0
    for path in live.bk_home.rglob("*"):
        if path.is_file() and not path.is_symlink():
            scanned += 1
            if path.name in db_files and path.parent == live.bk_home:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
                continue
            assert TOKEN.encode() not in path.read_bytes(), f"token found in {path}"
    assert scanned > 50  # checkouts, venvs, logs were all searched
    assert stat.S_IMODE((live.bk_home / "beekeeper.db").stat().st_mode) == 0o600
    # The database does hold it (that is where credentials live), readable by its owner only.
    assert TOKEN.encode() in b"".join((live.bk_home / n).read_bytes() for n in db_files
                                      if (live.bk_home / n).exists())

    live.stop()
    log = live.server_log()
    assert "Beekeeper home" in log and "[D " in log  # debug output was on and captured
    assert TOKEN not in log
