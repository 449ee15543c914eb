"""Projects: validation, the lifecycle of a project's checkout and venv, and its on-disk layout.

Setup is a background task per project: `queued → cloning → creating_env → installing →
ready` (or `failed` with a message). Each transition is written to the store before
anything is announced. A per-project lock serialises setup, sync and delete of one
project while different projects proceed in parallel.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping

from . import entrypoints
from . import validation as v
from .environments import Environments, Interpreters, plan_install
from .errors import BeekeeperError, bad_request, conflict, found
from .git import GitFailure, GitOps, redact, split_credentials
from .models.base import parse
from .models.branches import BranchesQuery, RemoteBranches
from .models.project import Project, ProjectCreate, ProjectUpdate
from .models.states import PROJECT_DEFAULTS, SETUP_ACTIVE
from .store import Store, now

CREATE_FIELDS = set(ProjectCreate.model_fields)
# Changing one of these means the checkout or venv no longer matches: setup runs again.
RESETUP_FIELDS = {"git_url", "branch", "python_version", "requirements_file", "credentials", "install",
                  "extra_packages", "torch_backend"}
# What a default_run or preset may set (runs.py fills a run body's missing fields from them).
RUN_TEMPLATE_FIELDS = ("args", "env", "gpus", "executor")
# Paths inside the checkout: each must stay inside src/ once symbolic links are followed.
CONFINED_FIELDS = {"train_file", "tensorboard_log_dir", "requirements_file"}

log = logging.getLogger("beekeeper.projects")


class ProjectPaths:
    """Where a project lives under BEEKEEPER_HOME."""

    def __init__(self, home: Path, name: str):
        self.root = Path(home) / "projects" / name
        self.src = self.root / "src"
        self.venv = self.root / "venv"
        self.runs = self.root / "runs"
        self.setup_log = self.root / "setup.log"

    def run_dir(self, run_id: str) -> Path:
        return self.runs / run_id

    def in_src(self, relative: str) -> Path | None:
        """`src/relative` with every symbolic link followed, or None when that leads out of src/:
        a checkout (or a training script) may hold a link like `train.py -> /etc/hostname`."""
        try:
            real = (self.src / relative).resolve()
            return real if real.is_relative_to(self.src.resolve()) else None
        except (OSError, RuntimeError):  # a symlink loop
            return None


class ProjectService:
    """Creates, edits, sets up, re-syncs and deletes projects."""

    def __init__(self, home: Path, store: Store, interpreters: Interpreters,
                 environments: Environments, gitops: GitOps, executors: Mapping[str, object]):
        self.home = Path(home)
        self.store = store
        self.interpreters = interpreters
        self.environments = environments
        self.git = gitops
        self.executors = executors  # only its names: a project's default_executor must be one
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: dict[str, asyncio.Task] = {}
        # Services built on this one register here (in their constructors): may a project be
        # deleted (None, or the reason why not)? what to let go of when it is.
        self.delete_guards: list[Callable[[str], str | None]] = []
        self.delete_hooks: list[Callable[[str], Awaitable[None]]] = []
        self.listeners: list[Callable[[dict], None]] = []

    # -- paths and locks ----------------------------------------------------------------------
    def paths(self, name: str) -> ProjectPaths:
        return ProjectPaths(self.home, name)

    def lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    # -- lifecycle ----------------------------------------------------------------------------
    def recover(self) -> None:
        """After a restart, setups that were in flight did not finish: say so."""
        for row in self.store.list_projects():
            if row["setup_state"] in SETUP_ACTIVE:
                self.store.update_project(row["name"], setup_state="failed",
                                          setup_message="interrupted: the server stopped during setup; "
                                                        "re-sync to try again", setup_ended=now())
                try:
                    with open(self.paths(row["name"]).setup_log, "ab") as f:
                        f.write(b"\n[beekeeper] setup interrupted by a server restart\n")
                except OSError:  # the folder went away while the server was down
                    pass

    async def stop(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    # -- reads --------------------------------------------------------------------------------
    def row(self, name: str) -> dict:
        return found(self.store.get_project, "project", name)

    def setup_state(self, name: str) -> str:
        """The setup state as of now, `deleted` once the project is gone (a log follower asks)."""
        row = self.store.get_project(name)
        return row["setup_state"] if row else "deleted"

    def get(self, name: str, detail: bool = True) -> dict:
        return self.render(self.row(name), detail)

    def list(self) -> list[dict]:
        return [self.render(row, detail=False) for row in self.store.list_projects()]

    def render(self, row: dict, detail: bool = True) -> dict:
        """The API view of a project (models.Project): never the credentials, only whether there are some."""
        paths = self.paths(row["name"])
        setup = {"state": row["setup_state"], "message": row["setup_message"], "warning": row["setup_warning"],
                 "started": row["setup_started"], "ended": row["setup_ended"], "commit": row["commit_sha"],
                 "package_count": len(row["packages"] or []), "install": row.get("install_used"),
                 "branch": row.get("branch_resolved")}
        if detail:
            setup["packages"] = row["packages"] or []
        return Project(
            name=row["name"], git_url=row["git_url"], branch=row["branch"],
            python_version=row["python_version"],
            python={"version": row["python_resolved"], "path": row["python_path"]},
            train_file=row["train_file"], tensorboard_log_dir=row["tensorboard_log_dir"],
            requirements_file=row["requirements_file"], env=row["env"] or {},
            has_credentials=bool(row["credentials"]), default_executor=row["default_executor"],
            stall_timeout=(PROJECT_DEFAULTS["stall_timeout"] if row.get("stall_timeout") is None
                           else row["stall_timeout"]),
            stall_action=row.get("stall_action") or PROJECT_DEFAULTS["stall_action"],
            metric_patterns=row.get("metric_patterns"),
            default_run=row.get("default_run") or {}, presets=row.get("presets") or {},
            install=row.get("install") or "auto", packages=row.get("extra_packages") or [],
            torch_backend=row.get("torch_backend"),
            created=row["created"], updated=row["updated"], setup=setup,
            paths={"root": str(paths.root), "src": str(paths.src), "venv": str(paths.venv)},
        ).dump()

    def _announce(self, name: str) -> None:
        if not self.listeners:
            return
        row = self.store.get_project(name)
        if row is None:
            return
        self._notify(self.render(row, detail=False))

    def _notify(self, project: dict) -> None:
        """Listeners get the project's API view, or `{name, deleted: true}` once it is gone."""
        for listener in list(self.listeners):
            try:
                listener(project)
            except Exception:  # a broken listener must not break setup or delete
                log.exception("project listener failed")

    # -- validation ---------------------------------------------------------------------------
    async def _validate(self, body: dict, creating: bool) -> dict[str, Any]:
        """The body checked against ProjectCreate/ProjectUpdate, then what needs the host: the
        interpreter, credentials embedded in the URL."""
        model = ProjectCreate if creating else ProjectUpdate
        parsed = parse(model, body, context={"executors": list(self.executors)})
        out = parsed.model_dump(exclude_unset=not creating)
        if "git_url" in out:
            out["git_url"], embedded = split_credentials(out["git_url"])
            if embedded and "credentials" not in parsed.model_fields_set:
                out["credentials"] = embedded
        if "python_version" in out:
            python = await self.interpreters.resolve(out["python_version"])
            out["python_path"] = python["path"]
            out["python_resolved"] = python["version"]
        if "packages" in out:  # stored apart from `packages`, the frozen list setup records
            out["extra_packages"] = out.pop("packages")
        if creating:
            out["install"] = out.get("install") or "auto"
        # Run presets need the executor names; None (or left out on create) = none.
        if "default_run" in out:
            out["default_run"] = self._run_template(out["default_run"], "default_run")
        if "presets" in out:
            presets = out["presets"] if out["presets"] is not None else {}
            if not isinstance(presets, dict):
                raise bad_request("presets", "presets must be an object of NAME: {args, env, gpus, executor}")
            out["presets"] = {v.name(key, "presets"): self._run_template(val, f"presets.{key}")
                              for key, val in presets.items()}
        return out

    def executor_names(self) -> list[str]:
        return list(self.executors)

    def _run_template(self, value, field: str) -> dict:
        """A default_run or preset: some of a run body's args, env, gpus and executor (the GPU
        pool is checked when a run uses it)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise bad_request(field, f"{field} must be an object with args, env, gpus or executor")
        v.reject_unknown({f"{field}.{k}": 1 for k in value}, {f"{field}.{k}" for k in RUN_TEMPLATE_FIELDS})
        out: dict[str, Any] = {}
        if "args" in value:
            out["args"] = v.string_list(value["args"], f"{field}.args")
        if "env" in value:
            out["env"] = v.env(value["env"], f"{field}.env")
        if value.get("gpus") is not None:
            gpus = value["gpus"]
            out["gpus"] = ([v.integer(g, f"{field}.gpus", minimum=0) for g in gpus] if isinstance(gpus, list)
                           else v.integer(gpus, f"{field}.gpus", minimum=0))
        if value.get("executor") is not None:
            if value["executor"] not in self.executor_names():
                raise bad_request(f"{field}.executor",
                                  f"{field}.executor must be one of {', '.join(self.executor_names())}")
            out["executor"] = value["executor"]
        return out

    async def remote_branches(self, body: dict, from_query: bool = False) -> dict:
        """A remote's branches and default, for the form's dropdown: `{git_url, credentials?}` or
        `{project}` (its stored URL with its stored credentials, never another URL's)."""
        url_field = "url" if from_query else "git_url"
        query = parse(BranchesQuery, body)
        if query.project is not None:
            if {"git_url", "credentials"} & query.model_fields_set:
                raise bad_request("project", "give a project, or a git_url (and credentials), not both")
            row = self.row(query.project)
            url, creds = row["git_url"], row["credentials"]
        else:
            url, creds = split_credentials(v.git_url(query.git_url, url_field))
            if creds and from_query:
                raise bad_request("url", "a URL with a token does not belong in a query string: "
                                         "POST {git_url, credentials} instead")
            if query.credentials is not None:
                creds = query.credentials.model_dump()
        try:
            listing = await self.git.remote_branches(url, creds)
        except GitFailure as exc:
            raise bad_request(url_field, f"could not list the remote's branches: {exc}")
        return RemoteBranches(git_url=redact(url), **listing).dump()

    # -- writes -------------------------------------------------------------------------------
    async def create(self, body: dict) -> dict:
        fields = await self._validate(body, creating=True)
        name = fields["name"]
        if self.store.get_project(name) is not None:
            raise conflict(f"a project named {name!r} already exists", "name")
        paths = self.paths(name)
        if paths.root.exists():
            raise conflict(f"the folder for {name!r} already exists under BEEKEEPER_HOME", "name")
        stamp = now()
        fields.update(setup_state="queued", created=stamp, updated=stamp, packages=[])
        fields.setdefault("credentials", None)
        paths.root.mkdir(parents=True)
        paths.runs.mkdir()
        paths.setup_log.touch()
        self.store.insert_project(fields)
        self._start_setup(name)
        return self.get(name)

    async def update(self, name: str, body: dict) -> dict:
        row = self.row(name)
        fields = await self._validate(body, creating=False)
        changed = {k: val for k, val in fields.items() if row.get(k) != val}
        if not changed:
            return self.get(name)
        paths = self.paths(name)
        for field in CONFINED_FIELDS & changed.keys():
            # Checkable once there is a checkout; runs and setup check again when they use it.
            escapes = entrypoints.escapes if field == "train_file" else lambda p, f: p.in_src(f) is None
            if paths.src.is_dir() and escapes(paths, changed[field]):
                raise bad_request(field, f"{field} {changed[field]!r} leads outside the checkout "
                                         "through a symbolic link")
        resetup = bool(RESETUP_FIELDS & changed.keys())
        if "train_file" in changed and entrypoints.kind(changed["train_file"]) == "notebook":
            resetup = True  # the venv needs the notebook runner (ipykernel, nbclient)
        if resetup and row["setup_state"] in SETUP_ACTIVE:
            raise conflict("setup is in progress; try again when it ends", "setup")
        self.store.update_project(name, **changed)
        if resetup:
            self._start_setup(name)  # announces the queued setup
        else:
            self._announce(name)
        return self.get(name)

    async def resync(self, name: str) -> dict:
        """Set up again from the start; a setup under way (perhaps stuck on an index that never
        answers) is cancelled first."""
        self.row(name)
        await self._cancel_setup(name)
        self.row(name)  # deleted meanwhile: a 404
        self._start_setup(name)
        return self.get(name)

    async def _cancel_setup(self, name: str) -> None:
        """Cancel the project's setup task and wait until it has ended: its uv or git helper and
        everything those started are killed (processes.run_to_log) and the lock is free."""
        task = self._tasks.pop(name, None)
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def delete(self, name: str) -> None:
        self.row(name)
        for guard in self.delete_guards:
            reason = guard(name)
            if reason:
                raise conflict(reason)
        await self._cancel_setup(name)  # it holds the lock for as long as its installer runs
        async with self.lock(name):
            await self._cancel_setup(name)  # one started while we waited
            for hook in self.delete_hooks:
                await hook(name)
            self.store.delete_project(name)
            root = self.paths(name).root
            await asyncio.to_thread(shutil.rmtree, root, True)
        self._locks.pop(name, None)
        self._notify({"name": name, "deleted": True})

    # -- setup pipeline -----------------------------------------------------------------------
    def _start_setup(self, name: str) -> None:
        self.store.update_project(name, setup_state="queued", setup_message=None, setup_warning=None,
                                  setup_started=now(), setup_ended=None)
        self._announce(name)
        task = asyncio.get_running_loop().create_task(self._setup(name))
        self._tasks[name] = task
        task.add_done_callback(lambda t, n=name: self._tasks.pop(n, None) if self._tasks.get(n) is t else None)

    def _step(self, name: str, state: str, log_file: Path, message: str | None = None) -> None:
        self.store.update_project(name, setup_state=state)
        with open(log_file, "ab") as f:
            f.write(f"\n[beekeeper] {state}{': ' + message if message else ''}\n".encode())
        self._announce(name)

    async def _setup(self, name: str) -> None:
        async with self.lock(name):
            row = self.store.get_project(name)
            if row is None:
                return
            paths = self.paths(name)
            logf = paths.setup_log
            creds = row["credentials"]
            secrets = (creds["token"],) if creds else ()
            with open(logf, "ab") as f:
                f.write(f"[beekeeper] setup of {name} started at {now()}\n".encode())
            try:
                self._step(name, "cloning", logf, redact(row["git_url"]))
                if paths.src.exists() and not (paths.src / ".git").exists():
                    await asyncio.to_thread(shutil.rmtree, paths.src, True)
                branch = row["branch"]
                if not branch:
                    with open(logf, "ab") as f:
                        f.write(f"$ git ls-remote --symref {redact(row['git_url'])} HEAD "
                                "(the remote's default branch)\n".encode())
                    remote = await self.git.remote_branches(row["git_url"], creds)
                    branch = remote["default"]
                    if not branch:
                        raise GitFailure("the remote has no default branch (an empty repository, or several "
                                         "branches and a HEAD naming none of them): set branch")
                    with open(logf, "ab") as f:
                        f.write(f"[beekeeper] branch: the remote's default, {branch}\n".encode())
                self.store.update_project(name, branch_resolved=branch)
                sha = await self.git.clone_or_sync(row["git_url"], branch, paths.src, creds, logf)
                self.store.update_project(name, commit_sha=sha)

                python = await self.interpreters.resolve(row["python_version"])
                self.store.update_project(name, python_path=python["path"], python_resolved=python["version"])
                self._step(name, "creating_env", logf, f"Python {python['version']} ({python['path']})")
                await self.environments.create(paths.venv, python["path"], logf)

                warning = await self._install(name, row, paths, logf)
                packages = await self.environments.freeze(paths.venv)
                self.store.update_project(name, setup_state="ready", setup_warning=warning,
                                          packages=packages, setup_ended=now(), setup_message=None)
                with open(logf, "ab") as f:
                    f.write(f"[beekeeper] ready: {sha[:12]}, {len(packages)} packages\n".encode())
            except asyncio.CancelledError:
                if self.store.get_project(name) is not None:
                    self.store.update_project(name, setup_state="failed", setup_message="interrupted",
                                              setup_ended=now())
                    try:
                        with open(logf, "ab") as f:
                            f.write(b"[beekeeper] interrupted: setup was cancelled\n")
                    except OSError:
                        pass
                    self._announce(name)
                raise
            except (GitFailure, EnvironmentError, BeekeeperError, OSError) as exc:
                message = exc.message if isinstance(exc, BeekeeperError) else str(exc)
                message = redact(message or type(exc).__name__, secrets)[-2000:]  # never an empty reason
                self.store.update_project(name, setup_state="failed", setup_message=message,
                                          setup_ended=now())
                with open(logf, "ab") as f:
                    f.write(f"[beekeeper] failed: {message}\n".encode())
            except Exception as exc:  # an unexpected bug still ends setup visibly
                log.exception("setup of %s failed", name)
                self.store.update_project(name, setup_state="failed",
                                          setup_message=redact(f"internal error: {exc}", secrets),
                                          setup_ended=now())
            self._announce(name)

    async def _install(self, name: str, row: dict, paths: ProjectPaths, logf: Path) -> str | None:
        """Dependencies as the repository declares them (uv.lock, then pyproject.toml/setup.py,
        then the requirements file, unless `install` says which), then the notebook runner when
        train_file is a notebook, then the project's own `packages`. Returns a warning or None."""
        env = self.environments
        venv, src, torch = paths.venv, paths.src, row.get("torch_backend")
        method, warning = await asyncio.to_thread(
            plan_install, row.get("install") or "auto", src, row["requirements_file"],
            lambda rel: paths.in_src(rel) is not None)
        self.store.update_project(name, install_used=method)
        if method == "uv.lock":
            self._step(name, "installing", logf, "uv.lock: exactly the locked set (uv sync --frozen)")
            await env.sync_lock(venv, src, logf)
        elif method == "project":
            self._step(name, "installing", logf, "the project itself, editable, with its dependencies "
                                                 "(pyproject.toml/setup.py)")
            await env.install_project(venv, src, logf, torch)
        elif method == "requirements":
            self._step(name, "installing", logf, f"requirements: {row['requirements_file']}")
            await env.install(venv, src / row["requirements_file"], src, logf, torch)
        else:
            self._step(name, "installing", logf, "warning: " + warning if warning else "nothing (install: none)")
        if entrypoints.kind(row["train_file"]) == "notebook":
            self._step(name, "installing", logf, "the notebook runner: " + " ".join(entrypoints.NOTEBOOK_PACKAGES))
            await env.install_packages(venv, list(entrypoints.NOTEBOOK_PACKAGES), src, logf,
                                       name="notebook-packages.txt")
        if row.get("extra_packages"):
            self._step(name, "installing", logf, "packages: " + redact(", ".join(row["extra_packages"])))
            await env.install_packages(venv, row["extra_packages"], src, logf, torch)
        return warning
