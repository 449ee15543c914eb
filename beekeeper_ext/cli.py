"""`beekeeper`: the command line over the Python client.

    beekeeper login --url http://host:8888/ --token TOKEN
    beekeeper create demo https://github.com/me/repo.git --wait
    beekeeper run demo --wait --follow -- --lr 0.01
    beekeeper schedule add demo --cron "0 2 * * *" --timezone Europe/Berlin -- --epochs 50
    beekeeper sweep demo --grid lr=0.1,0.01 --random dropout=0:0.5 --trials 8 --objective loss/test:min

Human tables by default, `--json` for scripts. Exit codes: 0 success; with `--wait`, 1 when the
run (or a project's setup) did not succeed; 2 when the server (or the connection) reported an error.
A private repository's token is read from $BEEKEEPER_GIT_TOKEN, never from the command line
(where shell history and `ps` would keep it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import deque
from pathlib import Path
from typing import Any

from .client import Beekeeper, BeekeeperAPIError, Project, Run, Sweep, parse_objective

EXIT_OK, EXIT_RUN_FAILED, EXIT_ERROR = 0, 1, 2
GIT_TOKEN_ENV = "BEEKEEPER_GIT_TOKEN"


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "beekeeper" / "config.json"


def load_config() -> dict:
    try:
        return json.loads(config_path().read_text())
    except (OSError, ValueError):
        return {}


def save_config(url: str, token: str) -> Path:
    """Write the config readable by its owner only (0600 from creation, never briefly wider)."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(path.name + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url, "token": token}, f)
    os.chmod(temp, 0o600)
    os.replace(temp, path)
    return path


def connect(args) -> Beekeeper:
    """Env BEEKEEPER_URL/BEEKEEPER_TOKEN override the saved login."""
    saved = load_config()
    url = os.environ.get("BEEKEEPER_URL") or saved.get("url")
    token = os.environ.get("BEEKEEPER_TOKEN") or saved.get("token")
    if not url:
        raise BeekeeperAPIError(0, "not logged in: run `beekeeper login --url URL --token TOKEN` "
                                   "or set BEEKEEPER_URL and BEEKEEPER_TOKEN")
    return Beekeeper(url, token or "", timeout=args.timeout)


def env_pairs(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BeekeeperAPIError(400, f"--env expects KEY=VALUE, got {pair!r}", "env")
        out[key] = value
    return out


# -- output -------------------------------------------------------------------------------------
def table(rows: list[dict], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def emit(args, payload: Any, rows: list[dict] | None = None, columns: list[str] | None = None) -> None:
    if args.json:
        print(json.dumps(payload, indent=2, default=str))
    elif rows is not None:
        print(table(rows, columns or []))
    elif isinstance(payload, dict):
        width = max((len(k) for k in payload), default=0)
        for key, value in payload.items():
            if isinstance(value, (dict, list)):
                value = json.dumps(value)
            print(f"{key.ljust(width)}  {'' if value is None else value}")
    else:
        print(payload)


def project_row(p: Project) -> dict:
    return {"name": p.name, "state": p.setup_state, "branch": p.branch,
            "commit": (p.commit or "")[:10], "git_url": p.git_url}


def run_row(r: Run) -> dict:
    return {"id": r.id, "project": r.project, "state": r.state, "exit_code": r.exit_code,
            "gpus": ",".join(map(str, r.gpus)), "created": r.created, "ended": r.ended}


PROJECT_COLUMNS = ["name", "state", "branch", "commit", "git_url"]
RUN_COLUMNS = ["id", "project", "state", "exit_code", "gpus", "created", "ended"]


def follow_logs(run: Run, tail: int | None = None) -> None:
    for line in run.logs(follow=True, tail=tail):
        print(line, flush=True)


def finish_run(args, run: Run) -> int:
    """With --wait/--follow, wait for the end and turn the run's outcome into the exit code."""
    if args.follow:
        follow_logs(run)
    if args.wait or args.follow:
        run.wait()
        if not args.json:
            print(f"run {run.id} {run.state} (exit code {run.exit_code})", file=sys.stderr)
    if args.json or not args.follow:  # after a followed log, the status line above says it all
        emit(args, run.data, None if args.json else [run_row(run)], RUN_COLUMNS)
    if args.wait or args.follow:
        return EXIT_OK if run.succeeded else EXIT_RUN_FAILED
    return EXIT_OK


# -- commands -----------------------------------------------------------------------------------
def cmd_login(args) -> int:
    bk = Beekeeper(args.url, args.token, timeout=args.timeout)
    info = bk.info()  # verifies URL and token before anything is saved
    bk.projects()
    path = save_config(args.url, args.token)
    emit(args, {"url": bk.url, "version": info.get("version"), "config": str(path)})
    return EXIT_OK


def cmd_projects(args) -> int:
    projects = connect(args).projects()
    emit(args, [p.data for p in projects], [project_row(p) for p in projects], PROJECT_COLUMNS)
    return EXIT_OK


def wait_setup(args, project: Project) -> int:
    """With --wait: block until setup ends; a failed setup prints why and exits 1."""
    code = EXIT_OK
    if args.wait:
        try:
            project.wait_ready(timeout=args.wait_timeout)
        except BeekeeperAPIError as exc:
            if exc.field != "setup":
                raise
            print(f"error: {exc.message}", file=sys.stderr)
            code = EXIT_RUN_FAILED
    emit(args, project.data, None if args.json else [project_row(project)], PROJECT_COLUMNS)
    return code


def git_credentials(args) -> dict | None:
    if not args.git_username:
        return None
    token = os.environ.get(GIT_TOKEN_ENV)
    if not token:
        raise BeekeeperAPIError(400, f"--git-username needs the token in ${GIT_TOKEN_ENV}", "credentials")
    return {"username": args.git_username, "token": token}


def cmd_create(args) -> int:
    project = connect(args).create_project(
        args.name, args.git_url, branch=args.branch, python_version=args.python, train_file=args.train_file,
        tensorboard_log_dir=args.tensorboard_dir, requirements_file=args.requirements,
        env=env_pairs(args.env) or None, credentials=git_credentials(args),
        default_executor=args.default_executor)
    return wait_setup(args, project)


def cmd_example(args) -> int:
    return wait_setup(args, connect(args).create_example(args.example, args.name))


def cmd_sync(args) -> int:
    return wait_setup(args, connect(args).project(args.project).sync())


def gpus_arg(text: str) -> int | list[int]:
    """`--gpus 2` asks for any two; `--gpus 0,3` for those very devices."""
    try:
        if "," in text or text.startswith("["):
            return [int(g) for g in text.strip("[]").split(",") if g.strip()]
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count or a list like 0,1, got {text!r}") from None


def cmd_run(args) -> int:
    project = connect(args).project(args.project)
    extra = {"executor": args.executor} if args.executor else {}
    if args.allow_parallel:
        extra["allow_parallel"] = True
    if args.preset:
        extra["preset"] = args.preset
    # Without `--` (or --env) the project's default_run or the preset supplies them.
    run = project.run(args=args.args, env=env_pairs(args.env) if args.env else None, gpus=args.gpus, **extra)
    return finish_run(args, run)


def cmd_runs(args) -> int:
    bk = connect(args)
    runs = bk.project(args.project).runs(state=args.state) if args.project else bk.runs(state=args.state)
    emit(args, [r.data for r in runs], [run_row(r) for r in runs], RUN_COLUMNS)
    return EXIT_OK


def cmd_status(args) -> int:
    run = connect(args).run(args.run_id)
    emit(args, run.data)
    return EXIT_OK


def cmd_logs(args) -> int:
    run = connect(args).run(args.run_id)
    if args.follow:
        follow_logs(run, args.tail)
    elif args.tail is not None:
        for line in deque(run.logs(tail=args.tail), maxlen=args.tail):
            print(line)
    else:
        for line in run.logs():
            print(line)
    return EXIT_OK


def cmd_stop(args) -> int:
    run = connect(args).run(args.run_id).stop()
    emit(args, run.data, None if args.json else [run_row(run)], RUN_COLUMNS)
    return EXIT_OK


def _typed(text: str):
    """CLI values as JSON would have them: 0.1 and 32 are numbers, true/false booleans, else text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (int, float, bool)) or value is None else text


def sweep_parameters(grid: list[str] | None, rand: list[str] | None) -> dict:
    """--grid NAME=V1,V2 and --random NAME=MIN:MAX[:log][:int] (or NAME=A,B for a random choice)."""
    out: dict[str, dict] = {}
    for option, items in (("grid", grid or []), ("random", rand or [])):
        for item in items:
            name, sep, spec = item.partition("=")
            if not sep or not name or not spec:
                raise BeekeeperAPIError(400, f"--{option} expects NAME=..., got {item!r}", "parameters")
            if option == "random" and ":" in spec and "," not in spec:
                low, _, rest = spec.partition(":")
                high, *flags = rest.split(":")
                bad = [f for f in flags if f not in ("log", "int")]
                if bad or not low or not high:
                    raise BeekeeperAPIError(400, f"--random expects NAME=MIN:MAX[:log][:int], got {item!r}",
                                            f"parameters.{name}")
                out[name] = {"min": _typed(low), "max": _typed(high), "log": "log" in flags,
                             "integer": "int" in flags}
            else:
                out[name] = {"values": [_typed(x) for x in spec.split(",")]}
    return out


def sweep_row(s: Sweep) -> dict:
    trials = s.data.get("trials") or {}
    best = s.data.get("best") or {}
    return {"id": s.id, "project": s.project, "state": s.state, "trials": trials.get("total"),
            "running": trials.get("running", 0) + trials.get("starting", 0), "queued": trials.get("queued", 0),
            "done": sum(trials.get(k, 0) for k in ("succeeded", "failed", "stopped", "lost")),
            "best_run": best.get("run"), "best_value": best.get("value"), "created": s.data.get("created")}


SWEEP_COLUMNS = ["id", "project", "state", "trials", "running", "queued", "done", "best_run", "best_value",
                 "created"]


def _sweep_options(args) -> dict[str, Any]:
    """The sweep fields the command line set (the server's defaults for the rest)."""
    given = {"trials": args.trials, "seed": args.seed, "gpus": args.gpus}
    extra: dict[str, Any] = {k: val for k, val in given.items() if val is not None}
    if args.env:
        extra["env"] = env_pairs(args.env)
    extra.update({k: val for k, val in (("args", args.args), ("executor", args.executor)) if val})
    if args.as_env:
        extra["as"] = "env"
    if args.median_stop is not None:
        extra["early_stop"] = {"rule": "median", "min_steps": args.median_stop}
    if args.confirm:
        extra["confirm"] = True
    return extra


def cmd_sweep(args) -> int:
    project = connect(args).project(args.project)
    sweep = project.sweep(parameters=sweep_parameters(args.grid, args.random),
                          method="random" if args.random else "grid",
                          objective=parse_objective(args.objective) if args.objective else None,
                          max_parallel=args.max_parallel, **_sweep_options(args))
    if args.wait:
        sweep.wait()
    emit(args, sweep.data, None if args.json else [sweep_row(sweep)], SWEEP_COLUMNS)
    if not args.wait:
        return EXIT_OK
    if not args.json:
        print(table([{"id": t["id"], "state": t["state"], "value": t["value"],
                      "params": " ".join(f"{k}={v}" for k, v in t["params"].items())} for t in sweep.trials()],
                    ["id", "state", "value", "params"]))
    return EXIT_OK if sweep.data.get("trials", {}).get("succeeded") else EXIT_RUN_FAILED


def cmd_sweeps(args) -> int:
    sweeps = connect(args).sweeps(project=args.project)
    emit(args, [s.data for s in sweeps], [sweep_row(s) for s in sweeps], SWEEP_COLUMNS)
    return EXIT_OK


def cmd_sweep_stop(args) -> int:
    sweep = connect(args).sweep(args.sweep_id).stop()
    emit(args, sweep.data, None if args.json else [sweep_row(sweep)], SWEEP_COLUMNS)
    return EXIT_OK


def cmd_download(args) -> int:
    target = connect(args).project(args.project).download(args.path, args.output)
    emit(args, {"path": args.path, "saved": str(target), "size": target.stat().st_size})
    return EXIT_OK


def cmd_upload(args) -> int:
    entry = connect(args).project(args.project).upload(args.local, args.path, overwrite=args.overwrite)
    emit(args, entry.__dict__)
    return EXIT_OK


def cmd_files(args) -> int:
    entries = connect(args).project(args.project).files(args.path)
    emit(args, [e.__dict__ for e in entries], [e.__dict__ for e in entries], ["kind", "size", "mtime", "path"])
    return EXIT_OK


def _gib(value) -> str:
    return f"{(value or 0) / 1024**3:.1f}"


def cmd_metrics(args) -> int:
    metrics = connect(args).metrics()
    if args.json:
        emit(args, metrics)
        return EXIT_OK
    cpu, mem, disk = metrics.get("cpu") or {}, metrics.get("memory") or {}, metrics.get("disk") or {}
    load = " ".join(f"{x:.2f}" for x in cpu.get("load_average") or [])
    print(f"CPU     {cpu.get('percent')}% of {cpu.get('count')} cores (load {load})")
    print(f"Memory  {_gib(mem.get('used'))} / {_gib(mem.get('total'))} GiB ({mem.get('percent')}%)")
    if disk:
        print(f"Disk    {_gib(disk.get('used'))} / {_gib(disk.get('total'))} GiB ({disk.get('percent')}%) "
              f"at {disk.get('path')}")
    gpus = metrics.get("gpus") or []
    if gpus:
        print(table(gpus, [k for k in gpus[0] if not isinstance(gpus[0][k], (dict, list))]))
    else:
        print(f"GPUs    none ({metrics.get('gpu_status') or 'no GPU visible'})")
    runs = metrics.get("runs") or []
    if runs:
        print(table(runs, [k for k in runs[0] if not isinstance(runs[0][k], (dict, list))]))
    return EXIT_OK


def cmd_delete(args) -> int:
    connect(args).project(args.project).delete()
    emit(args, {"deleted": args.project})
    return EXIT_OK


SCHEDULE_COLUMNS = ["id", "project", "cron", "timezone", "enabled", "next", "last"]


def schedule_row(s: dict) -> dict:
    last = s["fires"][0] if s.get("fires") else None
    return {"id": s["id"], "project": s["project"], "cron": s["cron"], "timezone": s["timezone"],
            "enabled": "yes" if s["enabled"] else "no", "next": (s["next"] or [None])[0],
            "last": f"{last['outcome']} {last['run_id'] or ''}".strip() if last else None}


def _schedule_add(bk, args) -> dict:
    run: dict[str, Any] = {"args": args.args}
    if args.env:
        run["env"] = env_pairs(args.env)
    if args.gpus is not None:
        run["gpus"] = args.gpus
    if args.executor:
        run["executor"] = args.executor
    return bk.create_schedule(args.project, args.cron, timezone=args.timezone, run=run, enabled=not args.disabled)


def _schedule_edit(bk, args) -> dict:
    fields = {k: getattr(args, k) for k in ("cron", "timezone") if getattr(args, k)}
    return bk.update_schedule(args.schedule_id, **fields)


SCHEDULE_ACTIONS = {
    "add": _schedule_add,
    "show": lambda bk, args: bk.schedule(args.schedule_id),
    "enable": lambda bk, args: bk.update_schedule(args.schedule_id, enabled=True),
    "disable": lambda bk, args: bk.update_schedule(args.schedule_id, enabled=False),
    "edit": _schedule_edit,
}


def cmd_schedule(args) -> int:
    bk = connect(args)
    action = args.schedule_action
    if action == "list":
        items = bk.schedules(args.project)
        emit(args, items, [schedule_row(s) for s in items], SCHEDULE_COLUMNS)
        return EXIT_OK
    if action == "rm":
        bk.delete_schedule(args.schedule_id)
        emit(args, {"deleted": args.schedule_id})
        return EXIT_OK
    schedule = SCHEDULE_ACTIONS[action](bk, args)
    if args.json:
        emit(args, schedule)
    else:
        print(table([schedule_row(schedule)], SCHEDULE_COLUMNS))
        for moment in schedule["next"][1:]:
            print(f"  then {moment}")
    return EXIT_OK


# -- parser -------------------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    # The options work before or after the command; the command's copy must not reset them.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON instead of tables")
    common.add_argument("--timeout", type=float, default=argparse.SUPPRESS, help="seconds per HTTP request")
    top = argparse.ArgumentParser(prog="beekeeper", description="Drive Beekeeper training projects.")
    top.add_argument("--json", action="store_true", help="print JSON instead of tables")
    top.add_argument("--timeout", type=float, default=60.0, help="seconds per HTTP request")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name, func, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        p.set_defaults(func=func)
        return p

    p = add("login", cmd_login, "check and save the server URL and token (~/.config/beekeeper/config.json)")
    p.add_argument("--url", required=True, help="the Jupyter server, e.g. http://localhost:8888/")
    p.add_argument("--token", required=True, help="the Jupyter server's token")
    add("projects", cmd_projects, "list projects")
    p = add("create", cmd_create, "create a project from a git repository")
    p.add_argument("name")
    p.add_argument("git_url")
    p.add_argument("--branch")
    p.add_argument("--python", help="Python version for the venv, e.g. 3.12")
    p.add_argument("--train-file")
    p.add_argument("--tensorboard-dir")
    p.add_argument("--requirements")
    p.add_argument("--env", action="append", metavar="KEY=VALUE")
    p.add_argument("--default-executor", help="this project's runs go here unless a run says otherwise")
    p.add_argument("--git-username", help=f"for a private HTTPS repository; the token comes from ${GIT_TOKEN_ENV}")
    p.add_argument("--wait", action="store_true", help="wait for setup; exit 1 if it fails")
    p.add_argument("--wait-timeout", type=float, default=1800)
    p = add("example", cmd_example, "create a project from a bundled example (default: digits)")
    p.add_argument("example", nargs="?", default="digits")
    p.add_argument("--name")
    p.add_argument("--wait", action="store_true", help="wait for setup; exit 1 if it fails")
    p.add_argument("--wait-timeout", type=float, default=1800)
    p = add("sync", cmd_sync, "fetch the branch again and rebuild the environment")
    p.add_argument("project")
    p.add_argument("--wait", action="store_true", help="wait for setup; exit 1 if it fails")
    p.add_argument("--wait-timeout", type=float, default=1800)
    p = add("run", cmd_run, "start a run: beekeeper run PROJECT [options] [-- ARGS...]")
    p.add_argument("project")
    p.add_argument("--gpus", type=gpus_arg, help="how many GPUs (2), or which ones (0,3); 0 for none")
    p.add_argument("--env", action="append", metavar="KEY=VALUE")
    p.add_argument("--executor", help="local, or ray when the server has a Ray cluster")
    p.add_argument("--preset", help="one of the project's presets; what you leave out comes from it")
    p.add_argument("--allow-parallel", action="store_true", help="start even if the project has an active run")
    p.add_argument("--wait", action="store_true", help="wait; exit 0 if the run succeeded, else 1")
    p.add_argument("--follow", action="store_true", help="print the log live (implies --wait)")
    p.epilog = ("Everything after -- goes to the training script unchanged. Without --, the args (and "
                "likewise env, gpus, executor) come from --preset or the project's default_run.")
    p = add("sweep", cmd_sweep, "queue a grid or random sweep: beekeeper sweep PROJECT --grid lr=0.1,0.01 "
                               "[--random dropout=0:0.5 --trials 8] [-- SHARED ARGS...]")
    p.add_argument("project")
    p.add_argument("--grid", action="append", metavar="NAME=V1,V2", help="a parameter's values (repeatable)")
    p.add_argument("--random", action="append", metavar="NAME=MIN:MAX[:log][:int]",
                   help="a random parameter (repeatable; NAME=A,B draws from a list); makes a random sweep")
    p.add_argument("--trials", type=int, help="random sweeps: how many trials")
    p.add_argument("--seed", type=int, help="random sweeps: the same seed draws the same trials")
    p.add_argument("--max-parallel", type=int, help="trials active at once (default: as the queue allows)")
    p.add_argument("--objective", metavar="METRIC[:min|max]", help="e.g. loss/test:min")
    p.add_argument("--median-stop", type=int, metavar="MIN_STEPS",
                   help="stop trials worse than the median of the others after MIN_STEPS steps")
    p.add_argument("--gpus", type=gpus_arg, help="GPUs per trial")
    p.add_argument("--env", action="append", metavar="KEY=VALUE")
    p.add_argument("--executor")
    p.add_argument("--as-env", action="store_true", help="pass params as env variables, not --name value")
    p.add_argument("--confirm", action="store_true", help="needed for a grid over 1,000 trials")
    p.add_argument("--wait", action="store_true", help="wait for every trial; exit 1 if none succeeded")
    p = add("sweeps", cmd_sweeps, "list sweeps, newest first")
    p.add_argument("project", nargs="?")
    p = add("sweep-stop", cmd_sweep_stop, "stop a sweep: queued trials dropped, running ones stopped")
    p.add_argument("sweep_id")
    p = add("runs", cmd_runs, "list runs, newest first")
    p.add_argument("project", nargs="?")
    p.add_argument("--state")
    p = add("status", cmd_status, "one run's details")
    p.add_argument("run_id")
    p = add("logs", cmd_logs, "a run's log")
    p.add_argument("run_id")
    p.add_argument("--follow", "-f", action="store_true")
    p.add_argument("--tail", type=int)
    p = add("stop", cmd_stop, "stop a run (SIGTERM, then SIGKILL after the grace period)")
    p.add_argument("run_id")
    p = add("files", cmd_files, "list a folder of a project (src/..., runs/<id>/...)")
    p.add_argument("project")
    p.add_argument("path", nargs="?", default="src")
    p = add("download", cmd_download, "download a file, or a folder as a zip")
    p.add_argument("project")
    p.add_argument("path", help="src/... or runs/<run_id>/...")
    p.add_argument("-o", "--output", help="file or folder to save to (default: the current folder)")
    p = add("upload", cmd_upload, "upload a local file into the project's src/")
    p.add_argument("project")
    p.add_argument("local")
    p.add_argument("path", help="destination, e.g. src/data/train.csv")
    p.add_argument("--overwrite", action="store_true")
    add("metrics", cmd_metrics, "host CPU, memory and GPU metrics")
    p = add("schedule", cmd_schedule, "scheduled runs: list, add, show, edit, enable, disable, rm")
    actions = p.add_subparsers(dest="schedule_action", required=True, metavar="ACTION")
    s = actions.add_parser("list", help="list schedules", parents=[common])
    s.add_argument("project", nargs="?")
    s = actions.add_parser("add", help="beekeeper schedule add PROJECT --cron '0 2 * * *' [-- ARGS...]",
                           parents=[common])
    s.add_argument("project")
    s.add_argument("--cron", required=True, help="5 fields: minute hour day month weekday")
    s.add_argument("--timezone", default="UTC", help="IANA name, e.g. Europe/Berlin (default UTC)")
    s.add_argument("--gpus", type=gpus_arg)
    s.add_argument("--env", action="append", metavar="KEY=VALUE")
    s.add_argument("--executor")
    s.add_argument("--disabled", action="store_true", help="create it paused")
    for name, text in (("show", "one schedule, its next fire times and recent outcomes"),
                       ("enable", "resume a schedule (counts from now)"), ("disable", "pause a schedule"),
                       ("rm", "delete a schedule (its runs stay)")):
        s = actions.add_parser(name, help=text, parents=[common])
        s.add_argument("schedule_id")
    s = actions.add_parser("edit", help="change a schedule's cron or time zone", parents=[common])
    s.add_argument("schedule_id")
    s.add_argument("--cron")
    s.add_argument("--timezone")
    p = add("delete", cmd_delete, "delete a project, its checkout, venv and runs")
    p.add_argument("project")
    return top


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Split at the first `--` ourselves: argparse would let script options pose as ours.
    script_args: list[str] = []
    had_separator = "--" in argv
    if had_separator:
        cut = argv.index("--")
        argv, script_args = argv[:cut], argv[cut + 1:]
    args = parser().parse_args(argv)
    args.args = script_args if had_separator else None
    try:
        return args.func(args)
    except BeekeeperAPIError as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"error: {exc.message}{where}", file=sys.stderr)
        return EXIT_ERROR
    except TimeoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
