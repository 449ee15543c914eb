"""The OpenAPI 3 document, assembled from the handler table so it cannot drift from the routes.

Each handler class describes its own methods in an `openapi` class attribute
(`{"get": op(...), ...}`); this module turns route regexes into OpenAPI paths and adds the
shared schemas. tests/test_openapi.py checks every routed method is documented and back.
"""

from __future__ import annotations

import re
from typing import Any

from . import __version__
from .urls import API_PREFIX, absolute
PARAM_RE = re.compile(r"\(\?P<(\w+)>[^)]*\)")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")

ERROR = {"$ref": "#/components/responses/Error"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string"},
            "field": {"type": "string", "description": "the request field the error is about"},
        },
    },
    "Python": {
        "type": "object",
        "properties": {"version": {"type": "string"}, "path": {"type": "string"},
                       "implementation": {"type": "string"}, "source": {"type": "string"}},
    },
    "ProjectCreate": {
        "type": "object",
        "required": ["name", "git_url"],
        "properties": {
            "name": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"},
            "git_url": {"type": "string"},
            "branch": {"type": "string", "default": "main"},
            "python_version": {"type": "string", "example": "3.12"},
            "train_file": {"type": "string", "default": "train.py"},
            "tensorboard_log_dir": {"type": "string", "default": "runs"},
            "requirements_file": {"type": "string", "default": "requirements.txt"},
            "env": {"type": "object", "additionalProperties": {"type": "string"}},
            "credentials": {"type": "object", "properties": {"username": {"type": "string"},
                                                             "token": {"type": "string"}},
                            "writeOnly": True},
            "default_executor": {"type": "string"},
            "stall_timeout": {"type": "integer", "minimum": 0, "default": 1800,
                              "description": "seconds without log output, scalar step or GPU use before a "
                                             "running run is flagged stalled; 0 = never"},
            "stall_action": {"type": "string", "enum": ["notify", "stop"], "default": "notify"},
            "metric_patterns": {"type": "array", "items": {"type": "string"}, "nullable": True,
                                "description": "regexes with groups name, value (and step) read from the "
                                               "run's output; null: the default key=value pattern; []: off"},
        },
    },
    "Project": {
        "type": "object",
        "properties": {
            "name": {"type": "string"}, "git_url": {"type": "string"}, "branch": {"type": "string"},
            "python_version": {"type": "string", "nullable": True},
            "python": {"type": "object", "properties": {"version": {"type": "string", "nullable": True},
                                                        "path": {"type": "string", "nullable": True}}},
            "train_file": {"type": "string"},
            "tensorboard_log_dir": {"type": "string"}, "requirements_file": {"type": "string"},
            "env": {"type": "object"}, "has_credentials": {"type": "boolean"},
            "default_executor": {"type": "string", "nullable": True},
            "stall_timeout": {"type": "integer"},
            "stall_action": {"type": "string", "enum": ["notify", "stop"]},
            "metric_patterns": {"type": "array", "items": {"type": "string"}, "nullable": True},
            "setup": {
                "type": "object",
                "properties": {
                    "state": {"type": "string", "enum": ["queued", "cloning", "creating_env",
                                                         "installing", "ready", "failed"]},
                    "message": {"type": "string", "nullable": True},
                    "warning": {"type": "string", "nullable": True},
                    "commit": {"type": "string", "nullable": True},
                    "started": {"type": "string", "format": "date-time", "nullable": True},
                    "ended": {"type": "string", "format": "date-time", "nullable": True},
                    "package_count": {"type": "integer"},
                    "packages": {"type": "array", "items": {"type": "string"},
                                 "description": "the frozen package list (single-project view only)"},
                },
            },
            "paths": {"type": "object", "properties": {"root": {"type": "string"}, "src": {"type": "string"},
                                                       "venv": {"type": "string"}}},
            "created": {"type": "string", "format": "date-time"},
            "updated": {"type": "string", "format": "date-time"},
        },
    },
    "Run": {
        "type": "object",
        "properties": {
            "id": {"type": "string"}, "project": {"type": "string"},
            "state": {"type": "string", "enum": ["queued", "starting", "running", "succeeded",
                                                 "failed", "stopped", "lost"]},
            "command": {"type": "array", "items": {"type": "string"}},
            "commit": {"type": "string", "nullable": True},
            "gpus": {"type": "array", "items": {"type": "integer"}},
            "executor": {"type": "string"},
            "created": {"type": "string", "format": "date-time"},
            "started": {"type": "string", "format": "date-time", "nullable": True},
            "ended": {"type": "string", "format": "date-time", "nullable": True},
            "exit_code": {"type": "integer", "nullable": True},
            "energy": {"type": "object", "nullable": True, "description": "measured energy and cost; "
                       "a null figure comes with its reason", "properties": {
                           "gpu_wh": {"type": "number", "nullable": True},
                           "cpu_wh": {"type": "number", "nullable": True},
                           "cost": {"type": "number", "nullable": True},
                           "currency": {"type": "string", "nullable": True},
                           "gpu_reason": {"type": "string", "nullable": True},
                           "cpu_reason": {"type": "string", "nullable": True},
                           "cost_reason": {"type": "string", "nullable": True},
                           "samples": {"type": "integer"}}},
            "stalled_since": {"type": "string", "format": "date-time", "nullable": True,
                              "description": "set while the stall watchdog finds the run making no progress"},
            "queue_position": {"type": "integer", "nullable": True, "description": "1 = next to start"},
            "priority": {"type": "integer", "description": "higher starts first; FIFO within a priority"},
            "sweep": {"type": "string", "nullable": True, "description": "the sweep this run is a trial of"},
            "params": {"type": "object", "description": "parsed from args (--lr 0.01, --lr=0.01, lr=0.01, "
                                                        "--flag), plus gpus, commit and executor"},
            "metrics": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/MetricSummary"},
                        "description": "per scalar tag of the run's own event files (and printed metrics)"},
        },
    },
    "MetricSummary": {
        "type": "object",
        "required": ["last", "min", "max", "step", "count"],
        "properties": {
            "last": {"type": "number", "nullable": True, "description": "the value at the highest step"},
            "min": {"type": "number", "nullable": True}, "max": {"type": "number", "nullable": True},
            "step": {"type": "integer", "nullable": True}, "count": {"type": "integer"},
        },
    },
    "Scalars": {
        "type": "object",
        "required": ["tag", "points", "downsampled"],
        "properties": {
            "tag": {"type": "string"},
            "points": {"type": "array", "description": "[step, wall_time, value] in step order",
                       "items": {"type": "array", "minItems": 3, "maxItems": 3,
                                 "items": {"type": "number", "nullable": True}}},
            "downsampled": {"type": "boolean", "description": "true when each bucket kept only its min and max"},
        },
    },
    "UsageHistory": {
        "type": "object",
        "required": ["interval", "samples"],
        "properties": {
            "interval": {"type": "number", "description": "usage_interval, seconds"},
            "samples": {"type": "array", "items": {"type": "object", "properties": {
                "time": {"type": "number"}, "cpu_percent": {"type": "number"}, "rss_bytes": {"type": "integer"},
                "processes": {"type": "integer"},
                "gpus": {"type": "array", "items": {"type": "object", "properties": {
                    "index": {"type": "integer"}, "utilization": {"type": "number", "nullable": True},
                    "memory_used": {"type": "integer", "nullable": True},
                    "memory_total": {"type": "integer", "nullable": True},
                    "run_memory_bytes": {"type": "integer"}}}}}}},
        },
    },
}


def op(summary: str, response: dict | str | None = None, status: int = 200, body: dict | str | None = None,
       query: dict[str, str] | None = None, binary: bool = False) -> dict:
    """Describe one operation briefly: a summary, its JSON body and response, its query parameters."""
    def schema(value):
        return {"$ref": f"#/components/schemas/{value}"} if isinstance(value, str) else value

    content_type = "application/octet-stream" if binary else "application/json"
    ok: dict[str, Any] = {"description": "success"}
    if response is not None:
        ok["content"] = {content_type: {"schema": schema(response)}}
    out: dict[str, Any] = {
        "summary": summary,
        "responses": {str(status): ok, "400": ERROR, "403": ERROR, "404": ERROR},
    }
    if body is not None:
        out["requestBody"] = {"content": {"application/json": {"schema": schema(body)}}}
    if query:
        out["parameters"] = [
            {"name": key, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
            for key, text in query.items()
        ]
    return out


def api_path(pattern: str) -> str | None:
    """`/beekeeper/api/projects/(?P<name>[^/]+)` → `/projects/{name}`; None for non-API routes."""
    if not pattern.startswith(API_PREFIX + "/"):
        return None
    return PARAM_RE.sub(lambda m: "{" + m.group(1) + "}", pattern[len(API_PREFIX):]).rstrip("$")


def document(routes: list[tuple], base_url: str = "/") -> dict:
    """The document for a server mounted at `base_url`: `servers` carries that prefix."""
    paths: dict[str, dict] = {}
    for route in routes:
        pattern, handler = route[0], route[1]
        path = api_path(pattern)
        if path is None:
            continue
        entry: dict[str, Any] = {}
        params = PARAM_RE.findall(pattern)
        if params:
            entry["parameters"] = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
            ]
        for method, operation in getattr(handler, "openapi", {}).items():
            entry[method] = operation
        paths[path] = entry
    return {
        "openapi": "3.0.3",
        "info": {"title": "Beekeeper", "version": __version__,
                 "description": "Training projects, runs, logs, metrics and TensorBoard inside Jupyter. "
                                "Authenticate as with any Jupyter Server API: `Authorization: token ...`."},
        "servers": [{"url": absolute(base_url, API_PREFIX)}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": {"Error": {"description": "error", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}},
        },
        "security": [{"token": []}],
    }


def routed_methods(handler) -> set[str]:
    """HTTP methods a handler class really implements (not tornado's 405 defaults)."""
    from tornado.web import RequestHandler

    return {m for m in HTTP_METHODS if getattr(handler, m, None) is not getattr(RequestHandler, m, None)}


def main() -> None:
    import json

    from .handlers import routes

    print(json.dumps(document(routes()), indent=1, sort_keys=False))


if __name__ == "__main__":
    main()
