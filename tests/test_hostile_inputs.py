"""A table of hostile inputs against one real server: each is a 4xx JSON error naming the field,
never a 500, and changes nothing — BEEKEEPER_HOME byte for byte, and what the API lists.

Names, git URLs, branches, paths (fields and URLs), bodies, query parameters and headers. One
`jupyter server` (with a ready project `demo` and one finished run) serves the whole table.
"""

from __future__ import annotations

import json

import pytest
from rawhttp import api, raw, snapshot, start_with_project, state

BIG = 2 * 1024 * 1024
HUGE_INT = "1" * 30


def project(**fields):
    return {"name": "fresh", "git_url": "file:///nonexistent/repo.git", **fields}


# (id, method, path below /beekeeper/api/, body, headers, statuses, field)
CASES = [
    # names
    ("name-too-long", "POST", "projects", project(name="a" * 65), {}, (400,), "name"),
    ("name-newline", "POST", "projects", project(name="abc\n"), {}, (400,), "name"),
    ("name-dotdot", "POST", "projects", project(name="a..b"), {}, (400,), "name"),
    ("name-slash", "POST", "projects", project(name="../x"), {}, (400,), "name"),
    ("name-unicode", "POST", "projects", project(name="dëmo"), {}, (400,), "name"),
    ("name-not-string", "POST", "projects", project(name=["x"]), {}, (400,), "name"),
    ("example-name-bad", "POST", "examples/mnist", {"name": "a b"}, {}, (400, 404), None),
    # git URLs
    ("url-ext", "POST", "projects", project(git_url="ext::sh -c 'touch /tmp/x'"), {}, (400,), "git_url"),
    ("url-option", "POST", "projects", project(git_url="--upload-pack=touch /tmp/x"), {}, (400,), "git_url"),
    ("url-javascript", "POST", "projects", project(git_url="javascript:alert(1)"), {}, (400,), "git_url"),
    ("url-newline", "POST", "projects", project(git_url="https://example.com/x\n--config"), {}, (400,), "git_url"),
    ("url-empty-file", "POST", "projects", project(git_url="file://"), {}, (400,), "git_url"),
    # branches
    ("branch-option", "POST", "projects", project(branch="--upload-pack=x"), {}, (400,), "branch"),
    ("branch-dotdot", "POST", "projects", project(branch="a..b"), {}, (400,), "branch"),
    ("branch-newline", "POST", "projects", project(branch="main\n"), {}, (400,), "branch"),
    ("branch-long", "POST", "projects", project(branch="b" * 300), {}, (400,), "branch"),
    # paths in fields
    ("train-file-up", "PATCH", "projects/demo", {"train_file": "../../etc/passwd"}, {}, (400,), "train_file"),
    ("train-file-abs", "PATCH", "projects/demo", {"train_file": "/etc/passwd"}, {}, (400,), "train_file"),
    ("logdir-segment", "PATCH", "projects/demo", {"tensorboard_log_dir": "a" * 300}, {}, (400,),
     "tensorboard_log_dir"),
    ("requirements-option", "PATCH", "projects/demo", {"requirements_file": "-r/etc/passwd"}, {}, (400,),
     "requirements_file"),
    ("train-file-long", "PATCH", "projects/demo", {"train_file": "a/" * 3000 + "x.py"}, {}, (400,), "train_file"),
    # paths in URLs
    ("files-encoded-slash", "GET", "projects/demo/files/src/..%2f..%2fetc%2fpasswd", None, {}, (400,), "path"),
    ("files-dotdot", "GET", "projects/demo/files/src/%2e%2e/%2e%2e/etc", None, {}, (400, 404), "path"),
    ("files-root", "GET", "projects/demo/files/etc/passwd", None, {}, (400,), "path"),
    ("files-segment-256", "GET", "projects/demo/files/src/" + "a" * 300, None, {}, (400,), "path"),
    ("files-path-20000", "GET", "projects/demo/files/src/" + "a/" * 10000, None, {}, (400,), "path"),
    ("files-nul", "PUT", "projects/demo/files/src/x%00y", b"data", {}, (400,), "path"),
    ("files-put-long", "PUT", "projects/demo/files/src/" + "b" * 300, b"data", {}, (400,), "path"),
    ("files-delete-long", "DELETE", "projects/demo/files/src/" + "c/" * 10000, None, {}, (400,), "path"),
    # bodies
    ("json-deep", "POST", "projects", "[" * 100_000 + "]" * 100_000, {}, (400,), "body"),
    ("json-deep-object", "PATCH", "projects/demo", '{"env":' * 50_000 + "1" + "}" * 50_000, {}, (400,), "body"),
    ("json-invalid", "POST", "projects", "{not json", {}, (400,), "body"),
    ("json-array", "POST", "projects", "[]", {}, (400,), "body"),
    ("json-latin1", "POST", "projects", b'{"name": "\xff"}', {}, (400,), "body"),
    ("json-2mib", "POST", "projects", json.dumps(project(pad="x" * BIG)), {}, (413,), "body"),
    ("json-2mib-run", "POST", "projects/demo/runs", json.dumps({"args": ["x" * BIG]}), {}, (413,), "body"),
    ("json-lying-length", "POST", "projects", b"{}", {"Content-Length": str(10**12)}, (413,), "body"),
    ("unknown-field", "POST", "projects/demo/runs", {"gpus": 0, "bogus": 1}, {}, (400,), "bogus"),
    # arg and env sizes (exec would refuse them later with "Argument list too long")
    ("env-value-200k", "PATCH", "projects/demo", {"env": {"FOO": "x" * 200 * 1024}}, {}, (400,), "env"),
    ("run-env-200k", "POST", "projects/demo/runs", {"gpus": 0, "env": {"FOO": "x" * 200 * 1024}}, {}, (400,),
     "env"),
    ("run-arg-200k", "POST", "projects/demo/runs", {"gpus": 0, "args": ["x" * 200 * 1024]}, {}, (400,), "args"),
    ("run-args-total", "POST", "projects/demo/runs", {"gpus": 0, "args": ["y" * 100 * 1024] * 8}, {}, (400,),
     "args"),
    ("run-env-key-newline", "POST", "projects/demo/runs", {"gpus": 0, "env": {"FOO\n": "1"}}, {}, (400,), "env"),
    ("run-gpus-huge", "POST", "projects/demo/runs", {"gpus": 10**30}, {}, (400,), "gpus"),
    ("run-args-not-list", "POST", "projects/demo/runs", {"gpus": 0, "args": "rm -rf /"}, {}, (400,), "args"),
    # query parameters
    ("log-offset-30-digits", "GET", "runs/{run}/log?offset=" + HUGE_INT, None, {}, (400,), "offset"),
    ("log-tail-30-digits", "GET", "runs/{run}/log?tail=" + HUGE_INT, None, {}, (400,), "tail"),
    ("log-limit-negative", "GET", "runs/{run}/log?limit=-1", None, {}, (400,), "limit"),
    ("log-offset-unicode-digit", "GET", "runs/{run}/log?offset=%C2%B2", None, {}, (400,), "offset"),
    ("runs-offset-30-digits", "GET", "runs?offset=" + HUGE_INT, None, {}, (400,), "offset"),
    ("runs-limit-text", "GET", "runs?limit=abc", None, {}, (400,), "limit"),
    ("runs-state-bogus", "GET", "runs?state=bogus", None, {}, (400,), "state"),
    ("setup-log-offset-huge", "GET", "projects/demo/setup/log?offset=" + "9" * 5000, None, {}, (400,), "offset"),
    ("deliveries-limit-huge", "GET", "notifications/deliveries?limit=" + HUGE_INT, None, {}, (400,), "limit"),
    # headers
    ("range-unsatisfiable", "GET", "projects/demo/files/src/train.py", None,
     {"Range": "bytes=" + HUGE_INT + "-"}, (416,), "Range"),
    ("range-garbage", "GET", "projects/demo/files/src/train.py", None, {"Range": "bytes=abc-def"}, (416,),
     "Range"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server, run_id = start_with_project(tmp_path_factory.mktemp("hostile"))
    server.run_id = run_id
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_a_4xx_naming_the_field_and_changes_nothing(server, case):
    _, method, path, body, headers, statuses, field = case
    before_state, before_disk = state(server), snapshot(server.bk_home)
    reply = api(server, method, path.replace("{run}", server.run_id), body, headers=headers)
    assert reply.status in statuses, (reply.status, reply.body[:500])
    assert reply.headers.get("content-type", "").startswith("application/json"), reply.headers
    error = reply.json()
    assert isinstance(error.get("message"), str) and error["message"]
    if field is not None:
        assert error.get("field") == field, error
    assert state(server) == before_state
    assert snapshot(server.bk_home) == before_disk


def test_the_server_logged_no_traceback(server):
    """Nothing in the table reached an unhandled error."""
    assert "Traceback" not in server.server_log() and " 500 " not in server.server_log()


def test_websocket_offset_is_checked_before_the_upgrade(server):
    from rawhttp import WS_UPGRADE

    reply = raw(server, "GET", f"beekeeper/api/runs/{server.run_id}/log/stream?offset=" + HUGE_INT,
                headers=dict(WS_UPGRADE))
    assert reply.status == 400 and reply.json()["field"] == "offset"


def test_a_sweep_filter_is_a_bound_value(server):
    """`GET /runs?sweep=` takes any id (an unknown one lists nothing); a SQL-shaped one is a value, not SQL."""
    from urllib.parse import quote

    before = state(server)
    reply = api(server, "GET", "runs?sweep=" + quote("' OR '1'='1"))
    assert reply.status == 200 and reply.json()["runs"] == [], reply.body[:500]
    assert api(server, "GET", "runs").json()["runs"]  # the module's run is listed without the filter
    assert state(server) == before
