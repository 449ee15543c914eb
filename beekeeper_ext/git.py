"""Clone and sync project checkouts with GitPython, off the event loop.

Credentials for private HTTPS repositories reach git only through environment variables
read by a tiny askpass program, so they are never written to `.git/config`, a command
line, a log or an API response. git never prompts (`GIT_TERMINAL_PROMPT=0`, ssh batch
mode) and may only use the transports Beekeeper allows (`GIT_ALLOW_PROTOCOL`).
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import git

ALLOWED_PROTOCOLS = "https:http:ssh:git:file"
ASKPASS = """#!/bin/sh
# Beekeeper's git askpass: answers git's prompts from the environment only.
case "$1" in
  Username*) printf '%s\\n' "$BEEKEEPER_GIT_USERNAME" ;;
  *) printf '%s\\n' "$BEEKEEPER_GIT_PASSWORD" ;;
esac
"""
USERINFO_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


class GitFailure(Exception):
    """A git operation failed; the message is git's own, with any credentials removed."""


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove `user:password@` from URLs and any known secret from text bound for logs or users."""
    text = USERINFO_RE.sub(r"\1***@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def split_credentials(url: str) -> tuple[str, dict | None]:
    """`https://user:token@host/x` → (`https://host/x`, {username, token}); other URLs unchanged."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit(parts._replace(netloc=netloc)), {"username": parts.username or "git",
                                                           "token": parts.password}
    return url, None


class LogProgress(git.RemoteProgress):
    """Writes git's progress lines to the setup log as they come."""

    def __init__(self, log, secrets: tuple[str, ...]):
        super().__init__()
        self.log = log
        self.secrets = secrets
        self._last = ""

    def update(self, op_code, cur_count, max_count=None, message=""):
        line = self._cur_line or ""
        if line and line != self._last:
            self._last = line
            self.log.write(redact(line, self.secrets).encode() + b"\n")

    def line_dropped(self, line):
        """git's non-progress lines (remote messages, hints) belong in the log too."""
        self.log.write(redact(line, self.secrets).encode() + b"\n")

    def failure(self, exc: Exception) -> str:
        """git's own `fatal:`/`error:` lines, which GitPython keeps out of the exception text."""
        lines = [redact(line, self.secrets) for line in self.error_lines]
        stderr = redact((getattr(exc, "stderr", None) or "").strip(), self.secrets)
        return "\n".join(lines) or stderr or redact(str(exc), self.secrets)


class GitOps:
    """Git work for one Beekeeper home; every public method is a coroutine that runs in a thread."""

    def __init__(self, home: Path):
        self.askpass = Path(home) / "git-askpass.sh"
        if not self.askpass.exists() or self.askpass.read_text() != ASKPASS:
            self.askpass.write_text(ASKPASS)
        os.chmod(self.askpass, stat.S_IRWXU)

    def env(self, credentials: dict | None) -> dict[str, str]:
        env = {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS,
            "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new",
            "GIT_ASKPASS": str(self.askpass),
            "BEEKEEPER_GIT_USERNAME": "",
            "BEEKEEPER_GIT_PASSWORD": "",
        }
        if credentials:
            env["BEEKEEPER_GIT_USERNAME"] = credentials.get("username") or "git"
            env["BEEKEEPER_GIT_PASSWORD"] = credentials["token"]
        return env

    @staticmethod
    def _secrets(credentials: dict | None) -> tuple[str, ...]:
        return (credentials["token"],) if credentials else ()

    def _clone(self, url, branch, src: Path, credentials, log_path: Path) -> str:
        secrets = self._secrets(credentials)
        with open(log_path, "ab", buffering=0) as log:
            log.write(f"$ git clone --branch {branch} {redact(url)} src\n".encode())
            progress = LogProgress(log, secrets)
            try:
                repo = git.Repo.clone_from(
                    url, src, branch=branch, env=self.env(credentials),
                    progress=progress, single_branch=False,
                )
            except git.GitCommandError as exc:
                message = progress.failure(exc)
                log.write(message.encode() + b"\n")
                raise GitFailure(message) from None
            sha = repo.head.commit.hexsha
            log.write(f"checked out {branch} at {sha}\n".encode())
            return sha

    def _sync(self, url, branch, src: Path, credentials, log_path: Path) -> str:
        secrets = self._secrets(credentials)
        with open(log_path, "ab", buffering=0) as log:
            log.write(f"$ git fetch origin {branch} && git checkout -B {branch} origin/{branch}\n".encode())
            progress = LogProgress(log, secrets)
            try:
                repo = git.Repo(src)
                with repo.git.custom_environment(**self.env(credentials)):
                    origin = repo.remote("origin")
                    if origin.url != url:
                        origin.set_url(url)
                    origin.fetch(refspec=f"+refs/heads/{branch}:refs/remotes/origin/{branch}",
                                 progress=progress, prune=True)
                    repo.git.checkout("-f", "-B", branch, f"origin/{branch}", "--")
            except (git.GitCommandError, ValueError) as exc:
                message = progress.failure(exc)
                log.write(message.encode() + b"\n")
                raise GitFailure(message) from None
            except git.InvalidGitRepositoryError:
                raise GitFailure(f"{src} is not a git checkout") from None
            sha = repo.head.commit.hexsha
            log.write(f"checked out {branch} at {sha}\n".encode())
            return sha

    async def clone_or_sync(self, url: str, branch: str, src: Path, credentials: dict | None,
                            log_path: Path) -> str:
        """Clone into src, or fetch and hard-checkout the branch if src is already a checkout."""
        if (src / ".git").exists():
            return await asyncio.to_thread(self._sync, url, branch, src, credentials, log_path)
        return await asyncio.to_thread(self._clone, url, branch, src, credentials, log_path)

    async def head(self, src: Path) -> str | None:
        def _head():
            try:
                return git.Repo(src).head.commit.hexsha
            except Exception:
                return None

        return await asyncio.to_thread(_head)
