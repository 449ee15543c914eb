"""A project's files as the files API lists them (folders under src/ and runs/<run_id>/)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Timestamp, View


class FileEntry(View):
    """One row; a symlink reports its own size and kind, never its target's."""

    name: str
    path: str
    size: int
    mtime: Timestamp
    kind: Literal["file", "dir", "symlink"]
    jupyter_path: str | None = Field(description="the path relative to Jupyter's root_dir, to open it in JupyterLab")


class FileListing(View):
    path: str = Field(description="the folder listed; empty for the two roots (src, runs)")
    entries: list[FileEntry]
