"""Tokens never reach a log line: a logging Filter that masks them in every record it sees.

It masks `token=…` (and `_xsrf=…`) in URLs, `Authorization: token|bearer …` in header dumps,
and the literal values it is given (the server's own token). BeekeeperApp installs it on the
loggers Beekeeper writes through — its own, the server's (which handlers and the proxy library
use) and tornado's (uncaught errors quote the request URI) — and on the server log's handlers,
so records propagated there from other loggers are masked too.
"""

from __future__ import annotations

import logging
import re
from typing import Iterable

MASK = "[secret]"
QUERY_RE = re.compile(r"(?i)\b(token|_xsrf|access_token)=([^&\s'\"#;,)]+)")
HEADER_RE = re.compile(r"(?i)\b(authorization['\"]?\s*[:=,]\s*['\"]?\s*(?:token|bearer|basic)\s+)([^\s'\",;)}]+)")


class TokenMask(logging.Filter):
    """Rewrites each record's message (and traceback) with secrets masked; never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = {s for s in secrets if s and len(s) >= 8}

    def mask(self, text: str) -> str:
        text = QUERY_RE.sub(lambda m: f"{m.group(1)}={MASK}", text)
        text = HEADER_RE.sub(lambda m: m.group(1) + MASK, text)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_beekeeper_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error report
            return True
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        record._beekeeper_masked = True
        return True


def install(mask: TokenMask, loggers: Iterable[logging.Logger]) -> None:
    """Attach `mask` to each logger and to each of its handlers (once)."""
    for logger in loggers:
        for target in (logger, *logger.handlers):
            if not any(isinstance(f, TokenMask) for f in target.filters):
                target.addFilter(mask)


def beekeeper_loggers(server_log: logging.Logger) -> list[logging.Logger]:
    """The loggers Beekeeper's lines go through: its modules', the server's and tornado's."""
    names = [n for n in logging.root.manager.loggerDict if n == "beekeeper" or n.startswith(("beekeeper.",
                                                                                                 "beekeeper_ext"))]
    return [server_log, *(logging.getLogger(n) for n in ("beekeeper", *names, "tornado.access",
                                                          "tornado.application", "tornado.general"))]
