"""From a run about to start to the LaunchSpec its executor runs.

RunService decides *when* a run starts (queue, GPU pool, the checkout sync under the project
lock); this module decides *what* starts: the entry point checks (the train_file stays in the
checkout; a notebook needs a filesystem the driver can write to), the placeholders in args and
env values, the argv and the environment. Kept apart so the launch task reads as its steps and
the rules for a command line sit in one place.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from . import entrypoints
from .errors import BeekeeperError
from .executors import Executor, LaunchSpec
from .projects import ProjectPaths


def check_entry_point(project: dict, paths: ProjectPaths, executor: Executor) -> str | None:
    """Refuse a train_file this run cannot start (409 naming the field); the executed notebook's
    name when the entry point is a notebook, else None."""
    train_file = project["train_file"]
    if entrypoints.escapes(paths, train_file):
        raise BeekeeperError(409, f"train_file {train_file!r} leads outside the checkout "
                                  "through a symbolic link", "train_file")
    if entrypoints.kind(train_file) != "notebook":
        return None
    if not (paths.src / train_file).is_file():
        raise BeekeeperError(409, f"train_file {train_file!r} is not in the checkout", "train_file")
    if not getattr(executor, "shared_filesystem", True):
        raise BeekeeperError(409, "a notebook runs on the local executor or on Ray with a shared "
                                  "filesystem", "executor")
    return entrypoints.notebook_output(train_file)


async def launch_spec(row: dict, project: dict, paths: ProjectPaths, executor: Executor, gpus: list[int],
                      log_path: Path) -> LaunchSpec:
    """The command, environment and resources of one run (the argv is built off the loop: a
    notebook's driver is copied into the run folder)."""
    run_id, name = row["id"], row["project"]
    # Placeholders make per-run outputs easy (`--work-dir out/{run_id}`); the stored args keep
    # them, so "run again" gets a fresh folder.
    values = {"run_id": run_id, "run_dir": str(log_path.parent), "project": name, "src": str(paths.src)}
    args = [entrypoints.expand(arg, values) for arg in row["args"]]
    argv = await asyncio.to_thread(entrypoints.command, paths.venv / "bin" / "python", project["train_file"],
                                   args, paths.src, log_path.parent)
    # A script can name its outputs after its run (the example does): BEEKEEPER_RUN_ID.
    env = {key: entrypoints.expand(value, values)
           for key, value in {**(project["env"] or {}), **(row["env"] or {})}.items()}
    env.update(BEEKEEPER_RUN_ID=run_id, BEEKEEPER_PROJECT=name)
    return LaunchSpec(run_id=run_id, project=name, argv=argv, cwd=paths.src, env=env, log_path=log_path,
                      run_dir=log_path.parent, venv=paths.venv, gpus=list(gpus),
                      gpu_count=len(gpus) if executor.assigns_gpus else int(row["gpus_requested"] or 0),
                      resources=row["resources"] or {}, requirements_file=project["requirements_file"],
                      tensorboard_log_dir=project["tensorboard_log_dir"])
