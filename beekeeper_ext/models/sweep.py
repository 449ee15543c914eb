"""A sweep: a grid or random search over a project's arguments, and its trials as the API shows them.

The body is checked whole here (a bad spec is a 400 naming e.g. `parameters.lr.min`) and
normalized by sweeps.parse_spec; the shared run fields follow POST /runs' rules.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator

from .. import validation as v
from ..errors import bad_request
from .base import Body, Invalid, Timestamp, View, flag, rule, strict_bool
from .run import Args, Env, Gpus, Priority, ResourceLimits
from .states import RunState

Method = Literal["grid", "random"]
SweepState = Literal["running", "finished", "stopped"]
SWEEP_STATES: tuple[str, ...] = SweepState.__args__
PARAM_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
PLACEHOLDER_RE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
MAX_VALUES = 1000
CONFIRM_OVER = 1000  # a grid with more trials than this needs confirm: true
MAX_TRIALS = 10000


# -- the rules ----------------------------------------------------------------------------------
def _scalar(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (bool, int)) or isinstance(value, str) and "\x00" not in value


def _values(value: Any, field: str) -> list:
    if not isinstance(value, list) or not value or len(value) > MAX_VALUES:
        raise bad_request(field, f"{field} must be a list of 1 to {MAX_VALUES} values")
    for index, item in enumerate(value):
        if not _scalar(item):
            raise bad_request(field, f"{field}[{index}] must be a string, number, boolean or null")
    return value


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise bad_request(field, f"{field} must be a number")
    return value


def _names(value: Any, field: str) -> dict:
    if not isinstance(value, dict) or not value:
        raise bad_request(field, f'{field} must be an object like {{"lr": {{"values": [0.1, 0.01]}}}}')
    for name in value:
        if not isinstance(name, str) or not PARAM_NAME_RE.fullmatch(name) or name == "run_id":
            raise bad_request(field, f"parameter name {name!r} must start with a letter or '_' and use "
                                     "letters, digits, '_', '.', '-' (and not be run_id)")
    return value


def _object(example: str) -> BeforeValidator:
    """An optional nested object: null, or a JSON object (else a 400 showing what one looks like)."""

    def check(value: Any, info: ValidationInfo) -> Any:
        if value is not None and not isinstance(value, dict):
            raise ValueError(f"{info.field_name} must be an object like {example}")
        return value

    return BeforeValidator(check)


def _optional(check):
    """A rule that lets null through (null: "not given")."""
    return rule(lambda value, field: None if value is None else check(value, field))


Values = Annotated[list[Any], rule(_values), Field(description="the values (a grid's axis, or a random choice)")]
Number = Annotated[float, rule(_number)]
Flag = Annotated[bool, strict_bool]


# -- the body -----------------------------------------------------------------------------------
class Parameter(Body):
    """A list of values (grid or random), or a min..max range (random only)."""

    values: Values = None
    min: Number = None
    max: Number = None
    log: Flag = Field(default=False, description="draw on a log scale (random only)")
    integer: Flag = False

    @model_validator(mode="after")
    def _one_shape(self) -> Parameter:
        given = self.model_fields_set
        if "values" in given:
            for key in sorted(given - {"values"}):
                raise Invalid(key, f"{key} does not go with values")
            return self
        for key in ("min", "max"):
            if key not in given:
                raise Invalid(key, f"{key} is required (or give values)")
        if self.min > self.max:
            raise Invalid("min", "min must not be above max")
        if self.log and self.min <= 0:
            raise Invalid("min", "min must be above 0 on a log scale")
        if self.integer and (self.min != int(self.min) or self.max != int(self.max)):
            raise Invalid("min", "integer ranges need whole-number min and max")
        return self

    def normal(self) -> dict:
        """As stored: {values} or {min, max, log, integer}."""
        if self.values is not None:
            return {"values": list(self.values)}
        return {"min": self.min, "max": self.max, "log": self.log, "integer": self.integer}


def _metric(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise bad_request(field, f"{field} must name a scalar tag, e.g. loss/test")
    return value


class Objective(Body):
    metric: Annotated[str, rule(_metric), Field(json_schema_extra={"examples": ["loss/test"]})]
    goal: Literal["min", "max"] = "min"
    summary: Literal["last", "min", "max"] = Field(default="last", description="which of a trial's values counts")


MinSteps = Annotated[int, rule(lambda value, field: v.integer(value, field, minimum=0)), Field(ge=0)]
MinTrials = Annotated[int, rule(lambda value, field: v.integer(value, field, minimum=1)), Field(
    ge=1, description="other trials that must have reached the step before comparing")]


class EarlyStop(Body):
    rule: Literal["median"] = "median"
    min_steps: MinSteps = 0
    min_trials: MinTrials = 2


class SweepCreate(Body):
    """A sweep: its search, and the run fields every trial shares (as for POST /runs)."""

    model_config = ConfigDict(populate_by_name=True)

    method: Method = "grid"
    parameters: Annotated[dict[str, Parameter], rule(_names)]
    trials: Annotated[int | None, _optional(lambda value, field: v.integer(value, field, 1, MAX_TRIALS))] = Field(
        default=None, description="random sweeps: how many trials to draw", ge=1, le=MAX_TRIALS)
    seed: Annotated[int | None, _optional(lambda value, field: v.integer(value, field, 0, 2**63 - 1))] = Field(
        default=None, description="random sweeps: the same seed draws the same trials (default: a random one)")
    as_: Literal["args", "env"] = Field(default="args", alias="as", description=(
        "args: `--name value` appended (unless args_template); env: a variable per param"))
    args_template: Annotated[list[str] | None, _optional(v.string_list)] = Field(
        default=None, description="appended to args with {name} and {run_id} filled in")
    max_parallel: Annotated[int | None, _optional(lambda value, field: v.integer(value, field, minimum=1))] = Field(
        default=None, ge=1, description="trials active at once (default: as many as the queue allows)")
    objective: Annotated[Objective | None, _object('{"metric": "loss/test", "goal": "min"}')] = None
    early_stop: Annotated[EarlyStop | None, _object('{"rule": "median", "min_steps": 5}')] = None
    confirm: Annotated[bool | None, _optional(flag)] = Field(
        default=None, description=f"needed for a grid over {CONFIRM_OVER:,} trials")
    # What every trial's run body shares.
    args: Args = None
    env: Env = None
    gpus: Gpus = None
    executor: str | None = None
    priority: Priority = None
    resources: ResourceLimits = None
    preset: str | None = None

    @model_validator(mode="after")
    def _names_fit(self) -> SweepCreate:
        for name, spec in self.parameters.items():
            if self.as_ == "env" and not v.ENV_KEY_RE.fullmatch(name):
                raise Invalid("parameters", f"parameter {name!r} cannot be an environment variable name")
            if self.method == "grid" and spec.values is None:
                raise Invalid(f"parameters.{name}.values", f"parameters.{name}: a grid sweep needs a list of values")
        for item in self.args_template or []:
            for match in PLACEHOLDER_RE.finditer(item):
                key = match.group(1)
                if key is not None and key not in self.parameters and key != "run_id":
                    raise Invalid("args_template", f"args_template names {{{key}}}, which is not a parameter "
                                                   "(or run_id)")
        return self

    @model_validator(mode="after")
    def _size(self) -> SweepCreate:
        if self.method == "grid" and self.trials is not None:
            raise Invalid("trials", "trials is for random sweeps; a grid runs every combination")
        if self.method == "random" and self.trials is None:
            raise Invalid("trials", "a random sweep needs trials (how many to draw)")
        count = self.trial_count()
        if self.method == "grid" and count > CONFIRM_OVER and self.confirm is not True:
            raise Invalid("confirm", f"this grid is {count} trials; pass confirm: true to queue them")
        if count > MAX_TRIALS:
            raise Invalid("parameters", f"a sweep has at most {MAX_TRIALS} trials (this one {count})")
        if self.early_stop is not None and self.objective is None:
            raise Invalid("objective", "early_stop needs an objective to compare trials by")
        return self

    def trial_count(self) -> int:
        if self.method == "random":
            return self.trials
        return math.prod(len(p.values) for p in self.parameters.values())


#: The run fields a sweep body may carry (what each trial's run body shares).
SWEEP_RUN_FIELDS = ("args", "env", "gpus", "executor", "priority", "resources", "preset")


# -- views --------------------------------------------------------------------------------------
class SweepBest(View):
    run: str
    value: float


class SweepTrial(View):
    id: str
    state: RunState
    params: dict[str, Any]
    value: float | None = Field(description="the objective's value (null without an objective)")
    early_stopped: bool
    message: str | None
    started: Timestamp | None
    ended: Timestamp | None


class Sweep(View):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    project: str
    state: SweepState
    method: Method
    parameters: dict[str, Parameter]
    seed: int
    as_: Literal["args", "env"] = Field(alias="as")
    args_template: list[str] | None
    max_parallel: int | None
    objective: Objective | None
    early_stop: EarlyStop | None
    run: dict[str, Any] = Field(description="what every trial shares (env keys only)")
    trials: dict[str, int] = Field(description="total, then trials per run state, and early_stopped")
    best: SweepBest | None
    message: str | None
    created: Timestamp
    ended: Timestamp | None
    runs: list[SweepTrial] = Field(default=None, description="the trials in order (single-sweep view only)")


class SweepList(View):
    sweeps: list[Sweep]
