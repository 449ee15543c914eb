"""The one error type services raise. It is a tornado `HTTPError`, so it travels as Jupyter's own
API errors do: raised anywhere in a request (prepare, a handler method, a service below), tornado
sends its status and the handler base's `write_error` renders `{"message", "field"}` once."""

from __future__ import annotations

from typing import Any, Callable

from tornado.web import HTTPError


class BeekeeperError(HTTPError):
    """A failure the client can act on: an HTTP status, a message and, for bad input, the field."""

    def __init__(self, status: int, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None):
        # No log_message: tornado would log it with the request URI, which may carry ?token=.
        super().__init__(status)
        self.args = (message,)
        self.status = status
        self.message = message
        self.field = field
        #: Response headers that belong with the error (e.g. Content-Range on a 416).
        self.headers = dict(headers or {})

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict:
        body = {"message": self.message}
        if self.field:
            body["field"] = self.field
        return body


def bad_request(field: str, message: str) -> BeekeeperError:
    return BeekeeperError(400, message, field)


def not_found(what: str) -> BeekeeperError:
    return BeekeeperError(404, f"{what} not found")


def found(get: Callable[[str], dict | None], kind: str, key: Any) -> dict:
    """The row `get(key)` finds, else a 404 naming it: a key that is no string (a JSON body's
    number, say) finds nothing rather than reaching the store."""
    row = get(key) if isinstance(key, str) else None
    if row is None:
        raise not_found(f"{kind} {key!r}")
    return row


def conflict(message: str, field: str | None = None) -> BeekeeperError:
    return BeekeeperError(409, message, field)
