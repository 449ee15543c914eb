"""Real git repositories for tests: a working tree plus a bare remote reached by a file:// URL.

A plain module (not conftest) so test modules can import it by name: `conftest` is ambiguous once
tests/ui/conftest.py is collected too.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                         env={**os.environ, **GIT_ENV})
    return out.stdout.strip()


class GitRepo:
    """A working repo plus a bare 'remote' reached through a file:// URL, as a user's would be."""

    def __init__(self, root: Path, files: dict[str, str], branch: str = "main"):
        self.work = root / "work"
        self.bare = root / "remote.git"
        self.work.mkdir(parents=True)
        git("init", "-q", "-b", branch, cwd=self.work)
        self.branch = branch
        self.commit(files, "initial")
        git("init", "-q", "--bare", str(self.bare), cwd=root)
        git("remote", "add", "origin", str(self.bare), cwd=self.work)
        git("push", "-q", "origin", branch, cwd=self.work)
        self.url = self.bare.as_uri()

    def commit(self, files: dict[str, str], message: str = "change") -> str:
        for name, text in files.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message, cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)

    def push(self, branch: str | None = None) -> None:
        git("push", "-q", "origin", branch or self.branch, cwd=self.work)

    def head(self) -> str:
        return git("rev-parse", "HEAD", cwd=self.work)
