"""The example projects shipped with Beekeeper ("Try the example")."""

from __future__ import annotations

from pydantic import Field

from .base import View


class Example(View):
    name: str
    description: str
    project: str = Field(description="the default project name")


class ExampleList(View):
    examples: list[Example]
