"""The OpenAPI 3.1 document, assembled from the handler table so it cannot drift from the routes.

Each handler class describes its own methods in an `openapi` class attribute
(`{"get": op(...), ...}`); this module turns route regexes into OpenAPI paths and adds the
component schemas, generated from beekeeper_ext.models. tests/test_openapi.py checks every
routed method is documented and back; tests/conftest.py checks every response against it.

`python -m beekeeper_ext.openapi` prints the document (the front end generates its types from it).
"""

from __future__ import annotations

import re
from typing import Any

from . import __version__
from .urls import API_PREFIX, absolute

PARAM_RE = re.compile(r"\(\?P<(\w+)>[^)]*\)")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")

ERROR = {"$ref": "#/components/responses/Error"}
#: What any operation may answer: bad input, not allowed, not found, in conflict with the state.
ERRORS = (400, 403, 404, 409)

def _inline(node: Any, defs: dict[str, Any], keep: set[str]) -> Any:
    """Write a model's parts (a project's setup block, a run's usage) into it; keep refs to resources."""
    if isinstance(node, list):
        return [_inline(item, defs, keep) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref", "")
    name = ref.rsplit("/", 1)[-1]
    if ref and name not in keep:
        rest = {k: val for k, val in node.items() if k != "$ref"}
        return {**_inline(defs[name], defs, keep), **_inline(rest, defs, keep)}
    return {k: _inline(val, defs, keep) for k, val in node.items()}


def model_schemas() -> dict[str, Any]:
    """components.schemas, generated from the models (JSON Schema 2020-12, as OpenAPI 3.1 reads it)."""
    from pydantic.json_schema import models_json_schema

    from .models import schemas

    models = schemas()
    _, top = models_json_schema(models, ref_template="#/components/schemas/{model}")
    defs = top.get("$defs", {})
    keep = {model.__name__ for model, _ in models}
    return {name: _inline(defs[name], defs, keep) for name in sorted(keep)}


def _nullable(node: Any) -> Any:
    """Handlers may still write OpenAPI 3.0's `nullable`; 3.1 spells it as a type that admits null."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(val) for k, val in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in out and isinstance(out["type"], str):
        out["type"] = [out["type"], "null"]
    elif node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def op(summary: str, response: dict | str | None = None, status: int = 200, body: dict | str | None = None,
       query: dict[str, str] | None = None, binary: bool = False, also: tuple[int, ...] = (),
       errors: tuple[int, ...] = ERRORS) -> dict:
    """Describe one operation briefly: a summary, its JSON body and response (for `status` and the
    other success statuses in `also`), the error statuses it may answer, its query parameters."""
    def schema(value):
        return {"$ref": f"#/components/schemas/{value}"} if isinstance(value, str) else _nullable(value)

    content_type = "application/octet-stream" if binary else "application/json"
    ok: dict[str, Any] = {"description": "success"}
    if response is not None:
        ok["content"] = {content_type: {"schema": schema(response)}}
    out: dict[str, Any] = {
        "summary": summary,
        "responses": {**{str(code): ok for code in (status, *also)}, **{str(code): ERROR for code in errors}},
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
        "openapi": "3.1.0",
        "info": {"title": "Beekeeper", "version": __version__,
                 "description": "Training projects, runs, logs, metrics and TensorBoard inside Jupyter. "
                                "Authenticate as with any Jupyter Server API: `Authorization: token ...`."},
        "servers": [{"url": absolute(base_url, API_PREFIX)}],
        "paths": paths,
        "components": {
            "schemas": model_schemas(),
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
