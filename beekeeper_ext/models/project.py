"""A project: what a client sends to create or edit one, and what the API returns.

Setup states and the defaults of a new project come from states.py; projects.py runs the pipeline.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo

from .. import entrypoints, environments
from .. import validation as v
from ..stdout_metrics import validate as metric_patterns
from .base import Body, Timestamp, View, no_defaults, rule
from .states import PROJECT_DEFAULTS, SetupState, StallAction


def _python_version(value: Any, info: ValidationInfo) -> str | None:
    """An empty value means "the newest interpreter"; the format is checked when it is resolved."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{info.field_name} must look like 3.12 or 3.12.1")
    return value


def _executor(value: Any, info: ValidationInfo) -> str | None:
    names = (info.context or {}).get("executors")
    if value is not None and (not isinstance(value, str) or (names is not None and value not in names)):
        raise ValueError(f"{info.field_name} must be one of {', '.join(names or [])}")
    return value


Name = Annotated[str, rule(v.name), Field(json_schema_extra={"pattern": v.NAME_PATTERN})]
GitUrl = Annotated[str, rule(v.git_url)]
Branch = Annotated[str, rule(v.branch)]
# Empty: the remote's default branch (its HEAD), looked up at each setup.
OptionalBranch = Annotated[str, rule(lambda value, field: "" if value in ("", None) else v.branch(value, field)),
                           Field(description="empty: the remote's default branch, looked up at each setup")]
Install = Annotated[str, rule(environments.install_mode), Field(
    json_schema_extra={"enum": list(environments.INSTALL_MODES)},
    description="auto: uv.lock, else pyproject.toml/setup.py, else requirements_file")]
Packages = Annotated[list[str], rule(environments.requirement_lines), Field(
    description="extra requirement lines installed after the dependencies (a list, or one text)")]
TorchBackend = Annotated[str | None, rule(environments.torch_backend), Field(
    description="uv's --torch-backend (auto, cpu, cu126, ...); unset: the plain index")]
RelativePath = Annotated[str, rule(v.relative_path)]
TrainFile = Annotated[str, rule(entrypoints.validate), Field(
    description="a script (train.py), a module (-m package.train) or a notebook (train.ipynb)")]
# default_run and presets: what a run body that leaves args/env/gpus/executor out takes
# (checked by ProjectService, which knows the executors).
RunTemplate = Annotated[dict[str, Any] | None, Field(description="some of a run body's args, env, gpus, executor")]
Presets = Annotated[dict[str, dict[str, Any]] | None, Field(
    description="named run settings: POST .../runs with {\"preset\": NAME}")]
EnvMap = Annotated[dict[str, str], rule(v.env)]
PythonVersion = Annotated[str | None, BeforeValidator(_python_version),
                          Field(json_schema_extra={"examples": ["3.12"]})]
ExecutorName = Annotated[str | None, BeforeValidator(_executor)]


def _stall_action(value: Any, info: ValidationInfo) -> str:
    if value not in ("notify", "stop"):
        raise ValueError(f"{info.field_name} must be 'notify' or 'stop'")
    return value


def _stall_timeout(value: Any, info: ValidationInfo) -> int | None:
    return None if value is None else v.integer(value, info.field_name, minimum=0)


# The stall watchdog's settings (watchdog.py); None = the default.
StallTimeout = Annotated[int | None, BeforeValidator(_stall_timeout), Field(json_schema_extra={
    "minimum": 0, "default": PROJECT_DEFAULTS["stall_timeout"],
    "description": "seconds without log output, scalar step or GPU use before a running run is flagged "
                   "stalled; 0 = never"})]
Stall = Annotated[StallAction, BeforeValidator(_stall_action),
                  Field(json_schema_extra={"default": PROJECT_DEFAULTS["stall_action"]})]


MetricPatterns = Annotated[list[str] | None, rule(metric_patterns), Field(
    description="regular expressions with (?P<name>...) and (?P<value>...) that read metrics from stdout; "
                "null for the default")]


class Credentials(Body):
    username: str = "git"
    token: str


Secret = Annotated[Credentials | None, rule(v.credentials), Field(json_schema_extra={"writeOnly": True})]


class ProjectCreate(Body):
    name: Name
    git_url: GitUrl
    branch: OptionalBranch = ""
    python_version: PythonVersion = None
    train_file: TrainFile = PROJECT_DEFAULTS["train_file"]
    tensorboard_log_dir: RelativePath = PROJECT_DEFAULTS["tensorboard_log_dir"]
    requirements_file: RelativePath = PROJECT_DEFAULTS["requirements_file"]
    env: EnvMap = {}
    credentials: Secret = None
    default_executor: ExecutorName = None
    stall_timeout: StallTimeout = None
    stall_action: Stall = None
    metric_patterns: MetricPatterns = None
    default_run: RunTemplate = None
    presets: Presets = None
    install: Install = "auto"
    packages: Packages = []
    torch_backend: TorchBackend = None


class ProjectUpdate(Body):
    """Only the fields sent change; changing git_url, branch, python_version, requirements_file or
    credentials re-runs setup."""

    model_config = ConfigDict(json_schema_extra=no_defaults)

    git_url: GitUrl = None
    branch: OptionalBranch = None
    python_version: PythonVersion = None
    train_file: TrainFile = None
    tensorboard_log_dir: RelativePath = None
    requirements_file: RelativePath = None
    env: EnvMap = None
    credentials: Secret = None
    default_executor: ExecutorName = None
    stall_timeout: StallTimeout = None
    stall_action: Stall = None
    metric_patterns: MetricPatterns = None
    default_run: RunTemplate = None
    presets: Presets = None
    install: Install = None
    packages: Packages = None
    torch_backend: TorchBackend = None


class ProjectPython(View):
    version: str | None
    path: str | None


class ProjectSetup(View):
    state: SetupState
    message: str | None
    warning: str | None
    started: Timestamp | None
    ended: Timestamp | None
    commit: str | None
    package_count: int
    packages: list[str] = Field(default=None, description="the frozen package list (single-project view only)")
    install: str | None = Field(default=None, description="how the last setup installed the dependencies: "
                                                         "uv.lock, project, requirements or none")
    branch: str | None = Field(default=None, description="the branch setup checked out")


class ProjectFolders(View):
    root: str
    src: str
    venv: str


class Project(View):
    """The API view of a project: never the credentials, only whether there are some."""

    name: str
    git_url: str
    branch: str
    python_version: str | None
    python: ProjectPython
    train_file: str
    tensorboard_log_dir: str
    requirements_file: str
    env: dict[str, str]
    has_credentials: bool
    default_executor: str | None
    stall_timeout: int
    stall_action: StallAction
    metric_patterns: list[str] | None
    default_run: dict[str, Any]
    presets: dict[str, dict[str, Any]]
    install: str
    packages: list[str]
    torch_backend: str | None
    created: Timestamp
    updated: Timestamp
    setup: ProjectSetup
    paths: ProjectFolders


class ProjectList(View):
    projects: list[Project]
