"""Python interpreters on this host and per-project virtual environments built with uv.

Every command here is an asyncio subprocess with an argv list (never a shell), its output
appended to the project's setup log as it arrives, so the event loop never waits on it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

from traitlets import Float
from traitlets.config import LoggingConfigurable

from .childenv import inherited_env
from .errors import bad_request
from .processes import Helpers, run_to_log

VERSION_RE = re.compile(r"\d+\.\d+(\.\d+)?")  # used with fullmatch
PROBE = "import sys, platform; print(platform.python_version()); print(sys.implementation.name)"
MIN_VERSION = (3, 8)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def find_uv() -> str:
    """The uv binary shipped with the `uv` package, else one on PATH."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except Exception:
        found = shutil.which("uv")
        if not found:
            raise RuntimeError("uv is not installed: pip install uv")
        return found


def kill(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL a child unless it has already ended. A child that ended at the same moment (the
    whole process group got the server's own SIGTERM) makes kill() raise ProcessLookupError, which
    would otherwise replace the cancellation that is under way."""
    if proc.returncode is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass


class Interpreters:
    """Discovers interpreters (PATH, pyenv, uv-managed, configured extras) and caches them briefly."""

    def __init__(self, extra_paths: Iterable[str] = (), uv: str | None = None, ttl: float = 60.0):
        self.extra_paths = list(extra_paths)
        self.uv = uv
        self.ttl = ttl
        self._cache: list[dict] | None = None
        self._cached_at = 0.0
        self._lock = asyncio.Lock()

    def _candidates(self) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for path in self.extra_paths:
            found.append((path, "configured"))
        pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
        for bindir in sorted((pyenv_root / "versions").glob("*/bin")):
            found.append((str(bindir / "python3"), "pyenv"))
        for folder in os.environ.get("PATH", "").split(os.pathsep):
            if not folder or "shims" in Path(folder).parts:
                continue  # pyenv shims only forward to versions listed above, and fail for others
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                if re.fullmatch(r"python3(\.\d+)?", name):
                    found.append((os.path.join(folder, name), "path"))
        # Beekeeper's own interpreter last, as its base installation: a venv's python is not
        # an installation to build other venvs from, and listing it would show a fake path.
        found.append((getattr(sys, "_base_executable", None) or sys.executable, "beekeeper"))
        return found

    @staticmethod
    def _installation(path: str) -> str:
        """A python inside a virtual environment → the real executable it links to."""
        if (Path(path).parent.parent / "pyvenv.cfg").exists():
            return os.path.realpath(path)
        return path

    async def _uv_managed(self) -> list[tuple[str, str]]:
        if not self.uv:
            return []
        try:
            proc = await asyncio.create_subprocess_exec(
                self.uv, "python", "list", "--only-installed", "--output-format", "json",
                "--python-preference", "only-managed",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            )
            out, _ = await asyncio.wait_for(proc.communicate(), 20)
            return [(entry["path"], "uv") for entry in json.loads(out or b"[]") if entry.get("path")]
        except Exception:
            return []

    def warm(self) -> None:
        """Scan in the background now, so the first create or dropdown does not wait for probes."""
        self._warm = asyncio.get_running_loop().create_task(self.list())

    async def close(self) -> None:
        warm = getattr(self, "_warm", None)
        if warm is not None:
            warm.cancel()
            await asyncio.gather(warm, return_exceptions=True)

    @staticmethod
    async def _probe(path: str) -> tuple[str, str] | None:
        try:
            proc = await asyncio.create_subprocess_exec(
                path, "-I", "-c", PROBE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            )
        except Exception:
            return None
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), 10)
        except BaseException as exc:  # timed out or cancelled: leave no child behind
            kill(proc)
            await proc.wait()
            if isinstance(exc, asyncio.CancelledError):
                raise
            return None
        lines = out.decode(errors="replace").split()
        if proc.returncode != 0 or len(lines) < 2 or not VERSION_RE.fullmatch(lines[0]):
            return None
        return lines[0], lines[1]

    async def list(self, refresh: bool = False) -> list[dict]:
        """Interpreters newest first, one per real executable."""
        async with self._lock:
            if not refresh and self._cache is not None and time.monotonic() - self._cached_at < self.ttl:
                return self._cache
            candidates = self._candidates() + await self._uv_managed()
            unique: dict[str, tuple[str, str]] = {}
            for path, source in candidates:
                real = os.path.realpath(path)
                if os.path.isfile(real) and os.access(real, os.X_OK) and real not in unique:
                    unique[real] = (self._installation(path), source)
            probes = await asyncio.gather(*(self._probe(real) for real in unique))
            pythons = []
            seen_versions: set[tuple[str, str]] = set()
            for (real, (path, source)), probe in zip(unique.items(), probes):
                if not probe or version_key(probe[0])[:2] < MIN_VERSION:
                    continue
                version, implementation = probe
                if (version, implementation) in seen_versions:
                    continue
                seen_versions.add((version, implementation))
                pythons.append({"version": version, "path": path, "implementation": implementation,
                                "source": source})
            pythons.sort(key=lambda p: (p["implementation"] == "cpython", version_key(p["version"])),
                         reverse=True)
            self._cache, self._cached_at = pythons, time.monotonic()
            return pythons

    @staticmethod
    def _match(pythons: list[dict], requested: str | None) -> dict | None:
        if not requested:
            return pythons[0] if pythons else None
        wanted = version_key(requested)
        return next((p for p in pythons if version_key(p["version"])[: len(wanted)] == wanted), None)

    async def resolve(self, requested: str | None, field: str = "python_version") -> dict:
        """`None` → newest; `3.12` → newest 3.12.x; `3.12.1` → exactly that; else a 400."""
        if requested is not None and (not isinstance(requested, str) or not VERSION_RE.fullmatch(requested)):
            raise bad_request(field, f"{field} must look like 3.12 or 3.12.1")
        # Resolving uses the last scan even when it is old (probing every interpreter costs
        # seconds); only a miss, or no scan yet, pays for a fresh one.
        cached = self._cache
        pythons = cached if cached is not None else await self.list()
        match = self._match(pythons, requested)
        if match is None and cached is not None:
            pythons = await self.list(refresh=True)
            match = self._match(pythons, requested)
        if match:
            return match
        if not pythons:
            raise bad_request(field, "no Python interpreter was found on this host")
        available = ", ".join(sorted({p["version"] for p in pythons}, key=version_key, reverse=True))
        raise bad_request(field, f"no Python {requested} on this host (available: {available})")


INSTALL_MODES = ("auto", "requirements", "project", "none")
TORCH_BACKEND_RE = re.compile(r"auto|cpu|xpu|cu\d{2,3}|rocm\d+(\.\d+){1,2}")


def install_mode(value, field: str = "install") -> str:
    value = value or "auto"
    if value not in INSTALL_MODES:
        raise bad_request(field, f"{field} must be one of {', '.join(INSTALL_MODES)}")
    return value


def torch_backend(value, field: str = "torch_backend") -> str | None:
    """uv's --torch-backend values: auto, cpu, xpu, cuNNN, rocmX.Y; empty = the plain index."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not TORCH_BACKEND_RE.fullmatch(value):
        raise bad_request(field, f"{field} must be auto, cpu, xpu, a CUDA version like cu126 or a ROCm one "
                                 "like rocm6.3 (or empty for the plain index)")
    return value


def requirement_lines(value, field: str = "packages") -> list[str]:
    """Extra requirement lines (`torch`, `tensorboard>=2`, `--extra-index-url URL`): a list, or one
    text with a line each. They go to uv in a requirements file, never on its command line."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        raise bad_request(field, f"{field} must be a list of requirement lines")
    lines = [line.strip() for line in value if line.strip()]
    if len(lines) > 200 or any(len(line) > 1000 or any(c in line for c in "\x00\r\n") for line in lines):
        raise bad_request(field, f"{field} allows at most 200 lines of 1000 characters, no control characters")
    return lines
# A pyproject.toml that only configures tools (ruff, black, pytest) is not an installable project.
PROJECT_TABLE_RE = re.compile(r"^[ \t]*\[(project|build-system)\][ \t]*$", re.MULTILINE)


class _Checkout:
    """What a checkout offers to install from; `inside(path)` says a path exists and stays inside it."""

    def __init__(self, src: Path, inside: Callable[[str], bool]):
        self.src = src
        self.inside = inside

    def has(self, path: str) -> bool:
        return (self.src / path).is_file() and self.inside(path)

    def installable(self) -> bool:
        """A setup.py, or a pyproject.toml with a [project] or [build-system] table."""
        if self.has("setup.py"):
            return True
        if not self.has("pyproject.toml"):
            return False
        try:
            return bool(PROJECT_TABLE_RE.search((self.src / "pyproject.toml").read_text(errors="replace")))
        except OSError:
            return False


def plan_install(mode: str, src: Path, requirements_file: str,
                 inside: Callable[[str], bool]) -> tuple[str, str | None]:
    """How to install a checkout's dependencies: (`uv.lock` | `project` | `requirements` | `none`,
    a warning or None). `auto` takes the first the repository has, in that order; `inside(path)`
    says a path of the checkout exists and stays inside it (no link out of src/)."""
    checkout = _Checkout(src, inside)
    if mode == "none":
        return "none", None
    if mode == "requirements":
        if checkout.has(requirements_file):
            return "requirements", None
        return "none", f"{requirements_file} is not in the repository: the environment has no extra packages"
    if mode == "project":
        if not checkout.installable():
            raise EnvironmentError("install is 'project' but the repository has no pyproject.toml with a "
                                   "[project] or [build-system] table, and no setup.py")
        return "project", None
    return _auto(checkout, requirements_file)


def _auto(checkout: _Checkout, requirements_file: str) -> tuple[str, str | None]:
    if checkout.has("uv.lock") and checkout.has("pyproject.toml"):
        return "uv.lock", None
    if checkout.installable():
        return "project", None
    if checkout.has(requirements_file):
        return "requirements", None
    return "none", (f"no uv.lock, pyproject.toml, setup.py or {requirements_file} in the repository: "
                    "the environment has no extra packages")


class Environments(LoggingConfigurable):
    """Builds `projects/NAME/venv` with uv from a chosen interpreter and installs requirements.

    uv runs as a helper (processes.py): its own session, gone with the server, and killed with
    everything it started (build backends) when setup is cancelled or `install_timeout` passes."""

    install_timeout = Float(1800.0, help="Seconds each uv step of a setup (venv, pip install, freeze) may take "
                                         "before it is stopped; 0 for no limit "
                                         "(also c.BeekeeperApp.setup_install_timeout).").tag(config=True)

    def __init__(self, uv: str, helpers: Helpers, **kwargs):
        super().__init__(**kwargs)
        self.uv = uv
        self.helpers = helpers

    def _env(self) -> dict[str, str]:
        """The server's environment without Jupyter's credentials: a package's build script runs
        in it. uv's own settings (UV_INDEX_URL, ...) stay; the server's PYTHONPATH/PYTHONHOME belong
        to another interpreter (often another version) and break build backends on the venv's
        Python ("SRE module mismatch")."""
        env = inherited_env()
        for key in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
            env.pop(key, None)
        env.update(UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1", NO_COLOR="1")
        return env

    @staticmethod
    def _check(code: int, tail: str, what: str) -> None:
        """A signal (the server's own stop, Ctrl-C on its terminal) is an interruption, not a
        broken requirement; anything else quotes the installer."""
        if code < 0:
            raise EnvironmentError(f"interrupted: {what} was stopped by signal {-code}; re-sync to try again")
        if code != 0:
            raise EnvironmentError(f"{what} failed: {tail}")

    @staticmethod
    def python_in(venv: Path) -> Path:
        return venv / "bin" / "python"

    async def _uv(self, what: str, argv: list[str], log: Path, cwd: Path | None = None,
                  env: dict[str, str] | None = None) -> None:
        timeout = self.install_timeout or None
        with open(log, "ab") as f:  # the setup log says what ran (paths only: no secret is an argument)
            f.write(("$ " + " ".join(["uv", *argv[1:]]) + "\n").encode())
        try:
            code, tail = await run_to_log(self.helpers, argv, log, kind="uv", cwd=cwd,
                                          env={**self._env(), **(env or {})}, timeout=timeout)
        except asyncio.TimeoutError:
            message = f"{what} timed out after {timeout:g} s"
            with open(log, "ab") as f:
                f.write(f"[beekeeper] {message}: stopped it (setup_install_timeout)\n".encode())
            raise EnvironmentError(message) from None
        self._check(code, tail, what)

    @staticmethod
    def _torch(torch_backend: str | None) -> list[str]:
        """uv's PyTorch index choice (`auto` matches the host's driver): without it, a GPU box may
        get the CPU-only or a mismatched CUDA build of torch from the plain index."""
        return ["--torch-backend", torch_backend] if torch_backend else []

    async def create(self, venv: Path, python_path: str, log: Path) -> None:
        await self._uv("uv venv", [self.uv, "venv", "--clear", "--python", python_path, str(venv)], log)

    async def install(self, venv: Path, requirements: Path, cwd: Path, log: Path,
                      torch_backend: str | None = None) -> None:
        argv = [self.uv, "pip", "install", "--python", str(self.python_in(venv)), *self._torch(torch_backend),
                "-r", str(requirements)]
        await self._uv("uv pip install", argv, log, cwd=cwd)

    async def install_project(self, venv: Path, src: Path, log: Path, torch_backend: str | None = None) -> None:
        """The checkout itself, editable, with the dependencies its pyproject.toml/setup.py declares."""
        argv = [self.uv, "pip", "install", "--python", str(self.python_in(venv)), *self._torch(torch_backend),
                "--editable", str(src)]
        await self._uv("uv pip install --editable", argv, log, cwd=src)

    async def sync_lock(self, venv: Path, src: Path, log: Path) -> None:
        """Exactly the set uv.lock pins (the project itself included), into the project's venv;
        --frozen: the lock is used as committed, never re-resolved."""
        argv = [self.uv, "sync", "--frozen", "--project", str(src), "--python", str(self.python_in(venv))]
        await self._uv("uv sync --frozen", argv, log, cwd=src, env={"UV_PROJECT_ENVIRONMENT": str(venv)})

    async def install_packages(self, venv: Path, packages: list[str], cwd: Path, log: Path,
                               torch_backend: str | None = None, name: str = "packages.txt") -> None:
        """Requirement lines (names, pins, `--extra-index-url ...`) written to a file next to the
        venv, so no line is ever an option on uv's command line."""
        requirements = venv.parent / name
        requirements.write_text("".join(line + "\n" for line in packages))
        await self.install(venv, requirements, cwd, log, torch_backend)

    async def freeze(self, venv: Path) -> list[str]:
        proc = await self.helpers.spawn(
            [self.uv, "pip", "freeze", "--python", str(self.python_in(venv))], "uv",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=self._env(),
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), self.install_timeout or None)
        except BaseException:
            self.helpers.stop(proc)
            await proc.wait()
            raise
        finally:
            self.helpers.finished(proc)
        return [line for line in out.decode(errors="replace").splitlines() if line.strip()]
