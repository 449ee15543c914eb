"""Local executor: each run is its own session (process group) on this host, behind a launcher.

The launcher (executors/launcher.py, run by Beekeeper's own interpreter) keeps the run alive
when Jupyter stops and writes `exit.json` when the command ends. A run is recognised again
after a restart only if both its pid and that process's start time match what was recorded,
so a recycled pid is never mistaken for a run.

Each running launcher is watched through a pidfd on the event loop: its exit wakes the run
service's supervisor at once (notify_ends), so a run's end is not left to the next poll. Where
pidfd_open is missing or refused, the poll alone notices it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psutil

from ..childenv import inherited_env, run_env
from . import Executor, Handle, LaunchSpec, Status

LAUNCHER = str(Path(__file__).with_name("launcher.py"))


def _send(proc: subprocess.Popen, payload: bytes) -> None:
    """Hand the launch spec over; a launcher that died first is reported by poll()."""
    try:
        proc.stdin.write(payload)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def _read_exit(run_dir: Path) -> dict | None:
    try:
        return json.loads((run_dir / "exit.json").read_text())
    except (OSError, ValueError):
        return None


def _status_from_exit(info: dict) -> Status:
    code, sig = info.get("exit_code"), info.get("signal")
    if sig:
        return Status("failed", exit_code=-sig, message=f"killed by signal {signal.Signals(sig).name}"
                      if sig in signal.Signals._value2member_map_ else f"killed by signal {sig}")
    if code == 0:
        return Status("succeeded", exit_code=0)
    return Status("failed", exit_code=code, message=info.get("error") or f"exited with code {code}")


class LocalExecutor(Executor):
    name = "local"
    assigns_gpus = True

    def __init__(self, home, **kwargs):
        super().__init__(home, **kwargs)
        self._children: dict[int, subprocess.Popen] = {}  # launchers we started: reaped by poll()
        self._pidfds: dict[int, int] = {}  # launcher pid -> pidfd read by the loop until it exits

    def _watch(self, pid: int) -> None:
        """Wake the supervisor the moment `pid` exits (once); silently nothing without pidfds."""
        if pid in self._pidfds or self.on_end is None:
            return
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):  # old kernel or Python, EPERM, already gone: the poll sees it
            return
        self._pidfds[pid] = fd
        asyncio.get_running_loop().add_reader(fd, self._exited, pid)

    def _unwatch(self, pid: int) -> None:
        fd = self._pidfds.pop(pid, None)
        if fd is not None:
            asyncio.get_running_loop().remove_reader(fd)
            os.close(fd)

    def _exited(self, pid: int) -> None:
        self._unwatch(pid)  # a pidfd stays readable: one wake per exit
        if self.on_end is not None:
            self.on_end()

    def _run_dir(self, run: dict) -> Path:
        return self.log_path(run).parent

    async def submit(self, spec: LaunchSpec) -> Handle:
        spec.run_dir.mkdir(parents=True, exist_ok=True)
        # CUDA numbers devices fastest-first unless told otherwise; the pool uses NVML's (PCI bus)
        # numbering, so the two agree only with CUDA_DEVICE_ORDER=PCI_BUS_ID.
        env = {**run_env(spec.venv), "CUDA_DEVICE_ORDER": "PCI_BUS_ID", **spec.env, "PYTHONUNBUFFERED": "1",
               "CUDA_VISIBLE_DEVICES": ",".join(str(g) for g in spec.gpus),
               "BEEKEEPER_RUN_DIR": str(spec.run_dir)}
        # The run's command and env go to the launcher on stdin, never into its own environment:
        # `-I` and Beekeeper's environment keep the run's PYTHONHOME (or a json.py in src/) away
        # from it. Its own errors (stderr) land in the run's log.
        argv = [sys.executable, "-I", LAUNCHER, str(spec.run_dir), str(spec.log_path)]
        payload = json.dumps({"argv": spec.argv, "env": env}).encode()
        with open(spec.log_path, "ab") as log:
            proc = subprocess.Popen(argv, cwd=spec.cwd, env=inherited_env(), stdin=subprocess.PIPE,
                                    stdout=log, stderr=log, start_new_session=True, close_fds=True)
        self._children[proc.pid] = proc
        self._watch(proc.pid)
        try:
            started = psutil.Process(proc.pid).create_time()
        except psutil.NoSuchProcess:  # ended already; poll() reads exit.json
            started = None
        await asyncio.to_thread(_send, proc, payload)
        return Handle(pid=proc.pid, pid_start_time=started, host=socket.gethostname(), mode="local")

    def _process(self, run: dict) -> psutil.Process | None:
        """The run's launcher, if the recorded pid is still that very process and not a zombie."""
        pid, started = run.get("pid"), run.get("pid_start_time")
        if not pid:
            return None
        try:
            proc = psutil.Process(pid)
            if started is None or abs(proc.create_time() - started) > 0.05:
                return None
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            return proc
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None

    async def poll(self, run: dict) -> Status:
        pid = run.get("pid")
        child = self._children.get(pid)
        if child is not None:
            if child.poll() is None:
                return Status("running")
            self._children.pop(child.pid, None)
        elif self._process(run) is not None:
            self._watch(pid)  # re-adopted after a restart; opened after the create-time check
            return Status("running")
        if pid:
            self._unwatch(pid)
        info = await asyncio.to_thread(_read_exit, self._run_dir(run))
        if info is not None:
            return _status_from_exit(info)
        if child is not None and child.returncode is not None:
            code = child.returncode
            return Status("failed", exit_code=code,
                          message=f"the launcher ended ({code}) without an exit record; see the run's log")
        return Status("lost", message="the process is gone and left no exit record")

    async def stop(self, run: dict, grace: float) -> None:
        """TERM the group (and descendants that left it), then KILL whatever is left after `grace`."""
        proc = self._process(run)
        if proc is None:
            return
        found = self._tree(proc)
        self._signal(run["pid"], found, signal.SIGTERM)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while loop.time() < deadline:
            if not any(self._alive(p) for p in [proc, *found]):
                break
            await asyncio.sleep(0.1)
        if self._alive(proc):
            found.extend(p for p in self._tree(proc) if p not in found)
        self._signal(run["pid"], found, signal.SIGKILL)
        child = self._children.get(run["pid"])
        if child is not None:
            for _ in range(50):
                if child.poll() is not None:
                    break
                await asyncio.sleep(0.1)

    @staticmethod
    def _tree(proc: psutil.Process) -> list[psutil.Process]:
        try:
            return proc.children(recursive=True)
        except psutil.Error:
            return []

    @staticmethod
    def _alive(proc: psutil.Process) -> bool:
        try:
            return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    @staticmethod
    def _signal(pgid: int, procs: list[psutil.Process], sig: int) -> None:
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        for p in procs:
            try:
                p.send_signal(sig)  # psutil checks the process is still the one it found
            except psutil.Error:
                pass

    async def close(self) -> None:
        """Runs go on without Jupyter; just forget the handles and stop watching."""
        for pid in list(self._pidfds):
            self._unwatch(pid)
        self._children.clear()
