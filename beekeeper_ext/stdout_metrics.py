"""Scalars printed to a run's output, for scripts that write no TensorBoard files.

A project's `metric_patterns` is a list of regular expressions with named groups `name` and
`value` (and optionally `step`); every match on a log line is one point. A pattern without a
`step` group takes the step from the line itself (`step 10`, `epoch=3`, `iter: 7`, ...), and
lines that carry no step number are skipped, so ordinary chatter (`lr=0.01` in a banner) is
not a metric. `None` means DEFAULT_PATTERNS (`key=value` and `key: value` pairs); `[]` turns
stdout metrics off. Beekeeper's own `[beekeeper] ...` lines are never read.
"""

from __future__ import annotations

import re

from .errors import bad_request

NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)"
DEFAULT_PATTERNS = [
    rf"(?<![\w./-])(?P<name>[A-Za-z_][\w./-]*)\s*[=:]\s*(?P<value>{NUMBER})(?![\w.:])",
]
STEP_WORDS = ("global_step", "step", "epoch", "iteration", "iter", "it")
STEP_RE = re.compile(r"(?i)(?<![\w])(?:" + "|".join(STEP_WORDS) + r")\b\s*[=:#]?\s*\[?(\d+)")
MAX_PATTERNS = 20
MAX_PATTERN_LENGTH = 500
MARK = b"[beekeeper] "
#: Every step word contains one of these: ASCII text without any (in any case) cannot match STEP_RE.
STEP_NEEDLES = re.compile(b"|".join(w.encode() for w in STEP_WORDS
                                    if not any(o != w and o in w for o in STEP_WORDS)))


def validate(value, field: str = "metric_patterns") -> list[str] | None:
    """None (the default), or a list of compilable patterns that define `name` and `value`."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_PATTERNS:
        raise bad_request(field, f"{field} must be a list of at most {MAX_PATTERNS} regular expressions, "
                                 "or null for the default")
    for index, pattern in enumerate(value):
        if not isinstance(pattern, str) or not pattern or len(pattern) > MAX_PATTERN_LENGTH:
            raise bad_request(field, f"{field}[{index}] must be a non-empty string of at most "
                                     f"{MAX_PATTERN_LENGTH} characters")
        try:
            groups = re.compile(pattern).groupindex
        except re.error as exc:
            raise bad_request(field, f"{field}[{index}] is not a valid regular expression: {exc}") from None
        if "name" not in groups or "value" not in groups:
            raise bad_request(field, f"{field}[{index}] needs the named groups (?P<name>...) and (?P<value>...)")
    return list(value)


class LineParser:
    """Compiled patterns; `points(lines, counts)` → [(tag, step, value)]."""

    def __init__(self, patterns: list[str] | None):
        self.patterns = [re.compile(p) for p in (DEFAULT_PATTERNS if patterns is None else patterns)]
        # Patterns without a step group only count lines that name a step (STEP_RE), so a line
        # without a step word is skipped before any pattern runs: the regexes over every line of
        # a fast run's output held the GIL and slowed the log WebSocket ~100x (bench/log_latency.py).
        self.need_step_word = all("step" not in p.groupindex for p in self.patterns)

    def points(self, data: bytes, counts: dict[str, int]) -> list[tuple[str, int, float]]:
        """Points from whole lines of log bytes. `counts` (tag → points so far) numbers the steps of
        patterns that have a step group that did not match."""
        out: list[tuple[str, int, float]] = []
        if not self.patterns or (self.need_step_word and not _may_name_step(data)):
            return out
        for raw in data.splitlines():
            if raw.startswith(MARK) or (self.need_step_word and not _may_name_step(raw)):
                continue
            out += self._line(raw.decode("utf-8", "replace"), counts)
        return out

    def _line(self, line: str, counts: dict[str, int]) -> list[tuple[str, int, float]]:
        out = []
        line_step: list[int] = []  # the step the line itself names (-1: none), looked for once if needed
        for pattern in self.patterns:
            has_step = "step" in pattern.groupindex
            for match in pattern.finditer(line):
                reading = _reading(match)
                if reading is None:
                    continue
                name, value = reading
                step = _own_step(match) if has_step else None
                if step is None:
                    if not line_step:
                        found = STEP_RE.search(line)
                        line_step.append(int(found.group(1)) if found else -1)
                    if line_step[0] >= 0:
                        step = line_step[0]
                    elif has_step:
                        step = counts.get(name, 0)
                    else:
                        continue  # no step on the line: not a metric line
                counts[name] = counts.get(name, 0) + 1
                out.append((name, step, value))
        return out


def _may_name_step(raw: bytes) -> bool:
    """False only for ASCII text with no step word in any case; other text goes to STEP_RE."""
    if not raw.isascii():
        return True  # (?i) also folds a few non-ASCII letters (e.g. U+017F to s)
    return STEP_NEEDLES.search(raw.lower()) is not None


def _reading(match: re.Match) -> tuple[str, float] | None:
    """(name, value) of one match; None for a step word or a value that is no number."""
    name = match.group("name")
    if not name or name.lower() in STEP_WORDS:
        return None
    try:
        return name, float(match.group("value"))
    except (TypeError, ValueError):
        return None


def _own_step(match: re.Match) -> int | None:
    """The match's own step group, if it matched a number."""
    if match.group("step") is None:
        return None
    try:
        return int(float(match.group("step")))
    except (ValueError, OverflowError):
        return None
