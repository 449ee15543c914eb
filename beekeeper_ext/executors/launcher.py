"""The small process that stands between Beekeeper and a local run.

Started by the local executor in its own session, it outlives the Jupyter server: it runs
the real command with stdout and stderr appended to the run's log, ignores the hang-up and
terminate signals meant for the group (the child still gets them), reaps orphans as a child
subreaper, and records how the command ended in `exit.json` — so a run that ends while
Jupyter is down is later reported with its real exit code instead of as lost.

It runs isolated from the run it starts: `python -I` (no PYTHON* variables, no user site,
neither the checkout nor the current folder on sys.path) with Beekeeper's own environment;
the run's command and environment arrive as JSON on stdin and apply to the command only, so
a run's `PYTHONHOME` or a `json.py` in the checkout cannot break the launcher. Only the
standard library is imported, so it needs no import path. A command that cannot be started
(missing, not executable) is reported with its reason in the log and in `exit.json`.

Usage: python -I launcher.py RUN_DIR LOG_FILE < {"argv": [...], "env": {...}}
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import traceback
from datetime import datetime, timezone

PR_SET_CHILD_SUBREAPER = 36


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _become_subreaper() -> None:
    """Orphaned grandchildren re-parent to us, so they stay findable (and reaped) while we live."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except Exception:
        pass


def _write_exit(run_dir: str, result: dict) -> None:
    result["ended"] = _now()
    tmp = os.path.join(run_dir, "exit.json.tmp")
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, os.path.join(run_dir, "exit.json"))


def _read_spec() -> tuple[list[str], dict[str, str]]:
    spec = json.load(sys.stdin.buffer)
    argv, env = spec.get("argv"), spec.get("env") or {}
    if not argv or not all(isinstance(a, str) for a in argv):
        raise ValueError("the launch spec has no command")
    return argv, {str(k): str(v) for k, v in env.items()}


def _supervise(run_dir: str, log: int) -> dict:
    argv, env = _read_spec()
    try:
        child = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                 close_fds=True)
    except OSError as exc:
        reason = f"could not start {argv[0]}: {exc.strerror or exc}"
        os.write(log, f"[beekeeper] {reason}\n".encode())
        return {"exit_code": 127, "signal": None, "error": reason}
    with open(os.path.join(run_dir, "launcher.json"), "w") as f:
        json.dump({"launcher_pid": os.getpid(), "child_pid": child.pid}, f)
    while True:  # reap every child (orphans too); stop when the command itself has ended
        try:
            pid, status = os.wait()
        except InterruptedError:
            continue
        except ChildProcessError:
            return {"exit_code": None, "signal": None, "error": "the command's exit status was lost"}
        if pid == child.pid:
            code = os.waitstatus_to_exitcode(status)
            return {"exit_code": code if code >= 0 else None, "signal": -code if code < 0 else None}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    run_dir, log_file = argv
    # A handler (not SIG_IGN) so the child, after exec, gets the default action back.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    _become_subreaper()
    log = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        result = _supervise(run_dir, log)
    except Exception as exc:  # whatever went wrong, the run says why instead of "no exit record"
        reason = f"the launcher failed: {type(exc).__name__}: {exc}"
        os.write(log, f"[beekeeper] {reason}\n{traceback.format_exc()}".encode())
        result = {"exit_code": None, "signal": None, "error": reason}
    _write_exit(run_dir, result)
    os.close(log)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
