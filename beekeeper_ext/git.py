"""Clone and sync project checkouts with the git command line, as helper processes.

A checkout is writable by the training code that runs in it, so nothing in it may make
Beekeeper's git run a command: every git command gets command-line settings that switch off
hooks, fsmonitor, credential helpers and the `ext::` transport (`SAFE_CONFIG`, which beats any
repository setting), no system config and Beekeeper's own global config (`GIT_CONFIG_GLOBAL`),
and before each sync Beekeeper writes `.git/config` afresh, so filters, `include.path`,
`core.worktree`, `remote.*.uploadpack` and the like that a script planted are gone.

git runs with an environment built from scratch (PATH, HOME, proxies, the SSH agent and
Beekeeper's settings): no Jupyter token, and no credential but the one this clone needs.
Credentials for private HTTPS repositories reach git only through that environment, read by a
tiny askpass program, so they are never written to `.git/config`, a command line, a log or an
API response. git never prompts (`GIT_TERMINAL_PROMPT=0`, ssh batch mode), may only use the
transports Beekeeper allows (`GIT_ALLOW_PROTOCOL`), and each command ends after `git_timeout`.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from traitlets import Float
from traitlets.config import LoggingConfigurable

from .processes import Helpers, run_to_log

ALLOWED_PROTOCOLS = "https:http:ssh:git:file"
SSH_COMMAND = "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new"
ASKPASS = """#!/bin/sh
# Beekeeper's git askpass: answers git's prompts from the environment only.
case "$1" in
  Username*) printf '%s\\n' "$BEEKEEPER_GIT_USERNAME" ;;
  *) printf '%s\\n' "$BEEKEEPER_GIT_PASSWORD" ;;
esac
"""
GLOBAL_CONFIG = """# Beekeeper's git configuration: the only global configuration its git commands read
# (GIT_CONFIG_GLOBAL; the system one is off). Written by Beekeeper at start-up.
[core]
\thooksPath = /dev/null
\tfsmonitor = false
[credential]
\thelper =
[protocol "ext"]
\tallow = never
[gc]
\tautoDetach = false
"""
# From the server's environment, only what git and ssh need to reach a remote.
KEPT_ENV = ("PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "TZ", "SSH_AUTH_SOCK", "SSL_CERT_FILE",
            "SSL_CERT_DIR", "GIT_SSL_CAINFO", "CURL_CA_BUNDLE", "http_proxy", "https_proxy", "no_proxy",
            "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")
USERINFO_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
GIT_MESSAGE_RE = re.compile(r"^(fatal|error|remote: fatal|remote: error):", re.IGNORECASE)


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


def _quote(value: str) -> str:
    """A git config value or subsection name, quoted so that nothing in it is syntax."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def parse_ls_remote(text: str) -> dict:
    """`ref: refs/heads/master<TAB>HEAD` names the default; `<sha><TAB>refs/heads/X` each branch."""
    default, branches = None, []
    for line in text.splitlines():
        left, _, ref = line.partition("\t")
        if ref == "HEAD" and left.startswith("ref: refs/heads/"):
            default = left[len("ref: refs/heads/"):]
        elif ref.startswith("refs/heads/"):
            branches.append(ref[len("refs/heads/"):])
    if default not in branches:
        # A HEAD naming no branch (a bare repository made with another init.defaultBranch than
        # what was pushed) is not listed: then the one branch there is, else main, else master.
        default = (branches[0] if len(branches) == 1 else
                   next((b for b in ("main", "master") if b in branches), None))
    return {"default": default, "branches": sorted(branches)}




def repository_config(url: str, branch: str, object_format: str | None) -> str:
    """The whole `.git/config` of a Beekeeper checkout: what `git clone` writes, nothing else."""
    lines = ["[core]", f"\trepositoryformatversion = {1 if object_format else 0}", "\tfilemode = true",
             "\tbare = false", "\tlogallrefupdates = true"]
    if object_format:
        lines += ["[extensions]", f"\tobjectformat = {object_format}"]
    lines += [f"[remote {_quote('origin')}]", f"\turl = {_quote(url)}",
              f"\tfetch = {_quote('+refs/heads/*:refs/remotes/origin/*')}",
              f"[branch {_quote(branch)}]", f"\tremote = {_quote('origin')}",
              f"\tmerge = {_quote('refs/heads/' + branch)}"]
    return "\n".join(lines) + "\n"


class GitOps(LoggingConfigurable):
    """Git work for one Beekeeper home; every public method is a coroutine running git helpers."""

    timeout = Float(600.0, help="Seconds each git command (clone, fetch, checkout, ls-remote) may take before "
                                "it is stopped; 0 for no limit (also c.BeekeeperApp.git_timeout).").tag(config=True)

    def __init__(self, home: Path, helpers: Helpers, **kwargs):
        super().__init__(**kwargs)
        home = Path(home)
        self.helpers = helpers
        self.askpass = home / "git-askpass.sh"
        self.global_config = home / "gitconfig"
        for path, text in ((self.askpass, ASKPASS), (self.global_config, GLOBAL_CONFIG)):
            if not path.exists() or path.read_text() != text:
                path.write_text(text)
        os.chmod(self.askpass, stat.S_IRWXU)
        os.chmod(self.global_config, stat.S_IRUSR | stat.S_IWUSR)

    def safe_config(self) -> list[str]:
        """`-c` settings for every git command: command-line settings beat the repository's."""
        settings = {"core.hooksPath": "/dev/null", "core.fsmonitor": "false", "core.sshCommand": SSH_COMMAND,
                    "core.askPass": str(self.askpass), "credential.helper": "", "protocol.ext.allow": "never",
                    "gc.autoDetach": "false", "core.pager": "cat"}
        return [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]

    def env(self, credentials: dict | None) -> dict[str, str]:
        """git's whole environment, built from scratch."""
        env = {key: os.environ[key] for key in KEPT_ENV if key in os.environ}
        env.setdefault("PATH", os.defpath)
        env.update({
            "LANGUAGE": "C", "LC_ALL": "C",  # git's messages as the failure parser expects them
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(self.global_config),
            "GIT_ATTR_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS,
            "GIT_SSH_COMMAND": SSH_COMMAND,
            "GIT_ASKPASS": str(self.askpass),
            "SSH_ASKPASS": str(self.askpass),
            "BEEKEEPER_GIT_USERNAME": "",
            "BEEKEEPER_GIT_PASSWORD": "",
        })
        if credentials:
            env["BEEKEEPER_GIT_USERNAME"] = credentials.get("username") or "git"
            env["BEEKEEPER_GIT_PASSWORD"] = credentials["token"]
        return env

    @staticmethod
    def _secrets(credentials: dict | None) -> tuple[str, ...]:
        return (credentials["token"],) if credentials else ()

    @staticmethod
    def _repo_args(src: Path) -> list[str]:
        """Name the repository and work tree outright: no discovery, no `core.worktree`."""
        return ["--git-dir", str(src / ".git"), "--work-tree", str(src)]

    async def _git(self, what: str, args: list[str], log_path: Path, credentials: dict | None, cwd: Path) -> None:
        """Run one git command with its output in the log; a failure raises GitFailure."""
        secrets = self._secrets(credentials)
        timeout = self.timeout or None
        try:
            code, tail = await run_to_log(self.helpers, ["git", *self.safe_config(), *args], log_path,
                                          kind="git", cwd=cwd, env=self.env(credentials), timeout=timeout,
                                          clean=lambda line: redact(line, secrets))
        except asyncio.TimeoutError:
            message = f"git {what} timed out after {timeout:g} s"
            with open(log_path, "ab") as log:
                log.write(f"{message}\n".encode())
            raise GitFailure(message) from None
        if code != 0:
            lines = [line for line in tail.splitlines() if GIT_MESSAGE_RE.match(line)]
            raise GitFailure("\n".join(lines) or tail or f"git {what} exited with code {code}")

    async def run(self, args: list[str], cwd: Path, extra_config: tuple[str, ...] = ()) -> tuple[int, str]:
        """Any other git command, with the same settings and environment: (exit code, its output).
        `extra_config` adds `-c` settings (examples.py gives its commits an author this way)."""
        config = [arg for setting in extra_config for arg in ("-c", setting)]
        proc = await self.helpers.spawn(["git", *self.safe_config(), *config, *args], "git", cwd=cwd,
                                        env=self.env(None), stdin=asyncio.subprocess.DEVNULL,
                                        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), self.timeout or None)
        except BaseException:  # timed out or cancelled: leave nothing running
            self.helpers.stop(proc)
            await proc.wait()
            raise
        finally:
            self.helpers.finished(proc)
        return proc.returncode, out.decode(errors="replace").strip()

    async def _output(self, args: list[str], cwd: Path) -> str | None:
        """A quiet git query (rev-parse, config --get): its output, or None if it failed."""
        try:
            code, out = await self.run(args, cwd)
        except asyncio.TimeoutError:
            return None
        return out if code == 0 else None

    async def _clone(self, url, branch, src: Path, credentials, log_path: Path) -> str:
        with open(log_path, "ab") as log:
            log.write(f"$ git clone --branch {branch} {redact(url)} src\n".encode())
        await self._git("clone", ["clone", "--progress", "--branch", branch, "--", url, str(src)], log_path, credentials,  # noqa: E501
                        cwd=src.parent)
        return await self._checked_out(src, branch, log_path)

    async def _sync(self, url, branch, src: Path, credentials, log_path: Path) -> str:
        with open(log_path, "ab") as log:
            log.write(f"$ git fetch origin {branch} && git checkout -B {branch} origin/{branch}\n".encode())
        await self._reset_config(src, url, branch)
        repo = self._repo_args(src)
        await self._git("fetch", [*repo, "fetch", "--progress", "--prune", "origin",
                         f"+refs/heads/{branch}:refs/remotes/origin/{branch}"], log_path, credentials, cwd=src)
        await self._git("checkout", [*repo, "checkout", "-f", "-B", branch, f"origin/{branch}", "--"], log_path, credentials,  # noqa: E501
                        cwd=src)
        return await self._checked_out(src, branch, log_path)

    async def _reset_config(self, src: Path, url: str, branch: str) -> None:
        """Write `.git/config` afresh (keeping only its object format) and drop a `commondir`
        that would send git to another repository's config."""
        gitdir = src / ".git"
        if gitdir.is_symlink() or not gitdir.is_dir():
            raise GitFailure(f"{src}/.git is not a git directory; delete the project and create it again")
        # `--file` reads that one file and follows no include.
        object_format = await self._output(["config", "--file", str(gitdir / "config"), "--get",
                                            "extensions.objectformat"], cwd=src)
        if object_format not in ("sha1", "sha256"):
            object_format = None

        def write():
            (gitdir / "commondir").unlink(missing_ok=True)
            tmp = gitdir / "config.beekeeper"
            tmp.write_text(repository_config(url, branch, object_format))
            os.replace(tmp, gitdir / "config")

        await asyncio.to_thread(write)

    async def _checked_out(self, src: Path, branch: str, log_path: Path) -> str:
        sha = await self.head(src)
        if not sha:
            raise GitFailure(f"{branch} was fetched but {src} has no commit checked out")
        with open(log_path, "ab") as log:
            log.write(f"checked out {branch} at {sha}\n".encode())
        return sha

    async def clone_or_sync(self, url: str, branch: str, src: Path, credentials: dict | None,
                            log_path: Path) -> str:
        """Clone into src, or fetch and hard-checkout the branch if src is already a checkout."""
        if (src / ".git").exists() or (src / ".git").is_symlink():
            return await self._sync(url, branch, src, credentials, log_path)
        return await self._clone(url, branch, src, credentials, log_path)

    async def remote_branches(self, url: str, credentials: dict | None) -> dict:
        """The remote's branches and its default (what its HEAD points at), without cloning:
        `git ls-remote --symref URL HEAD refs/heads/*`, a helper with the same safe settings,
        scrubbed environment and time limit as a clone. {"default": name or None, "branches": [...]}."""
        secrets = self._secrets(credentials)
        proc = await self.helpers.spawn(
            ["git", *self.safe_config(), "ls-remote", "--symref", "--", url, "HEAD", "refs/heads/*"], "git",
            # Outside any repository, so no repository's config is read (BEEKEEPER_HOME is not one).
            cwd=self.askpass.parent,
            env={**self.env(credentials), "GIT_CEILING_DIRECTORIES": str(self.askpass.parent.parent)},
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.timeout or None)
        except asyncio.TimeoutError:
            self.helpers.stop(proc)
            await proc.wait()
            raise GitFailure(f"git ls-remote timed out after {self.timeout:g} s") from None
        except BaseException:  # cancelled: leave no git behind
            self.helpers.stop(proc)
            await proc.wait()
            raise
        finally:
            self.helpers.finished(proc)
        if proc.returncode != 0:
            lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
            message = "\n".join(line for line in lines if GIT_MESSAGE_RE.match(line)) or \
                "\n".join(lines[-5:]) or f"git ls-remote exited with code {proc.returncode}"
            raise GitFailure(redact(message, secrets))
        return parse_ls_remote(out.decode(errors="replace"))

    async def head(self, src: Path) -> str | None:
        if not (src / ".git").is_dir():
            return None
        return await self._output([*self._repo_args(src), "rev-parse", "--verify", "HEAD^{commit}"], cwd=src)

