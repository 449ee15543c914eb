"""A remote's branches, listed for the project form without cloning (git ls-remote)."""

from __future__ import annotations

from pydantic import Field

from .base import Body, View
from .project import Secret


class BranchesQuery(Body):
    """`{git_url, credentials?}`, or `{project}`: its stored URL and credentials (never another URL's)."""

    git_url: str | None = Field(default=None, description="checked as a project's git_url")
    credentials: Secret = None
    project: str | None = None


class RemoteBranches(View):
    git_url: str = Field(description="the URL listed, credentials redacted")
    default: str | None = Field(description="the remote's HEAD branch, if it names one")
    branches: list[str]
