"""Python client for the Beekeeper REST API: drive projects and runs from a notebook or a script.

    from beekeeper_ext.client import Beekeeper
    bk = Beekeeper()                      # inside a notebook of the server: finds URL and token
    p = bk.create_project("demo", "https://github.com/me/repo.git").wait_ready()
    run = p.run(args=["--lr", "0.01"]).wait()
    for line in run.logs(): print(line)

Only the standard library is used (urllib), so the client works in any project venv too.
Every failure the server reports raises `BeekeeperAPIError` with its status, message and field.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, TypeVar

from .models.states import ACTIVE as ACTIVE_STATES  # noqa: F401 (part of the client's API)
from .models.states import FINISHED as FINISHED_STATES
from .models.states import SETUP_ACTIVE

CHUNK = 1024 * 1024


class BeekeeperAPIError(Exception):
    """What the server (or the connection to it) said went wrong."""

    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(f"{status}: {message}" + (f" (field: {field})" if field else ""))
        self.status = status
        self.message = message
        self.field = field


# -- finding the server ---------------------------------------------------------------------------
def _ancestors() -> list[int]:
    """This process's parent chain (a kernel's chain contains the Jupyter server that started it)."""
    try:
        import psutil

        return [p.pid for p in psutil.Process().parents()]
    except Exception:
        pids, pid = [], os.getppid()
        while pid > 1 and len(pids) < 64:
            pids.append(pid)
            try:
                with open(f"/proc/{pid}/stat") as f:
                    pid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                break
        return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def discover() -> tuple[str, str]:
    """The URL and token of the Jupyter server to talk to.

    Order: BEEKEEPER_URL/BEEKEEPER_TOKEN; JUPYTER_SERVER_URL with JUPYTERHUB_API_TOKEN (or
    JPY_API_TOKEN / JUPYTER_TOKEN); else jupyter_server's runtime files, preferring the server
    that is an ancestor of this process (the one running this notebook's kernel), then the newest alive.
    """
    url = os.environ.get("BEEKEEPER_URL")
    token = os.environ.get("BEEKEEPER_TOKEN")
    if url:
        return url, token or ""
    hub_url = os.environ.get("JUPYTER_SERVER_URL")
    hub_token = (os.environ.get("JUPYTERHUB_API_TOKEN") or os.environ.get("JPY_API_TOKEN")
                 or os.environ.get("JUPYTER_TOKEN"))
    if hub_url and hub_token:
        return hub_url, token or hub_token
    from jupyter_core.paths import jupyter_runtime_dir

    servers = []
    for path in Path(jupyter_runtime_dir()).glob("jpserver-*.json"):
        try:
            info = json.loads(path.read_text())
            pid = int(info["pid"])
            mtime = path.stat().st_mtime
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if info.get("url") and _alive(pid):
            servers.append((pid, mtime, info))
    if not servers:
        raise BeekeeperAPIError(0, "no running Jupyter server found: pass Beekeeper(url, token) or set "
                                   "BEEKEEPER_URL and BEEKEEPER_TOKEN")
    ancestors = _ancestors()
    servers.sort(key=lambda s: (s[0] in ancestors, s[1]), reverse=True)
    info = servers[0][2]
    return info["url"], token or info.get("token", "")


# -- typed results --------------------------------------------------------------------------------
_F = TypeVar("_F", bound="_Fresh")


class _Fresh:
    """What Run, Sweep and Project share: taking in the server's newer view of themselves (an
    answer to GET, PATCH or an action), in place, so a user's reference stays current."""

    def _update(self: _F, data: dict) -> _F:
        fresh = type(self).from_json(self.client, data)
        self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "client"})
        return self


@dataclass
class FileEntry:
    name: str
    path: str
    size: int
    mtime: str
    kind: str
    jupyter_path: str | None = None


@dataclass
class Run(_Fresh):
    """One run of a project's training script."""

    id: str
    project: str
    state: str
    command: list = field(default_factory=list)
    commit: str | None = None
    gpus: list = field(default_factory=list)
    created: str | None = None
    started: str | None = None
    ended: str | None = None
    exit_code: int | None = None
    data: dict = field(default_factory=dict, repr=False)
    client: "Beekeeper" = field(default=None, repr=False, compare=False)

    @classmethod
    def from_json(cls, client: "Beekeeper", data: dict) -> "Run":
        return cls(id=data["id"], project=data.get("project", ""), state=data.get("state", ""),
                   command=data.get("command") or [], commit=data.get("commit"), gpus=data.get("gpus") or [],
                   created=data.get("created"), started=data.get("started"), ended=data.get("ended"),
                   exit_code=data.get("exit_code"), data=data, client=client)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def succeeded(self) -> bool:
        return self.state == "succeeded"

    def refresh(self) -> "Run":
        return self._update(self.client._json("GET", f"runs/{self.id}"))

    def wait(self, timeout: float | None = None, poll: float = 1.0) -> "Run":
        """Block until the run ends (any final state); TimeoutError after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.refresh().finished:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {self.id} still {self.state} after {timeout} s")
            time.sleep(poll)
        return self

    def stop(self) -> "Run":
        return self._update(self.client._json("POST", f"runs/{self.id}/stop"))

    def delete(self) -> None:
        self.client._json("DELETE", f"runs/{self.id}")

    def log(self, offset: int = 0, limit: int | None = None, tail: int | None = None) -> tuple[bytes, int, bool]:
        """Raw log bytes from `offset` (or the last `tail` lines): (data, next offset, still writing)."""
        params: dict[str, Any] = {"offset": offset}
        if limit is not None:
            params["limit"] = limit
        if tail is not None:
            params = {"tail": tail}
        status, headers, body = self.client._request("GET", f"runs/{self.id}/log", params=params)
        next_offset = int(headers.get("X-Beekeeper-Next-Offset") or offset + len(body))
        writing = (headers.get("X-Beekeeper-Writing") or "").lower() in ("1", "true", "yes")
        return body, next_offset, writing

    def logs(self, follow: bool = False, tail: int | None = None, poll: float = 0.5) -> Iterator[str]:
        """The log as lines. With follow, keep yielding new lines until the run ends.

        A `\\r` progress bar yields only what a terminal would finally show on that line.
        """
        pending = b""
        if tail is not None:
            data, offset, writing = self.log(tail=tail)
        else:
            data, offset, writing = self.log(0)
        while True:
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield _visible(line)
            if data:
                data, offset, writing = self.log(offset)
                continue
            if not follow or (not writing and self.refresh().finished):
                # One last read: the run may have written its final lines just before ending.
                data, offset, writing = self.log(offset)
                if data:
                    continue
                if pending:
                    yield _visible(pending)
                return
            time.sleep(poll)
            data, offset, writing = self.log(offset)


@dataclass
class Sweep(_Fresh):
    """A grid or random search: its trials are ordinary runs of the project, queued at once."""

    id: str
    project: str
    state: str
    data: dict = field(default_factory=dict, repr=False)
    client: "Beekeeper" = field(default=None, repr=False, compare=False)

    @classmethod
    def from_json(cls, client: "Beekeeper", data: dict) -> "Sweep":
        return cls(id=data["id"], project=data.get("project", ""), state=data.get("state", ""),
                   data=data, client=client)

    @property
    def best_value(self) -> float | None:
        """The best objective value so far (as of the last refresh)."""
        return (self.data.get("best") or {}).get("value")

    @property
    def _path(self) -> str:
        return f"sweeps/{urllib.parse.quote(self.id, safe='')}"

    @property
    def finished(self) -> bool:
        return self.state in ("finished", "stopped")

    def refresh(self) -> "Sweep":
        return self._update(self.client._json("GET", self._path))

    def trials(self) -> list[dict]:
        """Each trial in order: {id, state, params, value, early_stopped, ...} (value: its objective)."""
        return self.refresh().data.get("runs", [])

    def runs(self) -> list[Run]:
        """The trials as Run objects (logs, stop, delete)."""
        return [self.client.run(t["id"]) for t in self.trials()]

    def wait(self, timeout: float | None = None, poll: float = 1.0) -> "Sweep":
        """Block until every trial has ended (or the sweep was stopped and its trials ended)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.refresh()
            active = sum(self.data.get("trials", {}).get(s, 0) for s in ACTIVE_STATES)
            if self.finished and not active:
                return self
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"sweep {self.id} still {self.state} after {timeout} s")
            time.sleep(poll)

    def best_trial(self) -> dict | None:
        best = self.refresh().data.get("best")
        if not best:
            return None
        return next((t for t in self.data.get("runs", []) if t["id"] == best["run"]), None)

    def best(self) -> Run | None:
        """The best trial so far as a Run (its params in `.data["sweep_params"]`), or None."""
        trial = self.best_trial()
        return self.client.run(trial["id"]) if trial else None

    def stop(self) -> "Sweep":
        return self._update(self.client._json("POST", f"{self._path}/stop"))

    def delete(self, runs: bool = False) -> None:
        self.client._json("DELETE", self._path, params={"runs": "1"} if runs else None)


def _visible(line: bytes) -> str:
    text = line.decode("utf-8", errors="replace").rstrip("\r")
    return text.rsplit("\r", 1)[-1]


@dataclass
class Project(_Fresh):
    """A project: a git repo checked out with its own venv, and its runs."""

    name: str
    git_url: str = ""
    branch: str = ""
    train_file: str = ""
    setup_state: str = ""
    commit: str | None = None
    data: dict = field(default_factory=dict, repr=False)
    client: "Beekeeper" = field(default=None, repr=False, compare=False)

    @classmethod
    def from_json(cls, client: "Beekeeper", data: dict) -> "Project":
        setup = data.get("setup") or {}
        return cls(name=data["name"], git_url=data.get("git_url", ""), branch=data.get("branch", ""),
                   train_file=data.get("train_file", ""), setup_state=setup.get("state", ""),
                   commit=setup.get("commit"), data=data, client=client)

    @property
    def _base(self) -> str:
        return f"projects/{urllib.parse.quote(self.name, safe='')}"

    @property
    def ready(self) -> bool:
        return self.setup_state == "ready"

    def refresh(self) -> "Project":
        return self._update(self.client._json("GET", self._base))

    def wait_ready(self, timeout: float = 900, poll: float = 1.0) -> "Project":
        """Block until setup ends; BeekeeperAPIError (field `setup`) if it failed."""
        deadline = time.monotonic() + timeout
        while self.refresh().setup_state in SETUP_ACTIVE:
            if time.monotonic() > deadline:
                raise TimeoutError(f"setup of {self.name} still {self.setup_state} after {timeout} s")
            time.sleep(poll)
        if self.setup_state != "ready":
            raise BeekeeperAPIError(409, f"setup of {self.name} {self.setup_state}: "
                                         f"{self.data.get('setup', {}).get('message')}", "setup")
        return self

    def update(self, **fields) -> "Project":
        return self._update(self.client._json("PATCH", self._base, fields))

    def sync(self) -> "Project":
        """Fetch the branch again and rebuild the environment (in the background: wait_ready after)."""
        return self._update(self.client._json("POST", f"{self._base}/setup"))

    def delete(self) -> None:
        self.client._json("DELETE", self._base)

    def setup_log(self) -> str:
        return self.client._request("GET", f"{self._base}/setup/log")[2].decode("utf-8", "replace")

    # -- runs ---------------------------------------------------------------------------------
    def run(self, args: list[str] | None = None, env: dict[str, str] | None = None,
            gpus: int | list[int] | None = None, **extra) -> Run:
        # Passed through as given: the server validates (and names the field of) anything wrong.
        # What is left out (None) the server takes from `preset=NAME` or the project's default_run.
        body: dict[str, Any] = dict(extra)
        if args is not None:
            body["args"] = list(args) if isinstance(args, tuple) else args
        if env is not None:
            body["env"] = env
        if gpus is not None:
            body["gpus"] = gpus
        return Run.from_json(self.client, self.client._json("POST", f"{self._base}/runs", body))

    def runs(self, **params) -> list[Run]:
        return self.client._runs(f"{self._base}/runs", params)

    def sweep(self, parameters: dict, method: str = "grid", objective: dict | str | None = None,
              max_parallel: int | None = None, **fields) -> Sweep:
        """Queue a sweep; `parameters` like {"lr": [0.1, 0.01]} (a list means values) or
        {"lr": {"min": 1e-4, "max": 1e-1, "log": True}}; `objective` like "loss/test:min" or
        {"metric": ..., "goal": ...}. Other fields (trials, seed, args, env, gpus, args_template,
        as_="env", early_stop, ...) go to the server as given."""
        params = {k: {"values": list(v)} if isinstance(v, (list, tuple)) else v for k, v in parameters.items()}
        if isinstance(objective, str):
            objective = parse_objective(objective)
        if "as_" in fields:
            fields["as"] = fields.pop("as_")
        body = {"method": method, "parameters": params, **fields}
        if objective is not None:
            body["objective"] = objective
        if max_parallel is not None:
            body["max_parallel"] = max_parallel
        return Sweep.from_json(self.client, self.client._json("POST", f"{self._base}/sweeps", body))

    def sweeps(self) -> list[Sweep]:
        return [Sweep.from_json(self.client, s) for s in self.client._json("GET", f"{self._base}/sweeps")["sweeps"]]

    # -- files --------------------------------------------------------------------------------
    def _file_url(self, path: str) -> str:
        return f"{self._base}/files/{urllib.parse.quote(path.strip('/'), safe='/')}"

    def files(self, path: str = "src") -> list[FileEntry]:
        listing = self.client._json("GET", self._file_url(path))
        return [FileEntry(**{k: e.get(k) for k in FileEntry.__dataclass_fields__}) for e in listing["entries"]]

    def download(self, path: str, to: str | os.PathLike | None = None) -> Path:
        """Save a file (or a folder, as a zip) locally; returns where it went. Streams to disk."""
        clean = path.strip("/")
        parent, _, leaf = clean.rpartition("/")
        kinds = {e.name: e.kind for e in self.files(parent)}
        if leaf not in kinds:
            raise BeekeeperAPIError(404, f"{clean!r} not found", "path")
        is_dir = kinds[leaf] == "dir" or (kinds[leaf] == "symlink" and self._is_dir(clean))
        name = path.strip("/").rsplit("/", 1)[-1] + (".zip" if is_dir else "")
        target = Path(to) if to is not None else Path(name)
        if target.is_dir():
            target = target / name
        params = {"format": "zip"} if is_dir else None
        response = self.client._open("GET", self._file_url(path), params=params)
        partial = target.with_name(target.name + ".part")
        try:
            with response, open(partial, "wb") as out:
                shutil.copyfileobj(response, out, CHUNK)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return target

    def _is_dir(self, path: str) -> bool:
        response = self.client._open("GET", self._file_url(path), headers={"Range": "bytes=0-0"})
        with response:
            return response.status == 200 and "json" in response.headers.get("Content-Type", "") \
                and "entries" in json.loads(response.read() or b"{}")

    def upload(self, local: str | os.PathLike, path: str, overwrite: bool = False) -> FileEntry:
        """Upload a local file to `path` (under src/), streamed from disk."""
        local = Path(local)
        size = local.stat().st_size
        try:
            with open(local, "rb") as f:
                _, _, body = self.client._request(
                    "PUT", self._file_url(path), params={"overwrite": 1} if overwrite else None,
                    data=f, headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"})
        except BeekeeperAPIError as exc:
            # A large upload the server refuses up front ends in a closed connection while we are
            # still sending; the likely reason is a file already there.
            if exc.status == 0 and not overwrite and self._exists(path):
                raise BeekeeperAPIError(409, f"{path!r} already exists; pass overwrite=True to replace it",
                                        "path") from None
            raise
        return FileEntry(**{k: json.loads(body).get(k) for k in FileEntry.__dataclass_fields__})

    def _exists(self, path: str) -> bool:
        try:
            self.client._request("GET", self._file_url(path), headers={"Range": "bytes=0-0"})
            return True
        except BeekeeperAPIError:
            return False

    def delete_file(self, path: str, recursive: bool = False) -> None:
        self.client._request("DELETE", self._file_url(path), params={"recursive": 1} if recursive else None)

    # -- observing ----------------------------------------------------------------------------
    def scalars(self) -> dict:
        return self.client._json("GET", f"{self._base}/scalars")


def parse_objective(text: str) -> dict:
    """"loss/test:min" → {"metric": "loss/test", "goal": "min"}; a third part picks which of a
    trial's values counts ("acc:max:max"); the goal defaults to min."""
    parts = text.split(":")
    if len(parts) >= 3 and parts[-2] in ("min", "max") and parts[-1] in ("last", "min", "max"):
        return {"metric": ":".join(parts[:-2]), "goal": parts[-2], "summary": parts[-1]}
    if len(parts) >= 2 and parts[-1] in ("min", "max"):
        return {"metric": ":".join(parts[:-1]), "goal": parts[-1]}
    return {"metric": text}


# -- the client -----------------------------------------------------------------------------------
class Beekeeper:
    """A connection to one Jupyter server running Beekeeper."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 60):
        if url is None:
            url, found_token = discover()
            token = token if token is not None else found_token
        self.url = url.rstrip("/") + "/"
        self._token = token or ""
        self.timeout = timeout

    def __repr__(self) -> str:  # never the token
        return f"Beekeeper({self.url!r})"

    # -- HTTP ---------------------------------------------------------------------------------
    def _open(self, method: str, path: str, body: Any = None, params: dict | None = None,
              data: Any = None, headers: dict | None = None):
        url = self.url + "beekeeper/api/" + path.lstrip("/")
        if params:
            url += "?" + urllib.parse.urlencode(params)
        all_headers = {"Accept": "application/json"}
        if self._token:
            all_headers["Authorization"] = f"token {self._token}"
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        elif data is None and method in ("POST", "PUT", "PATCH"):
            data = b""
        all_headers.update(headers or {})
        request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                payload = json.loads(raw)
                message, field_name = payload.get("message") or exc.reason, payload.get("field")
            except (ValueError, AttributeError):  # not Beekeeper's JSON: a proxy's or Jupyter's page
                text = raw.decode("utf-8", "replace").strip()
                plain = "html" not in (exc.headers.get("Content-Type") or "")
                message, field_name = (text[:500] if plain and text else str(exc.reason)), None
            raise BeekeeperAPIError(exc.code, message, field_name) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BeekeeperAPIError(0, f"cannot reach {self.url}: {reason}") from None

    def _request(self, method: str, path: str, body: Any = None, params: dict | None = None,
                 data: Any = None, headers: dict | None = None) -> tuple[int, Any, bytes]:
        with self._open(method, path, body, params, data, headers) as response:
            return response.status, response.headers, response.read()

    def _json(self, method: str, path: str, body: Any = None, params: dict | None = None) -> Any:
        _, _, raw = self._request(method, path, body, params)
        return json.loads(raw) if raw else None

    def _runs(self, path: str, params: dict) -> list[Run]:
        payload = self._json("GET", path, params={k: v for k, v in params.items() if v is not None})
        items = payload.get("runs", []) if isinstance(payload, dict) else payload
        return [Run.from_json(self, r) for r in items]

    # -- API ----------------------------------------------------------------------------------
    def info(self) -> dict:
        return self._json("GET", "info")

    def projects(self) -> list[Project]:
        return [Project.from_json(self, p) for p in self._json("GET", "projects")["projects"]]

    def project(self, name: str) -> Project:
        return Project.from_json(self, self._json("GET", f"projects/{urllib.parse.quote(name, safe='')}"))

    def create_project(self, name: str, git_url: str, *, branch: str | None = None,
                       python_version: str | None = None, train_file: str | None = None,
                       tensorboard_log_dir: str | None = None, requirements_file: str | None = None,
                       env: dict[str, str] | None = None, credentials: dict | None = None, **fields) -> Project:
        """Create a project; setup runs in the background (call `wait_ready()`)."""
        body = {"name": name, "git_url": git_url, "branch": branch, "python_version": python_version,
                "train_file": train_file, "tensorboard_log_dir": tensorboard_log_dir,
                "requirements_file": requirements_file, "env": env, "credentials": credentials, **fields}
        return Project.from_json(self, self._json("POST", "projects",
                                                  {k: v for k, v in body.items() if v is not None}))

    def examples(self) -> list[dict]:
        return self._json("GET", "examples")["examples"]

    def create_example(self, example: str = "digits", name: str | None = None, **fields) -> Project:
        """A project from an example bundled with Beekeeper (no git server needed)."""
        body = {"name": name, **fields} if name else dict(fields)
        return Project.from_json(self, self._json("POST", f"examples/{urllib.parse.quote(example, safe='')}", body))

    def run(self, run_id: str) -> Run:
        return Run.from_json(self, self._json("GET", f"runs/{urllib.parse.quote(run_id, safe='')}"))

    def runs(self, state: str | None = None, project: str | None = None, **params) -> list[Run]:
        return self._runs("runs", {"state": state, "project": project, **params})

    def metrics(self) -> dict:
        return self._json("GET", "metrics")

    def sweep(self, sweep_id: str) -> Sweep:
        return Sweep.from_json(self, self._json("GET", f"sweeps/{urllib.parse.quote(sweep_id, safe='')}"))

    def sweeps(self, project: str | None = None, state: str | None = None) -> list[Sweep]:
        params = {k: v for k, v in {"project": project, "state": state}.items() if v is not None}
        return [Sweep.from_json(self, s) for s in self._json("GET", "sweeps", params=params)["sweeps"]]

    def pythons(self) -> list[dict]:
        return self._json("GET", "pythons")["pythons"]

    def executors(self) -> dict:
        return self._json("GET", "executors")

    # -- schedules ------------------------------------------------------------------------------
    def schedules(self, project: str | None = None) -> list[dict]:
        params = {"project": project} if project else None
        return self._json("GET", "schedules", params=params)["schedules"]

    def schedule(self, schedule_id: str) -> dict:
        return self._json("GET", f"schedules/{urllib.parse.quote(schedule_id, safe='')}")

    def create_schedule(self, project: str, cron: str, *, timezone: str = "UTC", run: dict | None = None,
                        enabled: bool = True) -> dict:
        """Run `project` on `cron` ("0 2 * * *") in `timezone`; `run` is a run body (args, env, gpus, ...)."""
        body = {"cron": cron, "timezone": timezone, "run": run or {}, "enabled": enabled}
        return self._json("POST", f"projects/{urllib.parse.quote(project, safe='')}/schedules", body)

    def update_schedule(self, schedule_id: str, **fields) -> dict:
        return self._json("PATCH", f"schedules/{urllib.parse.quote(schedule_id, safe='')}", fields)

    def delete_schedule(self, schedule_id: str) -> None:
        self._request("DELETE", f"schedules/{urllib.parse.quote(schedule_id, safe='')}")
