"""A notification sink (one model per kind: an HTTP URL, or an SMTP server and mailboxes), the
delivery record, and the test-message answer.

A body is the create model of its `kind` (a discriminated union); a PATCH is checked as the
stored sink with the sent fields laid over it (notifications.py). The view (one shape,
with the fields of the sink's kind) never carries a secret: a URL is shown masked, a password
only as `password_set`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union
from urllib.parse import urlsplit

from pydantic import Field, RootModel

from .. import validation as v
from ..errors import bad_request
from .base import Body, Timestamp, View, no_defaults, rule, strict_bool

UrlKind = Literal["webhook", "slack", "discord", "ntfy"]
Kind = Literal[UrlKind, "email"]
KINDS: tuple[str, ...] = ("webhook", "slack", "discord", "ntfy", "email")
Event = Literal["succeeded", "failed", "stopped", "lost", "stalled", "sweep_finished", "setup_failed",
                "disk_full", "gpu_hot"]
EVENTS: tuple[str, ...] = Event.__args__
#: The events of a run's end (and its stall), told from run transitions.
RUN_EVENTS: tuple[str, ...] = EVENTS[:5]
Security = Literal["starttls", "ssl", "none"]
SECURITY: tuple[str, ...] = Security.__args__
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


# -- the rules (each keeps the message the API has always given) ------------------------------
def _name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise bad_request(field, f"{field} must be a non-empty string of at most 100 characters")
    return value.strip()


def _events(value: Any, field: str) -> list[str]:
    """Any order in, the canonical order out."""
    if not isinstance(value, list) or not value or not all(e in EVENTS for e in value):
        raise bad_request(field, f"{field} must be a non-empty list of: {', '.join(EVENTS)}")
    return [e for e in EVENTS if e in value]


def _url(value: Any, field: str) -> str:
    if not isinstance(value, str) or any(c in value for c in "\x00\r\n \t"):
        raise bad_request(field, f"{field} must be an http or https URL")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request(field, f"{field} must be an http or https URL")
    return value


def _host(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\x00\r\n /"):
        raise bad_request(field, f"{field} must be the SMTP server's name or address")
    return value.strip()


def _security(value: Any, field: str) -> str:
    if value not in SECURITY:
        raise bad_request(field, f"{field} must be one of {', '.join(SECURITY)}")
    return value


def _login(value: Any, field: str) -> str | None:
    """SMTP login parts: no CR/LF, so no header or command can be smuggled in; empty is none."""
    if value is not None and (not isinstance(value, str) or any(c in value for c in "\x00\r\n")):
        raise bad_request(field, f"{field} must be a string")
    return value or None


def _sender(value: Any, field: str) -> str:
    if not isinstance(value, str) or "@" not in value or any(c in value for c in "\r\n"):
        raise bad_request(field, f"{field} must be an e-mail address")
    return value


def _to(value: Any, field: str) -> list[str]:
    to = [value] if isinstance(value, str) else value
    if (not isinstance(to, list) or not to
            or not all(isinstance(a, str) and "@" in a and not any(c in a for c in "\r\n,") for a in to)):
        raise bad_request(field, f"{field} must be an e-mail address or a list of them")
    return to


Name = Annotated[str, rule(_name), Field(max_length=100)]
Events = Annotated[list[Event], rule(_events), Field(min_length=1, description="default: all of them")]
Url = Annotated[str, rule(_url), Field(json_schema_extra={"writeOnly": True, "format": "uri"},
                                       description="http(s); the masked form sent back keeps the stored URL")]
Port = Annotated[int, rule(lambda value, field: v.integer(value, field, minimum=1, maximum=65535)),
                 Field(ge=1, le=65535, description="default: 587 for starttls, 465 for ssl, 25 for none")]
Login = Annotated[str | None, rule(_login)]


# -- request bodies ---------------------------------------------------------------------------
class SinkBase(Body):
    name: Name = Field(default=None, description="default: the kind")
    events: Events = list(EVENTS)
    enabled: Annotated[bool, strict_bool] = True


class UrlSinkCreate(SinkBase):
    """A webhook (Beekeeper's JSON), Slack or Discord incoming webhook, or ntfy topic URL."""

    kind: UrlKind
    url: Url


class EmailSinkCreate(SinkBase):
    kind: Literal["email"]
    host: Annotated[str, rule(_host)]
    security: Annotated[Security, rule(_security)] = "starttls"
    port: Port = None
    username: Login = None
    password: Annotated[Login, Field(json_schema_extra={"writeOnly": True})] = None
    sender: Annotated[str, rule(_sender)]
    to: Annotated[list[str], rule(_to), Field(description="one address or a list")]


class SinkCreate(RootModel[Annotated[Union[UrlSinkCreate, EmailSinkCreate], Field(discriminator="kind")]]):
    """A new sink: the fields of its kind."""
#: The create model of each kind.
SINK_MODELS: dict[str, type[SinkBase]] = {**{k: UrlSinkCreate for k in UrlKind.__args__},
                                          "email": EmailSinkCreate}
#: Every field some kind of sink has.
SINK_FIELDS = set(UrlSinkCreate.model_fields) | set(EmailSinkCreate.model_fields)


class SinkUpdate(Body):
    """The fields to change, of the sink's own kind (its kind cannot change)."""

    model_config = {"json_schema_extra": no_defaults}

    name: Name = None
    events: Events = None
    enabled: Annotated[bool, strict_bool] = None
    url: Url = None
    host: str = None
    security: Security = None
    port: Port = None
    username: str | None = None
    password: Annotated[str | None, Field(json_schema_extra={"writeOnly": True})] = None
    sender: str = None
    to: str | list[str] = None


class TestRequest(Body):
    sink: Annotated[str, Field(min_length=1, description="a sink id")]


# -- views ------------------------------------------------------------------------------------
class Sink(View):
    """A sink as the API shows it: the fields of its kind only (url, or the SMTP ones), no secret."""

    id: str
    name: str
    kind: Kind
    events: list[Event]
    enabled: bool
    source: Literal["api", "config"] = Field(description="config: from c.BeekeeperApp.notification_sinks, "
                                                         "read-only here")
    created: Timestamp | None
    updated: Timestamp | None
    url: str = Field(default=None, description="masked: scheme, host and the last 4 characters")
    host: str = None
    port: int = None
    security: Security = None
    username: str | None = None
    password_set: bool = Field(default=None, description="whether a password is stored (never the password)")
    sender: str = None
    to: list[str] = None


class SinkList(View):
    sinks: list[Sink]
    events: list[Event]
    kinds: list[Kind]


class Delivery(View):
    """One attempt to deliver one message to one sink."""

    id: int
    sink_id: str
    sink_name: str | None
    kind: str | None
    event: str
    project: str | None
    run_id: str | None
    attempt: int
    ok: bool
    status: int | None = Field(description="the receiver's HTTP status")
    error: str | None = Field(description="what went wrong, secrets redacted")
    created: Timestamp


class DeliveryList(View):
    deliveries: list[Delivery]


class TestResult(View):
    delivered: bool
    attempts: list[Delivery]
