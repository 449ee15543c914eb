"""Beekeeper under a JupyterHub-style base_url (/user/alice/): the routes answer there, and every
URL the API hands back carries the prefix — Location headers, the OpenAPI `servers` entry, the
TensorBoard `url` — and works when followed: REST, a WebSocket stream and the TensorBoard proxy."""

from __future__ import annotations

import json

import pytest
from echo_server import echo_argv
from runhelpers import read_stream
from tornado.httpclient import AsyncHTTPClient

from beekeeper_ext import tensorboard

BASE = "/user/alice/"


@pytest.fixture
def jp_base_url():
    return BASE


@pytest.fixture
def echo_backend(bk_app, tmp_path, monkeypatch):
    monkeypatch.setattr(tensorboard, "tensorboard_argv", echo_argv(tmp_path))
    return bk_app.tensorboards


async def fetch_path(jp_http_port, jp_auth_header, path: str, **kwargs):
    """GET a path exactly as the API handed it back (from the server root)."""
    return await AsyncHTTPClient().fetch(f"http://127.0.0.1:{jp_http_port}{path}", headers=jp_auth_header,
                                         raise_error=False, follow_redirects=False, **kwargs)


async def test_urls_the_api_hands_back_carry_the_base_url(api, ready_project, echo_backend, jp_http_port,
                                                         jp_auth_header, jp_ws_fetch):
    code, doc = await api.get("openapi.json")
    assert code == 200 and doc["servers"] == [{"url": "/user/alice/beekeeper/api"}]

    repo_project = await ready_project("alice")
    response = await api.call("POST", "projects", body={"name": "bob", "git_url": repo_project["git_url"]},
                              raw=True)
    assert response.code == 201
    location = response.headers["Location"]
    assert location == "/user/alice/beekeeper/api/projects/bob"
    followed = await fetch_path(jp_http_port, jp_auth_header, location)
    assert followed.code == 200 and json.loads(followed.body)["name"] == "bob"
    await api.wait_setup("bob")

    # A WebSocket under the prefix: the setup log streams to its end.
    messages, end = await read_stream(jp_ws_fetch, ["beekeeper", "api", "projects", "alice", "setup", "log",
                                                    "stream"])
    assert messages and end["state"] == "ready"

    # TensorBoard: the url field is the proxy's full path, and following it reaches the board.
    code, status = await api.post("projects/alice/tensorboard")
    assert code == 202 and status["url"] == "/user/alice/beekeeper/tensorboard/alice/"
    root = await fetch_path(jp_http_port, jp_auth_header, status["url"])
    assert root.code == 302 and root.headers["Location"] == status["url"] + "?tensorboardColab=true"
    echoed = await fetch_path(jp_http_port, jp_auth_header, status["url"] + "data/x")
    seen = json.loads(echoed.body)
    assert echoed.code == 200 and seen["path"] == "/data/x"
    assert seen["headers"]["X-Forwarded-Prefix"] == "/user/alice/beekeeper/tensorboard/alice"
    # Outside the prefix nothing of Beekeeper answers.
    assert (await fetch_path(jp_http_port, jp_auth_header, "/beekeeper/api/projects")).code == 404
