"""The small process that stands between Beekeeper and a local run.

Started by the local executor in its own session, it outlives the Jupyter server: it runs
the real command with stdout and stderr appended to the run's log, ignores the hang-up and
terminate signals meant for the group (the child still gets them), reaps orphans as a child
subreaper, and records how the command ended in `exit.json` — so a run that ends while
Jupyter is down is later reported with its real exit code instead of as lost.

Usage: python -m beekeeper_ext.executors.launcher RUN_DIR LOG_FILE -- ARGV...
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
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


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    run_dir, log_file, command = argv[0], argv[1], argv[3:]
    # A handler (not SIG_IGN) so the child, after exec, gets the default action back.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    _become_subreaper()
    log = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    result: dict = {"exit_code": None, "signal": None}
    try:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=True)
    except OSError as exc:
        os.write(log, f"[beekeeper] could not start {command[0]}: {exc}\n".encode())
        result.update(exit_code=127, error=str(exc))
    else:
        with open(os.path.join(run_dir, "launcher.json"), "w") as f:
            json.dump({"launcher_pid": os.getpid(), "child_pid": child.pid}, f)
        while True:  # reap every child (orphans too); stop when the command itself has ended
            try:
                pid, status = os.wait()
            except InterruptedError:
                continue
            except ChildProcessError:
                break
            if pid == child.pid:
                code = os.waitstatus_to_exitcode(status)
                result.update(exit_code=code if code >= 0 else None, signal=-code if code < 0 else None)
                break
    result["ended"] = _now()
    tmp = os.path.join(run_dir, "exit.json.tmp")
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, os.path.join(run_dir, "exit.json"))
    os.close(log)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
