"""Example projects shipped inside the package, so a new user can try Beekeeper with no git server.

"Try the example" turns the packaged folder into a real git repository under
BEEKEEPER_HOME/examples/<example>.git (built once, off the event loop) and creates an
ordinary project from its file:// URL: the same setup and runs path as any user's repo.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

from .errors import BeekeeperError, not_found
from .models.base import parse
from .models.example import ExampleCreate
from .projects import ProjectService

PACKAGE_DIR = Path(__file__).parent
EXAMPLES = {
    "digits": {
        "folder": PACKAGE_DIR / "example_project",
        "description": "A scikit-learn classifier on the bundled digits dataset: TensorBoard scalars, "
                       "a checkpoint, --lr/--epochs arguments.",
        "project": "digits-example",
    },
}
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "runs", "checkpoints", "outputs")
GIT_IDENTITY = ("user.name=Beekeeper", "user.email=beekeeper@localhost", "commit.gpgsign=false",
                "init.defaultBranch=main")


def example_folder(example: str) -> Path:
    """The packaged source folder of an example (what `git clone` of its repo would give)."""
    if example not in EXAMPLES:
        raise not_found(f"example {example!r}")
    return EXAMPLES[example]["folder"]


async def _git(projects: ProjectService, *args: str, cwd: Path) -> None:
    """Beekeeper's own git (git.py: no hooks, no system or user config, a scratch environment)."""
    code, out = await projects.git.run(list(args), cwd, extra_config=GIT_IDENTITY)
    if code != 0:
        raise BeekeeperError(500, f"git {args[0]} failed for the example: {out[-500:]}")


class Examples:
    """Lists the bundled examples and creates projects from them."""

    def __init__(self, home: Path, projects: ProjectService):
        self.root = Path(home) / "examples"
        self.projects = projects
        self._lock = asyncio.Lock()

    def list(self) -> list[dict]:
        return [{"name": key, "description": spec["description"], "project": spec["project"]}
                for key, spec in EXAMPLES.items()]

    async def repository(self, example: str) -> Path:
        """The example's bare git repository, built on first use."""
        folder = example_folder(example)
        bare = self.root / f"{example}.git"
        async with self._lock:
            if (bare / "HEAD").exists():
                return bare
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=self.root) as tmp:
                work = Path(tmp) / "work"
                await asyncio.to_thread(shutil.copytree, folder, work, ignore=IGNORED)
                await _git(self.projects, "init", "-q", "-b", "main", cwd=work)
                await _git(self.projects, "add", "-A", cwd=work)
                await _git(self.projects, "commit", "-q", "-m", f"Beekeeper example: {example}", cwd=work)
                staging = Path(tmp) / "repo.git"
                await _git(self.projects, "clone", "-q", "--bare", str(work), str(staging), cwd=Path(tmp))
                os.replace(staging, bare)
        return bare

    async def create_project(self, example: str, body: dict) -> dict:
        """Create a project from an example; `body` is an ExampleCreate (checked here, so a
        bad field is named before the repository is built)."""
        parse(ExampleCreate, body, context={"executors": list(self.projects.executors)})
        spec_name = EXAMPLES.get(example, {}).get("project")
        bare = await self.repository(example)
        name = spec_name if body.get("name") is None else body["name"]
        return await self.projects.create({**body, "name": name, "git_url": bare.as_uri()})
