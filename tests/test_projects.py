"""Projects end to end on a real Jupyter server: real git remotes (file://), real uv venvs from the
host's interpreters, real wheels, a real package index served over HTTP that the test can hold
shut to freeze a setup in `installing`."""

from __future__ import annotations

import asyncio
import http.server as httpserver
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from tornado.httpclient import AsyncHTTPClient

from beekeeper_ext.handlers import routes
from beekeeper_ext.openapi import routed_methods
from gitrepos import git
from wheels import make_wheel
from indexes import SilentIndex


# -- helpers --------------------------------------------------------------------------------------
class GatedIndex:
    """A --find-links folder over HTTP whose every request waits until `open()`: a setup using it
    stays in `installing` exactly as long as the test wants."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.gate = threading.Event()
        self.requests = 0
        index = self

        class Handler(httpserver.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(folder), **kwargs)

            def do_GET(self):
                index.requests += 1
                index.gate.wait(120)
                super().do_GET()

            def end_headers(self):
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def log_message(self, *args):
                pass

        self.server = httpserver.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def requirements(self, *pins: str) -> str:
        return "--no-index\n--find-links " + self.url + "\n" + "".join(p + "\n" for p in pins)

    def open(self):
        self.gate.set()

    def close(self):
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gated_index(tmp_path):
    folder = tmp_path / "gated-wheels"
    make_wheel(folder, "bkslow", "1.0.0")
    index = GatedIndex(folder)
    yield index
    index.close()


def local_requirements(wheels: Path, *pins: str) -> str:
    return f"--no-index\n--find-links {wheels}\n" + "".join(p + "\n" for p in pins)


async def wait_state(api, name: str, states: tuple[str, ...], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code, project = await api.get(f"projects/{name}")
        assert code == 200, project
        if project["setup"]["state"] in states:
            return project
        if project["setup"]["state"] in ("ready", "failed"):
            raise AssertionError(f"{name} ended before reaching {states}: {project['setup']}")
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} never reached {states}")


def venv_python_version(project: dict) -> str:
    # -I: pytest-jupyter exports PYTHONPATH for its own interpreter, which other versions choke on
    out = subprocess.run([project["paths"]["venv"] + "/bin/python", "-I", "-c",
                          "import platform; print(platform.python_version())"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


# -- interpreters ---------------------------------------------------------------------------------
async def test_pythons_lists_real_installations_newest_first(api):
    code, body = await api.get("pythons")
    assert code == 200
    pythons = body["pythons"]
    assert pythons, "no interpreter discovered"
    cpython = [p["version"] for p in pythons if p["implementation"] == "cpython"]
    assert cpython == sorted(cpython, key=key, reverse=True)
    for python in pythons:
        path = Path(python["path"])
        assert path.is_file() and os.access(path, os.X_OK)
        # a venv's python is not an installation: every listed path lies outside any venv
        assert not (path.parent.parent / "pyvenv.cfg").exists(), python
        out = subprocess.run([str(path), "-I", "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True)
        assert out.stdout.strip() == python["version"]


async def test_create_with_two_python_versions(api, make_repo):
    """`3.12` → the newest 3.12.x found; another version exactly; default → newest of all."""
    code, body = await api.get("pythons")
    pythons = [p for p in body["pythons"] if p["implementation"] == "cpython"]
    minors = sorted({minor(p["version"]) for p in pythons}, key=key, reverse=True)
    if len(minors) < 2:
        pytest.skip(f"needs two Python minor versions, found {minors}")
    first = "3.12" if "3.12" in minors else minors[0]
    other_exact = next(p["version"] for p in pythons if minor(p["version"]) != first)
    newest_of_first = max((p["version"] for p in pythons if minor(p["version"]) == first), key=key)
    repo = make_repo()

    requests = {"by-minor": first, "exact": other_exact, "default": None}
    for name, version in requests.items():
        body = {"name": name, "git_url": repo.url}
        if version:
            body["python_version"] = version
        code, created = await api.post("projects", body)
        assert code == 201, created
        assert created["python_version"] == version
    results = {name: await api.wait_setup(name, timeout=240) for name in requests}
    for name, project in results.items():
        assert project["setup"]["state"] == "ready", project
    assert results["by-minor"]["python"]["version"] == newest_of_first
    assert venv_python_version(results["by-minor"]) == newest_of_first
    assert results["exact"]["python"]["version"] == other_exact
    assert venv_python_version(results["exact"]) == other_exact
    assert results["default"]["python"]["version"] == pythons[0]["version"]
    assert venv_python_version(results["default"]) == pythons[0]["version"]


async def test_unknown_python_version_is_400(api, make_repo, bk_home):
    repo = make_repo()
    code, body = await api.post("projects", {"name": "p", "git_url": repo.url, "python_version": "3.99"})
    assert (code, body["field"]) == (400, "python_version")
    assert "available" in body["message"]
    assert list((bk_home / "projects").iterdir()) == []


# -- requirements ---------------------------------------------------------------------------------
async def test_requirement_installed_and_frozen(api, make_repo, tmp_path, bk_home):
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "bkdemo", "0.1.0", module_source="VALUE = 42\n")
    repo = make_repo({"train.py": "import bkdemo; print(bkdemo.VALUE)\n",
                      "requirements.txt": local_requirements(wheels, "bkdemo==0.1.0")})
    code, body = await api.post("projects", {"name": "demo", "git_url": repo.url})
    assert code == 201, body
    assert body["setup"]["state"] in ("queued", "cloning")
    assert code == 201 and body["has_credentials"] is False
    project = await api.wait_setup("demo")
    assert project["setup"]["state"] == "ready", project
    assert project["setup"]["warning"] is None
    assert project["setup"]["commit"] == repo.head()
    assert "bkdemo==0.1.0" in project["setup"]["packages"]
    assert project["setup"]["package_count"] == len(project["setup"]["packages"])
    out = subprocess.run([str(bk_home / "projects/demo/venv/bin/python"), "-I", str(bk_home / "projects/demo/src/train.py")],
                         capture_output=True, text=True)
    assert out.stdout.strip() == "42", out
    code, listing = await api.get("projects")
    assert [p["name"] for p in listing["projects"]] == ["demo"]
    assert "packages" not in listing["projects"][0]["setup"]  # the list stays small


async def test_missing_requirements_file_is_ready_with_warning(api, make_repo, bk_home):
    repo = make_repo({"train.py": "print(1)\n"})
    await api.post("projects", {"name": "bare", "git_url": repo.url})
    project = await api.wait_setup("bare")
    assert project["setup"]["state"] == "ready", project
    assert "requirements.txt" in project["setup"]["warning"]
    log = (bk_home / "projects/bare/setup.log").read_text()
    assert "warning" in log and "requirements.txt" in log
    assert (bk_home / "projects/bare/venv/bin/python").exists()


async def test_install_error_fails_quoting_the_installer(api, make_repo, tmp_path, bk_home):
    wheels = tmp_path / "empty-wheels"
    wheels.mkdir()
    repo = make_repo({"requirements.txt": local_requirements(wheels, "no-such-package-xyz==9.9")})
    await api.post("projects", {"name": "broken", "git_url": repo.url})
    project = await api.wait_setup("broken")
    assert project["setup"]["state"] == "failed", project
    message = project["setup"]["message"]
    assert "uv pip install failed" in message and "no-such-package-xyz" in message
    log = (bk_home / "projects/broken/setup.log").read_text()
    installer_line = next(line for line in message.splitlines() if "no-such-package-xyz" in line)
    assert installer_line.strip() in log  # the message quotes the installer's own output
    assert "[beekeeper] failed" in log


async def test_failed_clone_keeps_project_and_log(api, tmp_path, bk_home):
    url = (tmp_path / "nowhere.git").as_uri()
    code, _ = await api.post("projects", {"name": "gone", "git_url": url})
    assert code == 201
    project = await api.wait_setup("gone")
    assert project["setup"]["state"] == "failed"
    assert project["setup"]["message"]
    log = (bk_home / "projects/gone/setup.log").read_text()
    assert "git ls-remote" in log and "[beekeeper] failed" in log  # looking up the default branch failed


# -- progress, liveness, concurrency ---------------------------------------------------------------
async def test_states_in_order_loop_stays_live_and_setups_overlap(api, make_repo, bk_app, gated_index):
    seen: dict[str, list[str]] = {}

    def record(project):
        states = seen.setdefault(project["name"], [])
        if not states or states[-1] != project["setup"]["state"]:
            states.append(project["setup"]["state"])

    bk_app.projects.listeners.append(record)
    try:
        for name in ("alpha", "beta"):
            repo = make_repo({"requirements.txt": gated_index.requirements("bkslow==1.0.0")})
            code, body = await api.post("projects", {"name": name, "git_url": repo.url})
            assert code == 201, body
        # Both setups are held inside their installer at the same time: they run concurrently.
        for name in ("alpha", "beta"):
            await wait_state(api, name, ("installing",))
        deadline = time.monotonic() + 60
        while gated_index.requests < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert gated_index.requests >= 2, "both installers should be waiting on the index"
        # While they wait the event loop answers everything else.
        for path in ("projects", "pythons", "info", "projects/alpha"):
            code, _ = await api.get(path)
            assert code == 200
        states = {p["name"]: p["setup"]["state"] for p in (await api.get("projects"))[1]["projects"]}
        assert states == {"alpha": "installing", "beta": "installing"}
        # The setup log is readable while setup runs.
        code, text = await api.get("projects/alpha/setup/log")
        assert code == 200 and "[beekeeper] installing" in text and "[beekeeper] ready" not in text
        gated_index.open()
        for name in ("alpha", "beta"):
            project = await api.wait_setup(name)
            assert project["setup"]["state"] == "ready", project
            assert "bkslow==1.0.0" in project["setup"]["packages"]
    finally:
        gated_index.open()
        bk_app.projects.listeners.remove(record)
    for name in ("alpha", "beta"):
        assert seen[name] == ["queued", "cloning", "creating_env", "installing", "ready"], seen
    log = Path(bk_app.projects.paths("alpha").setup_log).read_text()
    markers = re.findall(r"\[beekeeper\] (queued|cloning|creating_env|installing|ready)", log)
    assert markers == ["cloning", "creating_env", "installing", "ready"]


async def test_resync_during_setup_starts_over_and_edits_wait(api, make_repo, gated_index, bk_home):
    """Re-sync cancels the setup under way (its installer is killed) and starts again; an edit
    that would need a new setup is still refused until setup ends."""
    repo = make_repo({"requirements.txt": gated_index.requirements("bkslow==1.0.0")})
    await api.post("projects", {"name": "busy", "git_url": repo.url})
    await wait_state(api, "busy", ("installing",))
    try:
        code, body = await api.patch("projects/busy", {"branch": "other"})
        assert (code, body["field"]) == (409, "setup")
        code, body = await api.post("projects/busy/setup")
        assert code == 202 and body["setup"]["state"] in ("queued", "cloning"), body
        assert "interrupted: setup was cancelled" in (bk_home / "projects/busy/setup.log").read_text()
    finally:
        gated_index.open()
    assert (await api.wait_setup("busy"))["setup"]["state"] == "ready"


@pytest.fixture
def silent_index(monkeypatch):
    monkeypatch.setenv("UV_HTTP_TIMEOUT", "3600")  # uv itself would wait an hour for an answer
    index = SilentIndex()
    yield index
    index.close()


def helper_processes(bk_app, kind: str) -> list[psutil.Process]:
    procs = []
    for helper in bk_app.helpers.running.values():
        if helper["kind"] == kind:
            try:
                procs.append(psutil.Process(helper["pid"]))
            except psutil.NoSuchProcess:
                pass
    return procs


async def stuck_installing(api, bk_app, make_repo, silent_index, name: str) -> list[psutil.Process]:
    repo = make_repo({"requirements.txt": silent_index.requirements()})
    code, body = await api.post("projects", {"name": name, "git_url": repo.url})
    assert code == 201, body
    await wait_state(api, name, ("installing",))
    deadline = time.monotonic() + 60
    while not silent_index.connections and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert silent_index.connections, "uv never asked the index"
    uv = helper_processes(bk_app, "uv")
    assert uv and all(p.is_running() for p in uv)
    return uv + [c for p in uv for c in p.children(recursive=True)]


def ended(procs: list[psutil.Process]) -> bool:
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            pass
    return True


async def test_delete_cancels_a_setup_stuck_on_an_index_that_never_answers(api, bk_app, bk_home, make_repo,
                                                                          silent_index):
    uv = await stuck_installing(api, bk_app, make_repo, silent_index, "stuck")
    code, _ = await api.delete("projects/stuck")  # before: waited for the lock as long as uv did
    assert code == 204
    assert not (bk_home / "projects/stuck").exists() and bk_app.store.get_project("stuck") is None
    assert ended(uv), uv
    assert not bk_app.helpers.running


async def test_resync_cancels_a_stuck_setup_and_the_installer_times_out(api, bk_app, bk_home, make_repo,
                                                                       silent_index):
    uv = await stuck_installing(api, bk_app, make_repo, silent_index, "slow")
    bk_app.environments.install_timeout = 5.0
    code, body = await api.post("projects/slow/setup")
    assert code == 202, body
    assert ended(uv), uv
    project = await api.wait_setup("slow")
    assert project["setup"]["state"] == "failed", project
    assert project["setup"]["message"] == "uv pip install timed out after 5 s", project
    log = (bk_home / "projects/slow/setup.log").read_text()
    assert "uv pip install timed out after 5 s" in log and "interrupted: setup was cancelled" in log
    assert not bk_app.helpers.running


# -- edit, re-sync, delete --------------------------------------------------------------------------
async def test_patch_fields_and_resetup_on_branch_or_requirements(api, make_repo, tmp_path, bk_home):
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "bkone", "1.0.0")
    make_wheel(wheels, "bktwo", "2.0.0")
    repo = make_repo({"train.py": "print('main')\n", "requirements.txt": local_requirements(wheels, "bkone==1.0.0"),
                      "req2.txt": local_requirements(wheels, "bktwo==2.0.0")})
    git("checkout", "-q", "-b", "dev", cwd=repo.work)
    dev_sha = repo.commit({"train.py": "print('dev')\n"}, "dev work")
    repo.push("dev")
    git("checkout", "-q", "main", cwd=repo.work)
    await api.post("projects", {"name": "edit", "git_url": repo.url})
    first = await api.wait_setup("edit")
    assert first["setup"]["commit"] == repo.head() != dev_sha

    # Plain fields change without a new setup.
    code, body = await api.patch("projects/edit", {"train_file": "other.py", "env": {"SEED": "3"},
                                                   "tensorboard_log_dir": "logs/tb"})
    assert code == 200, body
    assert (body["train_file"], body["env"], body["tensorboard_log_dir"]) == ("other.py", {"SEED": "3"}, "logs/tb")
    assert body["setup"]["state"] == "ready" and body["setup"]["started"] == first["setup"]["started"]

    # A new branch re-runs setup and checks it out.
    code, body = await api.patch("projects/edit", {"branch": "dev"})
    assert code == 200 and body["setup"]["state"] in ("queued", "cloning"), body
    project = await api.wait_setup("edit")
    assert project["setup"]["state"] == "ready", project
    assert project["setup"]["commit"] == dev_sha and project["branch"] == "dev"
    assert (bk_home / "projects/edit/src/train.py").read_text() == "print('dev')\n"
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=bk_home / "projects/edit/src") == "dev"

    # A new requirements file re-runs setup and installs it.
    await api.patch("projects/edit", {"requirements_file": "req2.txt"})
    project = await api.wait_setup("edit")
    assert "bktwo==2.0.0" in project["setup"]["packages"], project


async def test_resync_fetches_new_commit(api, ready_project, bk_home):
    project = await ready_project("sync", {"train.py": "print(1)\n"})
    repo = project["_repo"]
    new_sha = repo.commit({"train.py": "print(2)\n"}, "second")
    repo.push()
    assert project["setup"]["commit"] != new_sha
    code, body = await api.post("projects/sync/setup")
    assert code == 202 and body["setup"]["state"] in ("queued", "cloning"), body
    project = await api.wait_setup("sync")
    assert project["setup"]["state"] == "ready"
    assert project["setup"]["commit"] == new_sha
    assert (bk_home / "projects/sync/src/train.py").read_text() == "print(2)\n"


TRAP = """#!/bin/sh
echo "$0 ran: JUPYTER_TOKEN=$JUPYTER_TOKEN" >> {marker}
"""


async def test_a_tampered_git_folder_runs_nothing_at_the_next_sync(api, ready_project, bk_home, tmp_path,
                                                                   monkeypatch):
    """A training script can write `src/.git` directly. Whatever it plants there — fsmonitor,
    hooks, a filter driver, an upload-pack program, an include, a worktree elsewhere — the next
    sync runs none of it, and still fetches and checks out the new commit."""
    monkeypatch.setenv("JUPYTER_TOKEN", "server-token-xyz")
    marker = tmp_path / "marker"
    trap = tmp_path / "trap.sh"
    trap.write_text(TRAP.format(marker=marker))
    trap.chmod(0o755)
    project = await ready_project("trap", {"train.py": "print(1)\n"})
    src = bk_home / "projects/trap/src"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "more.gitconfig").write_text(f"[core]\n\tfsmonitor = {trap}\n")
    with open(src / ".git/config", "a") as config:
        config.write(f"""[core]
\tfsmonitor = {trap}
\thooksPath = {src}/.git/hooks
\tsshCommand = {trap}
\tworktree = {elsewhere}
[filter "evil"]
\tsmudge = {trap}
\tclean = {trap}
\tprocess = {trap}
[remote "origin"]
\tuploadpack = {trap}
[credential]
\thelper = !{trap}
[include]
\tpath = {tmp_path}/more.gitconfig
""")
    (src / ".git/info").mkdir(exist_ok=True)
    (src / ".git/info/attributes").write_text("* filter=evil\n")
    for hook in ("post-checkout", "reference-transaction", "post-merge", "pre-auto-gc", "post-index-change"):
        (src / ".git/hooks" / hook).write_text(TRAP.format(marker=marker))
        (src / ".git/hooks" / hook).chmod(0o755)
    repo = project["_repo"]
    new_sha = repo.commit({"train.py": "print(2)\n"}, "second")
    repo.push()
    code, body = await api.post("projects/trap/setup")
    assert code == 202, body
    project = await api.wait_setup("trap")
    assert project["setup"]["state"] == "ready", project
    assert project["setup"]["commit"] == new_sha
    assert (src / "train.py").read_text() == "print(2)\n" and not list(elsewhere.iterdir())
    assert not marker.exists(), marker.read_text()
    config = (src / ".git/config").read_text()
    assert str(trap) not in config and "include" not in config and repo.url in config


async def test_git_runs_with_a_scratch_environment(bk_app, monkeypatch):
    """git's environment carries no Jupyter or Beekeeper token, only the clone's own credential."""
    for key in ("JUPYTER_TOKEN", "JPY_API_TOKEN", "JUPYTERHUB_API_TOKEN", "BEEKEEPER_TOKEN", "SOME_APP_SECRET"):
        monkeypatch.setenv(key, "leak-" + key)
    env = bk_app.gitops.env({"username": "u", "token": "clone-token"})
    assert not [value for value in env.values() if value.startswith("leak-")], env
    assert env["BEEKEEPER_GIT_PASSWORD"] == "clone-token" and env["GIT_CONFIG_NOSYSTEM"] == "1"
    assert env["GIT_CONFIG_GLOBAL"] == str(bk_app.home_path / "gitconfig") and env["PATH"]
    assert "BEEKEEPER_GIT_PASSWORD" in bk_app.gitops.env(None) and bk_app.gitops.env(None)["BEEKEEPER_GIT_PASSWORD"] == ""


async def test_delete_removes_folder_and_rows(api, ready_project, bk_home, bk_app):
    await ready_project("doomed")
    bk_app.store.insert_run({"id": "doomed-1", "seq": 1, "project": "doomed", "state": "succeeded",
                             "executor": "local", "created": "2026-01-01T00:00:00.000Z"})
    code, _ = await api.delete("projects/doomed")
    assert code == 204
    assert not (bk_home / "projects/doomed").exists()
    assert bk_app.store.get_project("doomed") is None
    assert bk_app.store.list_runs(project="doomed") == []
    code, body = await api.get("projects/doomed")
    assert code == 404
    code, body = await api.delete("projects/doomed")
    assert code == 404


async def test_unknown_project_is_404_everywhere(api):
    for method, path in [("GET", "projects/nope"), ("PATCH", "projects/nope"), ("DELETE", "projects/nope"),
                         ("POST", "projects/nope/setup")]:
        code, body = await api.call(method, path, body={} if method in ("PATCH", "POST") else None)
        assert code == 404, (method, path, body)


# -- auth -----------------------------------------------------------------------------------------
def sample_path(pattern: str) -> str:
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "sample", pattern).rstrip("$")


async def test_every_route_requires_auth(jp_http_port, jp_base_url, api):
    client = AsyncHTTPClient()
    checked = 0
    for pattern, handler, *_ in routes():
        path = sample_path(pattern)
        for method in sorted(routed_methods(handler)):
            url = f"http://127.0.0.1:{jp_http_port}{jp_base_url.rstrip('/')}{path}"
            body = b"{}" if method in ("post", "put", "patch") else None
            response = await client.fetch(url, method=method.upper(), body=body, raise_error=False,
                                          allow_nonstandard_methods=True, follow_redirects=False)
            assert response.code == 403, (method, path, response.code)
            checked += 1
    assert checked >= 20
    # and the same routes do answer with a token
    code, _ = await api.get("projects")
    assert code == 200


# -- restart during setup (a real `jupyter server` process) -------------------------------------------
def http(server, method: str, path: str, body=None) -> tuple[int, dict]:
    request = urllib.request.Request(server.url + "beekeeper/api/" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"token {server.token}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def poll(server, name: str, states: tuple[str, ...], timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code, project = http(server, "GET", f"projects/{name}")
        if code == 200 and project["setup"]["state"] in states:
            return project
        time.sleep(0.1)
    raise AssertionError(f"{name} never reached {states}")


def test_server_killed_during_setup_marks_interrupted_and_resync_fixes(tmp_path, make_repo, gated_index):
    from live_server import LiveServer

    repo = make_repo({"requirements.txt": gated_index.requirements("bkslow==1.0.0")})
    root = tmp_path / "live"
    server = LiveServer(root)
    try:
        code, body = http(server, "POST", "projects", {"name": "cut", "git_url": repo.url})
        assert code == 201, body
        poll(server, "cut", ("installing",))
        os.killpg(server.proc.pid, signal.SIGKILL)  # no goodbye: the uv child dies with it
        server.proc.wait(30)
    finally:
        server.stop()
    server = LiveServer(root)
    try:
        code, project = http(server, "GET", "projects/cut")
        assert project["setup"]["state"] == "failed", project
        assert "interrupted" in project["setup"]["message"]
        log = (server.bk_home / "projects/cut/setup.log").read_text()
        assert "interrupted" in log
        gated_index.open()
        code, body = http(server, "POST", "projects/cut/setup")
        assert code == 202, body
        project = poll(server, "cut", ("ready", "failed"))
        assert project["setup"]["state"] == "ready", project
        assert "bkslow==1.0.0" in project["setup"]["packages"]
    finally:
        server.stop()


def test_server_stopped_during_setup_marks_interrupted(tmp_path, make_repo, gated_index):
    """A clean stop (SIGTERM) cancels setup and says so instead of leaving it `installing`."""
    from live_server import LiveServer

    repo = make_repo({"requirements.txt": gated_index.requirements("bkslow==1.0.0")})
    root = tmp_path / "live"
    server = LiveServer(root)
    try:
        http(server, "POST", "projects", {"name": "cut", "git_url": repo.url})
        poll(server, "cut", ("installing",))
    finally:
        server.stop()
    server = LiveServer(root)
    try:
        code, project = http(server, "GET", "projects/cut")
        assert project["setup"]["state"] == "failed" and "interrupted" in project["setup"]["message"]
    finally:
        gated_index.open()
        server.stop()


async def test_killing_an_installer_that_already_died_raises_nothing():
    """Jupyter's SIGTERM reaches the whole process group, so uv may be gone by the time setup is
    cancelled. asyncio's kill() then raises ProcessLookupError — with an empty message — which
    replaced the cancellation and left the project `failed` with no reason instead of
    `interrupted` (seen in CI). Beekeeper's kill() leaves an ended child alone."""
    from beekeeper_ext.environments import kill

    proc = await asyncio.create_subprocess_exec("true")
    await proc.wait()
    with pytest.raises(ProcessLookupError):
        proc.kill()  # the trap
    kill(proc)  # nothing raised
    running = await asyncio.create_subprocess_exec("sleep", "30")
    kill(running)
    assert await running.wait() == -signal.SIGKILL


async def test_resolve_uses_last_scan_and_rescans_only_on_a_miss(monkeypatch):
    """Probing every interpreter costs seconds, so a create resolves from the last scan even when
    it is old; an unknown version rescans once (a Python installed since) before the 400."""
    from beekeeper_ext.environments import Interpreters
    from beekeeper_ext.errors import BeekeeperError

    probes = []
    real_probe = Interpreters._probe

    async def counting_probe(path):
        probes.append(path)
        return await real_probe(path)

    monkeypatch.setattr(Interpreters, "_probe", staticmethod(counting_probe))
    interpreters = Interpreters(ttl=0)
    newest = await interpreters.resolve(None)
    scanned = len(probes)
    assert scanned > 0
    assert await interpreters.resolve(None) == newest
    assert await interpreters.resolve(newest["version"]) == newest
    assert len(probes) == scanned  # no new scan, although the ttl has long passed
    with pytest.raises(BeekeeperError) as err:
        await interpreters.resolve("3.99")
    assert err.value.field == "python_version"
    assert len(probes) == 2 * scanned  # exactly one rescan for the miss
