"""What WebSocket /events sends (OpenAPI has no WebSocket messages: the document lists these
schemas and names them in the operation's `x-messages`); the panel's EventMessage is generated."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, TypeAdapter

from .base import View
from .project import Project
from .run import Run
from .sweep import Sweep


class ProjectDeleted(View):
    name: str
    deleted: Literal[True]


class SweepDeleted(View):
    id: str
    deleted: Literal[True]


class RunEvent(View):
    """A run changed state (or any field the run view shows)."""

    type: Literal["run"]
    run: Run


class ProjectEvent(View):
    type: Literal["project"]
    project: Project | ProjectDeleted


class SweepEvent(View):
    """A sweep or one of its trials changed: the sweep as GET /sweeps lists it."""

    type: Literal["sweep"]
    sweep: Sweep | SweepDeleted


EventMessage = Annotated[Union[RunEvent, ProjectEvent, SweepEvent], Field(discriminator="type")]
EVENT_MESSAGE = TypeAdapter(EventMessage)
