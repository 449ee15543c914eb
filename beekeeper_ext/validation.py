"""Input rules shared by every service: names, git URLs, relative paths, env maps.

Each check raises a 400 naming the field, so a rejected request creates nothing.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .errors import bad_request

# Patterns are used with fullmatch (or anchor with \Z): `$` also matches before a trailing "\n".
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"  # as JSON Schema (ECMA-262) reads it
NAME_RE = re.compile(NAME_PATTERN[1:-1])
ENV_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
# scp-like `user@host:path` needs the `user@`, so `javascript:x` or `c:path` never pass as one.
SCP_LIKE_RE = re.compile(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!//)[^\s]+")
URL_SCHEMES = {"https", "http", "ssh", "git", "file"}
BRANCH_BAD_RE = re.compile(r"[\x00-\x20~^:?*\[\\\x7f]|@\{|//|\.lock\Z|\A/|/\Z|\.\Z")
WINDOWS_DRIVE_RE = re.compile(r"[A-Za-z]:")
#: Linux refuses one argv/env string over 128 KiB (MAX_ARG_STRLEN) and all of them together over
#: ARG_MAX (usually 2 MiB, shared by args and env): refuse what exec would, before a run starts.
ARG_MAX_BYTES = 128 * 1024 - 1
ARGS_TOTAL_BYTES = 512 * 1024
#: File system limits: a path segment (NAME_MAX) and a whole path (PATH_MAX).
SEGMENT_MAX_BYTES = 255
INT64_MAX = 2**63 - 1
PATH_MAX_BYTES = 4096


def name(value, field: str = "name") -> str:
    """A project name: a letter or digit first, then letters, digits, `_ . -`; never `..`."""
    if not isinstance(value, str) or not value:
        raise bad_request(field, f"{field} is required")
    if not NAME_RE.fullmatch(value) or ".." in value:
        raise bad_request(
            field,
            f"{field} must start with a letter or digit and use only letters, digits, '_', '.', '-' "
            "(no spaces, no '..', at most 64 characters)",
        )
    return value


def git_url(value, field: str = "git_url") -> str:
    """http(s), ssh, git and file URLs or scp-like `user@host:path`; never git's `ext::` transports."""
    if not isinstance(value, str) or not value.strip():
        raise bad_request(field, f"{field} is required")
    value = value.strip()
    if value.startswith("-") or "::" in value or any(c in value for c in "\x00\n\r"):
        raise bad_request(field, f"{field} is not an allowed git URL")
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme.lower() not in URL_SCHEMES:
            raise bad_request(
                field, f"{field} scheme must be one of {', '.join(sorted(URL_SCHEMES))}"
            )
        if parts.scheme.lower() != "file" and not parts.hostname:
            raise bad_request(field, f"{field} has no host")
        if parts.scheme.lower() == "file" and not parts.path:
            raise bad_request(field, f"{field} has no path")
        return value
    if SCP_LIKE_RE.fullmatch(value):
        return value
    raise bad_request(field, f"{field} must be an https, http, ssh, git or file URL, or user@host:path")


def branch(value, field: str = "branch") -> str:
    """A git branch name that git itself would accept and that cannot pose as an option."""
    if not isinstance(value, str) or not value:
        raise bad_request(field, f"{field} is required")
    if value.startswith("-") or ".." in value or BRANCH_BAD_RE.search(value) or len(value) > 200:
        raise bad_request(field, f"{field} is not a valid branch name")
    return value


def relative_path(value, field: str) -> str:
    """A path inside the project: relative, no `..`, no leading `-`, no NUL."""
    if not isinstance(value, str) or not value.strip():
        raise bad_request(field, f"{field} is required")
    if "\x00" in value or value.startswith(("/", "-", "\\")) or WINDOWS_DRIVE_RE.match(value):
        raise bad_request(field, f"{field} must be a relative path inside the project")
    parts = value.replace("\\", "/").split("/")
    if any(p == ".." for p in parts):
        raise bad_request(field, f"{field} must not contain '..'")
    path_size(value, field)
    return value


def path_size(value: str, field: str) -> None:
    """What the file system refuses (ENAMETOOLONG) is a 400 on `field`, not a 500 later."""
    if len(value.encode("utf-8", "surrogatepass")) > PATH_MAX_BYTES:
        raise bad_request(field, f"{field} is longer than {PATH_MAX_BYTES} bytes")
    if any(len(p.encode("utf-8", "surrogatepass")) > SEGMENT_MAX_BYTES for p in value.split("/")):
        raise bad_request(field, f"{field} has a name longer than {SEGMENT_MAX_BYTES} bytes")


def _sizes(strings, field: str) -> None:
    total = 0
    for text in strings:
        size = len(text.encode("utf-8", "surrogatepass")) + 1
        if size > ARG_MAX_BYTES:
            raise bad_request(field, f"{field} has a value longer than {ARG_MAX_BYTES} bytes")
        total += size
    if total > ARGS_TOTAL_BYTES:
        raise bad_request(field, f"{field} is larger than {ARGS_TOTAL_BYTES} bytes in all")


def env(value, field: str = "env") -> dict[str, str]:
    """Environment variables: a map of identifier-like names to strings."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request(field, f"{field} must be an object of NAME: value strings")
    out = {}
    for key, val in value.items():
        if not isinstance(key, str) or not ENV_KEY_RE.fullmatch(key):
            raise bad_request(field, f"{field} key {key!r} is not a valid variable name")
        if isinstance(val, (int, float)) and not isinstance(val, bool):
            val = str(val)
        if not isinstance(val, str) or "\x00" in val:
            raise bad_request(field, f"{field}.{key} must be a string")
        out[key] = val
    _sizes((f"{k}={v}" for k, v in out.items()), field)
    return out


def credentials(value, field: str = "credentials") -> dict[str, str] | None:
    """Optional HTTPS credentials for private repositories: `{username, token}`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(field, f"{field} must be an object with username and token")
    username, token = value.get("username", ""), value.get("token")
    if not isinstance(username, str) or not isinstance(token, str) or not token:
        raise bad_request(field, f"{field} needs a string token (and optionally a username)")
    if any(c in username + token for c in "\x00\n\r"):
        raise bad_request(field, f"{field} must not contain control characters")
    return {"username": username or "git", "token": token}


def string_list(value, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and "\x00" not in v for v in value):
        raise bad_request(field, f"{field} must be a list of strings")
    _sizes(value, field)
    return list(value)


def integer(value, field: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        digits = value.strip().lstrip("-") if isinstance(value, str) else ""
        if digits.isascii() and digits.isdigit() and len(digits) <= 20:
            value = int(value)
        else:
            raise bad_request(field, f"{field} must be an integer")
    if minimum is not None and value < minimum:
        raise bad_request(field, f"{field} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise bad_request(field, f"{field} must be at most {maximum}")
    if abs(value) > INT64_MAX:  # SQLite stores no more
        raise bad_request(field, f"{field} must be at most {INT64_MAX}")
    return value


def reject_unknown(body: dict, allowed: set[str]) -> None:
    """Unknown fields are an error, so a typo never silently does nothing."""
    for key in body:
        if key not in allowed:
            raise bad_request(key, f"unknown field {key!r}")
