"""Ray executor: runs go to a Ray cluster through Ray's Jobs REST API (`/api/jobs/`).

Why the REST API and not `ray.job_submission.JobSubmissionClient`: the REST API is Ray's
documented, versioned HTTP surface, so the server needs no `import ray` at all (the default
install stays light; `beekeeper-ext[ray]` only adds Ray for running a head or worker next to
Jupyter), it works against any Ray head version, and tornado's AsyncHTTPClient keeps every call
on the event loop without threads. The SDK is synchronous and would need `asyncio.to_thread`.

A run becomes one Ray job whose submission id is the Beekeeper run id, so after a restart the
run is found again by polling that id. Its GPUs become `entrypoint_num_gpus` (Ray places the job
on a node with free GPUs and sets CUDA_VISIBLE_DEVICES itself); `resources.cpus` and
`resources.memory_mb` become `entrypoint_num_cpus` and `entrypoint_memory`.

Two modes (traitlet `shared_filesystem`):
- shared-filesystem (default, recommended): BEEKEEPER_HOME is mounted at the same path on every
  node, so the job runs the project's own venv in its own `src/` — TensorBoard, files and
  checkpoints work unchanged.
- working-dir: `src/` (without `.git`, the TensorBoard folder and files over a size limit) is
  uploaded as the job's `runtime_env.working_dir`, and the entrypoint builds the venv on the node
  with uv (cached per node by requirements hash). What the run writes stays on that node, so
  Beekeeper's TensorBoard and file browser do not see it; only the log comes back.

Ray's job log is mirrored into the run's own `output.log` by following Ray's log-tail WebSocket,
so streaming, offsets, history and downloads are the local code path. The byte offset into
Ray's log is never stored separately: it is the size of output.log minus the bytes Beekeeper
had written before the job was submitted (recorded once in the run folder's `ray.json`).

If Ray cannot be reached while a run is active, the run stays `running` (with a message) and is
declared `lost` only after `unreachable_grace` seconds; a job Ray no longer knows is `lost` at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import shlex
import time
import zipfile
from io import BytesIO
from pathlib import Path
from urllib.parse import quote, urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect
from traitlets import Bool, Dict, Float, Int, Unicode

from ..errors import BeekeeperError
from . import Executor, Handle, LaunchSpec, Status

log = logging.getLogger("beekeeper.executors.ray")

STATE_FILE = "ray.json"
DRIVER_FILE = "ray-driver.json"  # {"host", "pid"} of the job's entrypoint, written on its node
BOOTSTRAP_NAME = "_beekeeper_bootstrap.py"
TERMINAL = {"SUCCEEDED": "succeeded", "FAILED": "failed", "STOPPED": "stopped"}
HELD_BACK_STOPPED = "stopped while Ray held it back for resources (Ray ends the job when it is placed)"


def shared_entrypoint(cwd: Path, run_dir: Path, argv: list[str]) -> str:
    """A shared-filesystem job's shell command: leave the node's host name and the entrypoint's
    pid in the run folder (`exec` keeps the pid), then run. Event files are named after both, so
    two Ray runs writing into one folder are told apart (run_metrics.py)."""
    record = "printf '{\"host\": \"%s\", \"pid\": %s}\\n' \"$(uname -n)\" \"$$\" > "
    return (shlex.join(["cd", str(cwd)]) + " && " + record + shlex.quote(str(Path(run_dir) / DRIVER_FILE))
            + " && exec " + shlex.join(argv))


def read_driver(run_dir: Path) -> tuple[str, int] | None:
    """(host, pid) of a shared-filesystem Ray run's entrypoint process, once it has started."""
    try:
        record = json.loads((Path(run_dir) / DRIVER_FILE).read_text())
        return str(record["host"]), int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class RayUnreachable(Exception):
    """The head did not answer (refused, timed out, DNS)."""


def _ray_error(body: bytes) -> str:
    """Ray answers errors with a Python traceback: its last meaningful line is the message."""
    lines = [ln.strip() for ln in body.decode(errors="replace").splitlines() if ln.strip(" .")]
    return (lines[-1] if lines else "no details")[-1000:]


def _python_version(venv: Path) -> str:
    """X.Y of the project's venv, so a working-dir venv is built with the same Python."""
    try:
        for line in (venv / "pyvenv.cfg").read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("version_info", "version"):
                return ".".join(value.strip().split(".")[:2])
    except OSError:
        pass
    return ""


class RayExecutor(Executor):
    name = "ray"
    assigns_gpus = False  # Ray places the job and sets CUDA_VISIBLE_DEVICES; Beekeeper's pool is not used

    shared_filesystem = Bool(
        True, help="BEEKEEPER_HOME is mounted at the same path on every Ray node (recommended). "
        "False: ship src/ as the job's working_dir and build the venv on the node.",
    ).tag(config=True)
    headers = Dict(
        {}, help="Extra HTTP headers for every call to Ray, e.g. an Authorization header when the "
        "dashboard sits behind an authenticating proxy. Never logged.",
    ).tag(config=True)
    request_timeout = Float(15.0, help="Seconds before any single call to Ray's API gives up.").tag(config=True)
    unreachable_grace = Float(
        120.0, help="Seconds Ray may be unreachable before its active runs are declared lost.",
    ).tag(config=True)
    status_interval = Float(0.5, help="Least seconds between two status requests for one run.").tag(config=True)
    drain_timeout = Float(15.0, help="Seconds to wait for the last log lines once a job has ended.").tag(
        config=True)
    node_python = Unicode("python", help="Interpreter on Ray nodes that runs the working-dir bootstrap.").tag(
        config=True)
    node_venv_cache = Unicode("~/.cache/beekeeper/ray-venvs", help="Where nodes cache working-dir venvs.").tag(
        config=True)
    working_dir_max_file_mb = Int(10, help="Files larger than this stay out of a working_dir package.").tag(
        config=True)
    working_dir_max_mb = Int(100, help="Largest working_dir package Beekeeper uploads.").tag(config=True)

    def __init__(self, home, address: str = "", **kwargs):
        super().__init__(home, **kwargs)
        self.address = address.rstrip("/")
        if self.address and "://" not in self.address:
            self.address = "http://" + self.address
        self._http: AsyncHTTPClient | None = None  # made on first use, inside the running loop
        self._mirrors: dict[str, asyncio.Task] = {}
        self._log_start: dict[str, int] = {}
        self._last: dict[str, tuple[float, Status]] = {}
        self._unreachable_since: dict[str, float] = {}
        self._refreshing: dict[str, asyncio.Task] = {}
        self._ended: dict[str, float] = {}  # when Ray first reported the job ended, while its log drains
        # Runs stopped while Ray held them back: Ray keeps such a job PENDING until it is placed,
        # then ends it at once, so Beekeeper reports them stopped without waiting for that.
        self._stopped_pending: set[str] = set()
        self._cluster_gpus_total: float | None = None  # last known; decides a run's default GPU count
        self._learning: asyncio.Task | None = None

    @property
    def mode(self) -> str:
        return "shared-filesystem" if self.shared_filesystem else "working-dir"

    # -- HTTP ---------------------------------------------------------------------------------
    async def _call(self, method: str, path: str, body: bytes | dict | None = None,
                    timeout: float | None = None) -> tuple[int, bytes]:
        """One request to the head; (status, body) for any HTTP answer, RayUnreachable otherwise."""
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        headers = {**self.headers, **({"Content-Type": "application/json"} if body is not None else {})}
        request = HTTPRequest(self.address + path, method=method, body=body, headers=headers,
                              connect_timeout=min(timeout or self.request_timeout, 10),
                              request_timeout=timeout or self.request_timeout,
                              allow_nonstandard_methods=True)
        if self._http is None:
            self._http = AsyncHTTPClient(force_instance=True, max_body_size=1024**3)
        try:
            response = await self._http.fetch(request, raise_error=False)
        except (HTTPClientError, OSError) as exc:  # 599: refused, timed out, reset
            raise RayUnreachable(f"Ray at {self.address} is unreachable: {exc}") from None
        if response.code == 599:
            raise RayUnreachable(f"Ray at {self.address} is unreachable: {response.error}")
        return response.code, response.body or b""

    async def _job(self, submission_id: str) -> dict | None:
        code, body = await self._call("GET", f"/api/jobs/{quote(submission_id)}")
        if code == 404:
            return None
        if code != 200:
            raise RayUnreachable(f"Ray at {self.address} answered {code}: {_ray_error(body)}")
        return json.loads(body)

    # -- submit -------------------------------------------------------------------------------
    async def submit(self, spec: LaunchSpec) -> Handle:
        if not self.address:
            raise BeekeeperError(503, "the ray executor has no address (c.BeekeeperApp.ray_address)")
        log_start = spec.log_path.stat().st_size if spec.log_path.exists() else 0
        state = {"submission_id": spec.run_id, "address": self.address, "mode": self.mode, "log_start": log_start}
        await asyncio.to_thread((spec.run_dir / STATE_FILE).write_text, json.dumps(state))
        self._log_start[spec.run_id] = log_start
        env = {**spec.env, "PYTHONUNBUFFERED": "1"}
        if self.shared_filesystem:
            entrypoint = shared_entrypoint(spec.cwd, spec.run_dir, spec.argv)
            runtime_env: dict = {"env_vars": env}
        else:
            uri = await self._upload_working_dir(spec)
            command = spec.argv[1:]
            if command[:1] == ["-u"]:
                command = command[1:]
            entrypoint = shlex.join([self.node_python, BOOTSTRAP_NAME, self.node_venv_cache,
                                     _python_version(spec.venv), spec.requirements_file or "", "--", *command])
            runtime_env = {"env_vars": env, "working_dir": uri}
        job = {"entrypoint": entrypoint, "submission_id": spec.run_id, "runtime_env": runtime_env,
               "metadata": {"beekeeper_project": spec.project, "beekeeper_run": spec.run_id}}
        if spec.gpu_count:
            job["entrypoint_num_gpus"] = spec.gpu_count
        if spec.resources.get("cpus"):
            job["entrypoint_num_cpus"] = spec.resources["cpus"]
        if spec.resources.get("memory_mb"):
            job["entrypoint_memory"] = int(spec.resources["memory_mb"]) * 1024 * 1024
        try:
            code, body = await self._call("POST", "/api/jobs/", job)
        except RayUnreachable as exc:
            # The head may have taken the job before the answer was lost: look before failing.
            try:
                accepted = await self._job(spec.run_id) is not None
            except RayUnreachable:
                accepted = False
            if not accepted:
                raise BeekeeperError(503, str(exc)) from None
        else:
            if code != 200:
                raise BeekeeperError(502, f"Ray at {self.address} refused the job: {_ray_error(body)}")
        self._ensure_mirror(spec.run_id, spec.run_id, spec.log_path)
        return Handle(external_id=spec.run_id, host=urlsplit(self.address).netloc, mode=self.mode)

    async def _upload_working_dir(self, spec: LaunchSpec) -> str:
        """Package src/ like Ray's own client would and upload it once (content-addressed)."""
        data = await asyncio.to_thread(self._package, spec.cwd, spec.tensorboard_log_dir)
        if len(data) > self.working_dir_max_mb * 1024**2:
            raise BeekeeperError(413, f"src/ packs to {len(data) // 1024**2} MB, over working_dir_max_mb "
                                      f"({self.working_dir_max_mb}); use a shared filesystem")
        name = f"_ray_pkg_{hashlib.sha1(data).hexdigest()}.zip"
        try:
            code, body = await self._call("GET", f"/api/packages/gcs/{name}")
            if code == 404:
                code, body = await self._call("PUT", f"/api/packages/gcs/{name}", data, timeout=300)
            if code != 200:
                raise BeekeeperError(502, f"Ray at {self.address} refused the working_dir: {_ray_error(body)}")
        except RayUnreachable as exc:
            raise BeekeeperError(503, str(exc)) from None
        return f"gcs://{name}"

    def _package(self, src: Path, tensorboard_dir: str | None) -> bytes:
        """A deterministic zip (sorted, fixed timestamps) so unchanged code is uploaded once."""
        skip_dirs = {".git", "__pycache__", ".venv"}
        tb = (src / tensorboard_dir).resolve() if tensorboard_dir else None
        limit = self.working_dir_max_file_mb * 1024**2
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for root, dirs, files in os.walk(src):
                dirs[:] = sorted(d for d in dirs if d not in skip_dirs and (tb is None or
                                 (Path(root) / d).resolve() != tb))
                for name in sorted(files):
                    path = Path(root) / name
                    if path.is_symlink() or not path.is_file() or path.stat().st_size > limit:
                        continue
                    info = zipfile.ZipInfo(str(path.relative_to(src)), date_time=(1980, 1, 1, 0, 0, 0))
                    info.external_attr = (path.stat().st_mode & 0o777) << 16
                    zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
            info = zipfile.ZipInfo(BOOTSTRAP_NAME, date_time=(1980, 1, 1, 0, 0, 0))
            zf.writestr(info, (Path(__file__).parent / "ray_bootstrap.py").read_bytes(), zipfile.ZIP_DEFLATED)
        return buffer.getvalue()

    # -- logs ---------------------------------------------------------------------------------
    def _start_offset(self, run_id: str, log_path: Path) -> int:
        if run_id not in self._log_start:
            try:
                self._log_start[run_id] = json.loads((log_path.parent / STATE_FILE).read_text())["log_start"]
            except (OSError, ValueError, KeyError):
                self._log_start[run_id] = 0
        return self._log_start[run_id]

    def _mirrored(self, run_id: str, log_path: Path) -> int:
        try:
            size = log_path.stat().st_size
        except OSError:
            size = 0
        return max(0, size - self._start_offset(run_id, log_path))

    def _append(self, log_path: Path, data: bytes, skip: int) -> int:
        """Write what lies beyond `skip` bytes of this chunk; return how much of `skip` is left."""
        if skip >= len(data):
            return skip - len(data)
        with open(log_path, "ab") as f:
            f.write(data[skip:])
        return 0

    def _ensure_mirror(self, run_id: str, submission_id: str, log_path: Path) -> None:
        task = self._mirrors.get(run_id)
        if task is None or task.done():
            self._mirrors[run_id] = asyncio.get_running_loop().create_task(
                self._mirror(run_id, submission_id, log_path))

    async def _mirror(self, run_id: str, submission_id: str, log_path: Path) -> bool:
        """Follow Ray's log-tail WebSocket into output.log until Ray closes it after the job ended.

        Ray replays the log from its start on every connection, so the bytes already in
        output.log are skipped: a reconnect (or a Jupyter restart) neither loses nor repeats.
        Returns True once everything Ray has was written.
        """
        ws_url = "ws" + self.address[4:] + f"/api/jobs/{quote(submission_id)}/logs/tail"
        while True:
            try:
                conn = await websocket_connect(HTTPRequest(ws_url, headers=dict(self.headers), connect_timeout=10,
                                                           request_timeout=None),
                                               ping_interval=20, ping_timeout=20)
            except Exception:
                conn = None
            if conn is not None:
                skip = self._mirrored(run_id, log_path)
                try:
                    while True:
                        message = await conn.read_message()
                        if message is None:
                            break
                        data = message.encode("utf-8", "replace") if isinstance(message, str) else message
                        skip = await asyncio.to_thread(self._append, log_path, data, skip) \
                            if len(data) > 65536 else self._append(log_path, data, skip)
                finally:
                    conn.close()
            try:
                job = await self._job(submission_id)
            except RayUnreachable:
                job = {}
            if job is None or job.get("status") in TERMINAL:
                return conn is not None and job is not None
            await asyncio.sleep(1.0)

    async def _drain(self, run: dict, submission_id: str) -> None:
        """The job ended: let the mirror write its last lines, else fetch the whole log once."""
        log_path = self.log_path(run)
        task = self._mirrors.pop(run["id"], None)
        self._ended.pop(run["id"], None)
        complete = False
        if task is not None:
            if task.done() and not task.cancelled() and task.exception() is None:
                complete = task.result()
            else:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if complete:
            return
        try:
            code, body = await self._call("GET", f"/api/jobs/{quote(submission_id)}/logs", timeout=120)
        except RayUnreachable:
            return
        if code == 200:
            data = json.loads(body).get("logs", "").encode("utf-8", "replace")
            await asyncio.to_thread(self._append, log_path, data, self._mirrored(run["id"], log_path))

    # -- poll / stop --------------------------------------------------------------------------
    async def poll(self, run: dict) -> Status:
        """Ray's last known answer for this run, refreshed in the background.

        The run service polls every run in one loop, so a slow or black-holed head must not
        hold it up: requests to Ray run as their own task, at most one per run at a time.
        Only the first poll of a run (e.g. right after a restart) waits, and at most 3 s.
        """
        run_id = run["id"]
        loop = asyncio.get_running_loop()
        cached = self._last.get(run_id)
        task = self._refreshing.get(run_id)
        if task is None and (cached is None or loop.time() - cached[0] >= self.status_interval):
            task = loop.create_task(self._refresh(run))
            self._refreshing[run_id] = task
            task.add_done_callback(lambda _t: self._refreshing.pop(run_id, None))
        if cached is None:
            try:
                await asyncio.wait_for(asyncio.shield(task), 3)
            except asyncio.TimeoutError:
                return Status("running", message=f"waiting for Ray at {self.address} to answer")
            cached = self._last.get(run_id) or (0.0, Status("running"))
        status = cached[1]
        if status.state in TERMINAL.values() or status.state == "lost":
            for table in (self._last, self._unreachable_since, self._log_start):
                table.pop(run_id, None)
            self._stopped_pending.discard(run_id)
        return status

    async def _refresh(self, run: dict) -> None:
        status = await self._status(run, run.get("external_id") or run["id"])
        self._last[run["id"]] = (asyncio.get_running_loop().time(), status)

    async def _status(self, run: dict, submission_id: str) -> Status:
        run_id = run["id"]
        if run_id in self._stopped_pending:
            return Status("stopped", message=HELD_BACK_STOPPED)
        try:
            job = await self._job(submission_id)
        except RayUnreachable as exc:
            since = self._unreachable_since.setdefault(run_id, time.monotonic())
            waited = time.monotonic() - since
            if waited >= self.unreachable_grace:
                await self._stop_mirror(run_id)
                return Status("lost", message=f"{exc} (for {waited:.0f} s)")
            return Status("running", message=f"{exc}; the run is declared lost after "
                                             f"{self.unreachable_grace:.0f} s")
        self._unreachable_since.pop(run_id, None)
        if job is None:
            await self._stop_mirror(run_id)
            return Status("lost", message=f"Ray at {self.address} no longer knows job {submission_id} "
                                          "(the cluster was restarted or the job record expired)")
        ray_state = job.get("status")
        if ray_state in TERMINAL:
            task = self._mirrors.get(run_id)
            if task is not None and not task.done():
                ended = self._ended.setdefault(run_id, time.monotonic())
                if time.monotonic() - ended < self.drain_timeout:  # Ray sends the last lines within ~3 s
                    return Status("running", message="the job ended; collecting its last log lines")
            await self._drain(run, submission_id)
            code = job.get("driver_exit_code")
            if ray_state == "SUCCEEDED":
                return Status("succeeded", exit_code=0 if code is None else code)
            if ray_state == "STOPPED":
                return Status("stopped", exit_code=code, message="stopped through Ray")
            return Status("failed", exit_code=code, message=f"Ray: {job.get('message') or 'the job failed'}"[-2000:])
        self._ensure_mirror(run_id, submission_id, self.log_path(run))
        if ray_state == "PENDING":
            return Status("pending", message=job.get("message"))
        return Status("running")

    async def _stop_mirror(self, run_id: str) -> None:
        task = self._mirrors.pop(run_id, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def stop(self, run: dict, grace: float) -> None:
        """Ray's stop_job (SIGTERM to the job's process group, SIGKILL after Ray's own wait); then
        wait until Ray reports the job ended, so the run is reported `stopped` right after."""
        submission_id = run.get("external_id") or run["id"]
        try:
            code, body = await self._call("POST", f"/api/jobs/{quote(submission_id)}/stop")
        except RayUnreachable as exc:
            raise BeekeeperError(503, str(exc)) from None
        if code == 404:
            return
        if code != 200:
            raise BeekeeperError(502, f"Ray at {self.address} would not stop the job: {_ray_error(body)}")
        self._last.pop(run["id"], None)
        deadline = time.monotonic() + grace + 30
        while time.monotonic() < deadline:
            try:
                job = await self._job(submission_id)
            except RayUnreachable:
                job = {}
            if job is None or job.get("status") in TERMINAL:
                return
            if job.get("status") == "PENDING":
                # Ray accepted the stop but ends a held-back job only once it is placed (it then
                # runs for a moment and stops): this run is over now, and its log stays as it is.
                self._stopped_pending.add(run["id"])
                self._last.pop(run["id"], None)
                await self._stop_mirror(run["id"])
                return
            await asyncio.sleep(0.5)

    # -- lifecycle ----------------------------------------------------------------------------
    async def check(self) -> dict:
        """Reachable, Ray's version, and the cluster's GPUs (used/total) when the head reports them."""
        info = {"name": self.name, "address": self.address, "mode": self.mode, "reachable": False,
                "detail": None, "ray_version": None, "gpus": None}
        try:
            code, body = await self._call("GET", "/api/version", timeout=2.5)
            if code != 200:
                info["detail"] = f"Ray at {self.address} answered {code}"
                return info
            info["ray_version"] = json.loads(body).get("ray_version")
            info["reachable"] = True
        except RayUnreachable as exc:
            info["detail"] = str(exc)
            return info
        try:  # GPUs are a nicety: an older or busy head leaves them unknown, never unreachable
            info["gpus"] = await asyncio.wait_for(self._cluster_gpus(), 2.5)
        except (RayUnreachable, asyncio.TimeoutError, ValueError, KeyError, TypeError):
            pass
        if info["gpus"]:
            self._cluster_gpus_total = info["gpus"]["total"]
        return info

    async def start(self) -> None:
        """Learn the cluster's GPUs in the background, so runs get the right default GPU count."""
        async def learn():
            try:
                await self.check()
            except Exception as exc:  # unreachable now: the next GET /executors tries again
                log.debug("Ray GPU check at start failed: %s", exc)

        self._learning = asyncio.get_running_loop().create_task(learn())

    def default_gpus(self, pool: list[int]) -> int:
        """Like a local host: one GPU when the cluster has any (as last seen), else none."""
        return 1 if self._cluster_gpus_total else 0

    async def _cluster_gpus(self) -> dict | None:
        code, body = await self._call("GET", "/api/v0/nodes?detail=1", timeout=2)
        if code != 200:
            return None
        nodes = json.loads(body)["data"]["result"]["result"]
        gpus = {"total": sum(n.get("resources_total", {}).get("GPU", 0) for n in nodes if n.get("state") == "ALIVE"),
                "used": None}
        code, body = await self._call("GET", "/api/cluster_status", timeout=2)
        usage = json.loads(body)["data"]["clusterStatus"]["loadMetricsReport"]["usage"] if code == 200 else {}
        if "GPU" in usage:  # the autoscaler's view; empty for a few seconds after the head starts
            gpus["used"] = usage["GPU"][0]
        return gpus

    async def close(self) -> None:
        """Jupyter stops; the Ray jobs go on and are found again by their submission ids."""
        if self._learning is not None:
            self._learning.cancel()
            await asyncio.gather(self._learning, return_exceptions=True)
        for task in list(self._refreshing.values()):
            task.cancel()
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)
        for run_id in list(self._mirrors):
            await self._stop_mirror(run_id)
        if self._http is not None:
            self._http.close()
            self._http = None
