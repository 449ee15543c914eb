"""What every model shares: request bodies that refuse unknown fields, response views that
cannot grow a field the schema does not list, and pydantic errors turned into Beekeeper's 400s.

The rules themselves live in validation.py (they are also used on their own, e.g. by the CLI);
`rule()` makes one of them a field validator that keeps its message.
"""

from __future__ import annotations

from typing import Annotated, Any, Callable, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo

from ..errors import BeekeeperError, bad_request

M = TypeVar("M", bound=BaseModel)

#: An ISO 8601 UTC time as the store writes it (kept as text: the API returns it unchanged).
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


def no_defaults(schema: dict) -> None:
    """For models whose unset fields mean "not given" (or "left out"), not a default value."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


def no_null_defaults(schema: dict) -> None:
    """A null default on a body field means "not given", not a value a client could send."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


class Body(BaseModel):
    """A request body: unknown fields are an error, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=no_null_defaults)


class View(BaseModel):
    """A response: `additionalProperties: false`, so a field rendered but not declared fails.
    A field with a default may be left out of the answer; none is ever filled in by a client."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=no_defaults)

    def dump(self) -> dict[str, Any]:
        """The JSON view; fields left unset (e.g. a project's packages in a list) are left out."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


def rule(check: Callable[..., Any]) -> BeforeValidator:
    """Use a validation.py check (`check(value, field)`) as a field validator, keeping its message."""

    def run(value: Any, info: ValidationInfo) -> Any:
        try:
            return check(value, info.field_name)
        except BeekeeperError as exc:
            raise ValueError(exc.message) from None

    return BeforeValidator(run)


def flag(value: Any, field: str) -> bool:
    """A JSON true or false, nothing that merely looks like one ("yes", 1)."""
    if not isinstance(value, bool):
        raise bad_request(field, f"{field} must be true or false")
    return value


strict_bool = rule(flag)


class Invalid(ValueError):
    """A model-level check's complaint about one field (`at`, dotted, below the model's own place)."""

    def __init__(self, at: str, message: str):
        super().__init__(message)
        self.at = at


def _message(error: dict, field: str) -> str:
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    if error["type"] == "extra_forbidden":
        return f"unknown field {field!r}"
    if error["type"] == "missing":
        return f"{field} is required"
    return f"{field}: {error['msg'][:1].lower()}{error['msg'][1:]}"


def parse(model: type[M], body: Any, context: dict | None = None) -> M:
    """Validate a request body, or raise a 400 naming the first bad field (unknown fields first)."""
    if not isinstance(body, dict):
        raise bad_request("body", "the request body must be a JSON object")
    try:
        return model.model_validate(body, context=context)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        loc = [str(part) for part in first["loc"]]
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, Invalid):
            loc.append(cause.at)
        field = ".".join(loc) or "body"
        raise bad_request(field, _message(first, field)) from None
