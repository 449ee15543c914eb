"""The body of every 4xx/5xx answer."""

from __future__ import annotations

from pydantic import Field

from .base import View


class Error(View):
    message: str
    field: str | None = Field(default=None, description="the request field the error is about")
    reason: str | None = Field(default=None, description="set by Jupyter Server's own errors (e.g. 403)")
    traceback: str | None = Field(default=None, description="Jupyter Server's, on a 500 in debug mode")
