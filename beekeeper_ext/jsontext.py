"""JSON text on the hot paths: API answers and the JSON columns of stored rows.

orjson encodes a page of 100 runs (≈180 kB) in a twentieth of the stdlib's time and parses the
small JSON columns of a row several times faster (bench/runs_list.py). The stdlib takes over for
the little orjson refuses: integers beyond 64 bits on the way out, and NaN/Infinity that the
stdlib wrote into older rows on the way in. Unlike the stdlib, orjson writes NaN as null, which is
what a JSON client can parse. An environment installed before orjson became a dependency keeps
working on the stdlib alone (slower, and NaN written as NaN as before).
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # an editable install from before the dependency: `pip install -e .` adds it
    orjson = None


def dumps(value: Any) -> bytes:
    if orjson is not None:
        try:
            return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)  # {1: ...} → {"1": ...} like json
        except TypeError:
            pass
    return json.dumps(value).encode()


def loads(text: str | bytes) -> Any:
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
