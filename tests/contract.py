"""Check a response against the OpenAPI document, so a rendered field the schema does not list
(or a status or route it does not name) fails the test that met it.

`tests/conftest.py` runs every response of the `Api` test client through `check`.
"""

from __future__ import annotations

import functools
import json
import re
from urllib.parse import unquote, urlsplit

import jsonschema

from beekeeper_ext.handlers import routes
from beekeeper_ext.openapi import api_path, document


@functools.lru_cache(maxsize=1)
def _doc() -> dict:
    return document(routes())


@functools.lru_cache(maxsize=1)
def _table() -> list[tuple[re.Pattern, str]]:
    """(tornado's pattern, the document's path) in routing order: tornado takes the first match."""
    return [(re.compile(pattern), api_path(pattern)) for pattern, *_ in routes()]


def _operation(path: str, method: str) -> tuple[str | None, dict | None]:
    for pattern, doc_path in _table():
        if pattern.fullmatch(path):
            if doc_path is None:
                return None, None
            return doc_path, _doc()["paths"][doc_path].get(method.lower())
    return None, None


def _response(operation: dict, status: int) -> dict | None:
    response = operation["responses"].get(str(status))
    ref = (response or {}).get("$ref")
    if ref:
        response = _doc()["components"]["responses"][ref.rsplit("/", 1)[-1]]
    return response


def check(method: str, url: str, base_url: str, status: int, content_type: str, body: bytes) -> None:
    """Raise AssertionError when the document does not describe this answer."""
    path = unquote(urlsplit(url).path)
    prefix = unquote(base_url).rstrip("/")
    assert path.startswith(prefix + "/"), (path, base_url)
    path = path[len(prefix):]
    doc_path, operation = _operation(path, method)
    where = f"{method} {path} → {status}"
    if doc_path is None:
        assert status == 404, f"{where}: no documented route answers this path"
        return
    if operation is None:
        assert status == 405, f"{where}: {method} is not documented for {doc_path}"
        return
    response = _response(operation, status)
    assert response is not None, f"{where}: status {status} is not documented for {method} {doc_path}"
    media = content_type.split(";")[0].strip()
    if "json" not in media or not body:
        return
    if media != "application/json" and media not in (response.get("content") or {}):
        return  # a file's own bytes in a JSON dialect (a notebook is application/x-ipynb+json): not an API shape
    schema = (response.get("content") or {}).get("application/json", {}).get("schema")
    assert schema is not None, f"{where}: JSON returned where the document names none"
    root = {**schema, "components": _doc()["components"]}
    try:
        jsonschema.Draft202012Validator(root).validate(json.loads(body))
    except jsonschema.ValidationError as exc:
        raise AssertionError(f"{where}: the answer does not match the document at "
                             f"{'/'.join(map(str, exc.absolute_path)) or '(root)'}: {exc.message}") from None


def check_message(path: str, text: str | bytes | None) -> None:
    """Raise AssertionError when a WebSocket text frame is none of the messages the document names
    for its route (the operation's `x-messages`; OpenAPI itself has no WebSocket messages)."""
    if text is None:
        return  # closed
    doc_path, operation = _operation(unquote(path), "GET")
    if doc_path is None:
        return  # not an API route (TensorBoard's own WebSocket through the proxy)
    assert operation is not None, f"WebSocket {path}: no documented route"
    messages = operation.get("x-messages")
    assert messages, f"WebSocket {doc_path}: the document names no messages"
    root = {"oneOf": messages, "components": _doc()["components"]}
    try:
        jsonschema.Draft202012Validator(root).validate(json.loads(text))
    except jsonschema.ValidationError as exc:
        raise AssertionError(f"WebSocket {doc_path}: a message off the document: {exc.message}") from None
