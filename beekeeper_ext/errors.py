"""The one error type services raise; handlers turn it into a JSON body."""

from __future__ import annotations


class BeekeeperError(Exception):
    """A failure the client can act on: an HTTP status, a message and, for bad input, the field."""

    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def to_json(self) -> dict:
        body = {"message": self.message}
        if self.field:
            body["field"] = self.field
        return body


def bad_request(field: str, message: str) -> BeekeeperError:
    return BeekeeperError(400, message, field)


def not_found(what: str) -> BeekeeperError:
    return BeekeeperError(404, f"{what} not found")


def conflict(message: str, field: str | None = None) -> BeekeeperError:
    return BeekeeperError(409, message, field)
