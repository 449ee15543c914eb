"""GET /openapi.json is a valid OpenAPI 3 document that matches the handler table both ways."""

from __future__ import annotations

import pytest

from beekeeper_ext.handlers import routes
from beekeeper_ext.openapi import API_PREFIX, api_path, routed_methods


async def test_openapi_document_is_valid_and_complete(api, jp_base_url):
    code, doc = await api.get("openapi.json")
    assert code == 200
    assert doc["openapi"].startswith("3.")
    assert doc["servers"] == [{"url": jp_base_url.rstrip("/") + API_PREFIX}]  # the server's base_url

    routed: set[tuple[str, str]] = set()
    for pattern, handler, *_ in routes():
        path = api_path(pattern)
        if path is None:
            continue  # the TensorBoard proxy is not part of the JSON API
        for method in routed_methods(handler):
            routed.add((path, method))
    documented = {(path, method) for path, entry in doc["paths"].items()
                  for method in entry if method in ("get", "post", "put", "patch", "delete")}
    assert routed - documented == set(), "routed but not documented"
    assert documented - routed == set(), "documented but not routed"
    for path, method in documented:
        operation = doc["paths"][path][method]
        assert operation["summary"] and operation["responses"], (path, method)
        params = {p["name"] for p in doc["paths"][path].get("parameters", [])}
        assert params == set(part[1:-1] for part in path.split("/") if part.startswith("{")), path

    # The project endpoints of this issue are all there.
    for path, method in [("/pythons", "get"), ("/projects", "get"), ("/projects", "post"),
                         ("/projects/{name}", "get"), ("/projects/{name}", "patch"),
                         ("/projects/{name}", "delete"), ("/projects/{name}/setup", "post"),
                         ("/projects/{name}/setup/log", "get"), ("/openapi.json", "get")]:
        assert (path, method) in documented

    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(doc)


async def test_openapi_create_schema_matches_the_service(api):
    """The documented create fields are exactly the ones the service accepts."""
    from beekeeper_ext.projects import CREATE_FIELDS

    code, doc = await api.get("openapi.json")
    schema = doc["components"]["schemas"]["ProjectCreate"]
    assert set(schema["properties"]) == CREATE_FIELDS
    code, project_doc = await api.get("openapi.json")
    assert project_doc == doc  # stable between calls


async def test_project_schema_describes_a_real_project(api, ready_project):
    """Every key of a real project (and of its setup block) is in the documented Project schema."""
    project = await ready_project("documented")
    project.pop("_repo")
    code, doc = await api.get("openapi.json")
    schema = doc["components"]["schemas"]["Project"]["properties"]
    assert set(project) <= set(schema), set(project) - set(schema)
    assert set(project["setup"]) <= set(schema["setup"]["properties"])
    assert set(project["paths"]) <= set(schema["paths"]["properties"])
    assert project["setup"]["state"] in schema["setup"]["properties"]["state"]["enum"]
