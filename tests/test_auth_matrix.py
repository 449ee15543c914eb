"""Every route Beekeeper serves, every method it routes, refused without valid credentials.

The table is the handler table itself (`handlers.routes()`), so a new route cannot ship without
passing here: with no token, with a wrong token, and — for writes — with a valid login cookie but
no XSRF token, each answer is 401/403, never 2xx, and nothing changes (no project, run or
TensorBoard started, no file written). One real `jupyter server` serves the whole table.
Also: no Beekeeper handler method lacks Jupyter's auth decorators (what would make the server
emit JupyterServerAuthWarning), checked on the table and by starting a server that refuses
unauthenticated access with that warning turned into an error (pyproject filterwarnings).
"""

from __future__ import annotations

import re

import pytest
from jupyter_server.serverapp import ServerWebApplication
from jupyter_server_proxy.handlers import LocalProxyHandler
from rawhttp import WS_UPGRADE, raw, snapshot, start_with_project, state
from tornado.websocket import WebSocketHandler

from beekeeper_ext.handlers import routes
from beekeeper_ext.openapi import routed_methods

PARAM_RE = re.compile(r"\(\?P<(\w+)>[^)]*\)")
PROXY_METHODS = ("get", "head", "options", "post", "put", "patch", "delete")
WRITES = {"post", "put", "patch", "delete"}


def table() -> list[tuple[str, str, str, str]]:
    """(pattern, method, kind, credentials) for every routed method of every route."""
    cases = []
    for pattern, handler, *_ in routes():
        if issubclass(handler, LocalProxyHandler):
            methods, kind = PROXY_METHODS, "proxy"
        elif issubclass(handler, WebSocketHandler):
            methods, kind = ("get",), "websocket"
        else:
            methods, kind = sorted(routed_methods(handler)), "rest"
        for method in methods:
            for credentials in ("none", "wrong-token") + (("cookie-no-xsrf",) if method in WRITES else ()):
                cases.append((pattern, method, kind, credentials))
    return cases


CASES = table()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server, run_id = start_with_project(tmp_path_factory.mktemp("authmatrix"))
    examples = raw(server, "GET", "beekeeper/api/examples").json()["examples"]
    server.values = {"name": "demo", "run_id": run_id, "path": "src/train.py",
                     "proxied_path": "data/environment", "example": examples[0]["name"], "sink_id": "nosuch"}
    login = raw(server, "GET", "api/status")
    assert any(c.startswith("username-") for c in login.cookies), login.headers
    server.cookie = "; ".join(login.cookies)
    # The cookie alone is a valid login (reads pass with it): only the XSRF token is missing.
    assert raw(server, "GET", "beekeeper/api/projects", token=None, headers={"Cookie": server.cookie}).status == 200
    try:
        yield server
    finally:
        server.stop()


def concrete(pattern: str, values: dict) -> str:
    """The route with real ids where the fixture has them (a missing guard would then act)."""
    return PARAM_RE.sub(lambda m: values.get(m.group(1), "nosuch"), pattern).rstrip("$")


@pytest.mark.parametrize("pattern,method,kind,credentials", CASES,
                         ids=[f"{m.upper()} {p} {c}" for p, m, k, c in CASES])
def test_refused_without_valid_credentials(server, pattern, method, kind, credentials):
    before_state, before_disk = state(server), snapshot(server.bk_home)
    headers = dict(WS_UPGRADE) if kind == "websocket" else {}
    token = None
    if credentials == "wrong-token":
        token = "not-the-token"
    elif credentials == "cookie-no-xsrf":
        headers["Cookie"] = server.cookie
    body = b"{}" if method in ("post", "put", "patch") else None
    reply = raw(server, method.upper(), concrete(pattern, server.values), body, headers=headers, token=token)
    assert reply.status in (401, 403), (reply.status, reply.body[:300])
    assert state(server) == before_state
    assert snapshot(server.bk_home) == before_disk


def test_the_table_covers_every_route():
    patterns = {p for p, *_ in CASES}
    assert patterns == {p for p, *_ in routes()}
    assert len(CASES) >= 80


def test_every_handler_method_declares_auth():
    missing = []
    for pattern, handler, *_ in routes():
        missing += ServerWebApplication._check_handler_auth(None, pattern, handler)
    assert missing == []


@pytest.fixture
def jp_server_config(bk_home):
    return {"ServerApp": {"jpserver_extensions": {"beekeeper_ext": True}, "allow_unauthenticated_access": False},
            "BeekeeperApp": {"home": str(bk_home)}}


async def test_strict_server_loads_beekeeper_without_auth_warnings(jp_serverapp, api):
    # Jupyter warns (JupyterServerAuthWarning, an error under pytest here) and Beekeeper fails
    # to load if any of its handler methods is undecorated; then these routes would 404.
    assert jp_serverapp.allow_unauthenticated_access is False
    code, _ = await api.get("info")
    assert code == 200
    code, _ = await api.get("projects")
    assert code == 200


def test_control_the_same_cookie_with_its_xsrf_token_is_accepted(server):
    """The refusals above are the XSRF rule at work, not a broken cookie."""
    page = raw(server, "GET", "login", token=None)
    xsrf = next(c for c in page.cookies if c.startswith("_xsrf="))
    headers = {"Cookie": f"{server.cookie}; {xsrf}", "X-XSRFToken": xsrf.split("=", 1)[1]}
    reply = raw(server, "PATCH", "beekeeper/api/projects/demo", b"{}", headers=headers, token=None)
    assert reply.status == 200, reply
