"""The example projects shipped with Beekeeper ("Try the example"), and the body that creates one."""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model, model_validator

from .base import Body, Invalid, View
from .project import Name, ProjectCreate


class Example(View):
    name: str
    description: str
    project: str = Field(description="the default project name")


class ExampleList(View):
    examples: list[Example]


class _FromExample(Body):
    @model_validator(mode="before")
    @classmethod
    def _own_repository(cls, data: Any) -> Any:
        # Named here rather than as an unknown field: the client meant well, the example decides.
        if isinstance(data, dict) and "git_url" in data:
            raise Invalid("git_url", "an example brings its own repository")
        return data


# A project body minus git_url, name optional: derived from ProjectCreate so the two cannot drift.
ExampleCreate = create_model(
    "ExampleCreate", __base__=_FromExample,
    __doc__="Any project field but git_url (the example's own repository); name defaults to the example's.",
    name=(Name | None, Field(None, description="default: the example's project name")),
    **{key: (info.annotation, info) for key, info in ProjectCreate.model_fields.items()
       if key not in ("name", "git_url")},
)
