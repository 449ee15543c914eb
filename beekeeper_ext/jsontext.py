"""JSON text on the hot paths: API answers and the JSON columns of stored rows.

orjson encodes a page of 100 runs (≈180 kB) in a twentieth of the stdlib's time and parses the
small JSON columns of a row several times faster (bench/runs_list.py). The stdlib takes over for
the little orjson refuses: integers beyond 64 bits on the way out, and NaN/Infinity that the
stdlib wrote into older rows on the way in. Unlike the stdlib, orjson writes NaN as null, which is
what a JSON client can parse.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)  # {1: ...} → {"1": ...} like json
    except TypeError:
        return json.dumps(value).encode()


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
