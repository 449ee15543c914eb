"""A run's parameters, read from the arguments it was started with.

So runs can be compared by what they were asked to do without the training code declaring
anything: `--lr 0.01`, `--lr=0.01`, `lr=0.01` (Hydra overrides, `+x=1` and `~x` included),
`-n 3` and bare `--flag` (true) all become params; numbers become numbers. Positional
arguments that name nothing are kept in order under `positional`. Env values are never params
(they may be secrets); the run's `gpus`, `commit` and `executor` are added unless an argument
already used that name.
"""

from __future__ import annotations

import json
import math
import re

NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
KEY_RE = re.compile(r"^[A-Za-z_][\w.\-/]*$")
OPTION_RE = re.compile(r"^--?([A-Za-z_][\w.\-]*)$")


def typed(text: str):
    """'0.01' → 0.01, '3' → 3, 'true' → True, 'null' → None, '[1,2]' → [1, 2]; else the string."""
    if NUMBER_RE.match(text):
        number = float(text)
        if re.match(r"^[+-]?\d+$", text):
            return int(text)
        return number if math.isfinite(number) else text
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "none"):
        return None
    if text[:1] in "[{" and text[-1:] in "]}":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _is_value(token: str) -> bool:
    """Whether the token after `--key` is its value rather than the next option."""
    return not OPTION_RE.match(token) and not (token.startswith("--") and "=" in token)


def parse_args(args: list[str]) -> dict:
    """The params named by a command line, later occurrences winning like argparse's."""
    params: dict = {}
    positional: list = []
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if token == "--":
            positional.extend(typed(t) for t in args[i:])
            break
        if token.startswith("-") and not NUMBER_RE.match(token):
            body = token.lstrip("-")
            key, eq, value = body.partition("=")
            if not KEY_RE.match(key or "-"):
                positional.append(token)
                continue
            key = key.replace("-", "_") if token.startswith("--") else key
            if eq:
                params[key] = typed(value)
            elif i < len(args) and _is_value(args[i]):
                params[key] = typed(args[i])
                i += 1
            else:
                params[key] = True
            continue
        key, eq, value = token.partition("=")
        if eq and KEY_RE.match(key.lstrip("+~")):
            params[key.lstrip("+~")] = typed(value)
        elif token.startswith("~") and KEY_RE.match(token[1:]):
            params[token[1:]] = None  # Hydra: delete a config entry
        else:
            positional.append(typed(token))
    if positional:
        params["positional"] = positional
    return params


def run_params(row: dict) -> dict:
    """Args-derived params plus where and how the run ran (never its env)."""
    stored = row.get("params")  # parsed once when the run was made
    params = dict(stored) if isinstance(stored, dict) else parse_args(list(row.get("args") or []))
    params.setdefault("gpus", list(row.get("gpus") or []))
    params.setdefault("commit", row.get("commit_sha"))
    params.setdefault("executor", row.get("executor"))
    return params
