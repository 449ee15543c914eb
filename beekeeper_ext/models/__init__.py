"""One definition per API resource (pydantic v2): request bodies are validated with it, responses
are rendered through it, and the OpenAPI document's schemas are generated from it.

One small module per resource (project, run, executor, meta, error), plus `states` (run and
setup states, project defaults; standard library only) and `base` (what they share). Import
from the module: `from beekeeper_ext.models.run import Run`. This package itself imports
nothing, so `models.states` stays usable without pydantic.
"""

from __future__ import annotations


def schemas() -> list[tuple[type, str]]:
    """The models the OpenAPI document names, each with the mode it is described in: request
    bodies as validated, responses as serialised."""
    from .error import Error
    from .executor import ExecutorList, ExecutorStatus
    from .meta import Info, Python, PythonList
    from .metrics import MetricSummary, Scalars, UsageHistory
    from .project import Project, ProjectCreate, ProjectList, ProjectUpdate
    from .run import Run, RunCreate, RunList

    return [(m, "validation") for m in (ProjectCreate, ProjectUpdate, RunCreate)] + [
        (m, "serialization") for m in (Error, Project, ProjectList, Run, RunList, ExecutorStatus, ExecutorList,
                                       Python, PythonList, Info, MetricSummary, Scalars, UsageHistory)]
