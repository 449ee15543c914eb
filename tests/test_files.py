"""Files API against a real server and a real project: listing, download, ranges, zip, upload, delete,
and every path trick one by one."""

from __future__ import annotations

import asyncio
import io
import json
import os
import zipfile
from urllib.parse import quote

import pytest

from beekeeper_ext.files import resolve_path
from beekeeper_ext.projects import ProjectPaths

UPLOAD_LIMIT = 256 * 1024


@pytest.fixture
def bk_home(jp_root_dir):
    """Inside Jupyter's root, so files get a jupyter_path ("open in JupyterLab")."""
    return jp_root_dir / "bkhome"


@pytest.fixture
def bk_config():
    return {"upload_max_bytes": UPLOAD_LIMIT}


@pytest.fixture
def raw(http_server_client, jp_base_url, jp_auth_header):
    """Request an exact URL tail under the project's files (no client-side escaping or normalising)."""

    async def fetch(tail: str, method: str = "GET", auth: bool = True, **kwargs):
        headers = dict(jp_auth_header) if auth else {}
        headers.update(kwargs.pop("headers", {}))
        response = await http_server_client.fetch(
            f"{jp_base_url}beekeeper/api/projects/{tail}", method=method, headers=headers,
            raise_error=False, request_timeout=60, allow_nonstandard_methods=True, **kwargs)
        return response

    return fetch


def body_json(response):
    assert "application/json" in response.headers.get("Content-Type", ""), response.headers
    return json.loads(response.body)


TRAIN = "print('hi')\n"


async def demo(ready_project, bk_home):
    """A ready project `demo` with a few files; its folder on disk."""
    await ready_project("demo", {"train.py": TRAIN, "data/a.txt": "alpha\n", "data/sub/b.csv": "x,y\n1,2\n"})
    return bk_home / "projects/demo"


async def test_listing_roots_and_folders(ready_project, api, bk_home):
    project = await demo(ready_project, bk_home)
    code, body = await api.get("projects/demo/files")
    assert code == 200
    assert [e["name"] for e in body["entries"]] == ["src", "runs"]
    code, body = await api.get("projects/demo/files/src")
    assert code == 200 and body["path"] == "src"
    names = {e["name"]: e for e in body["entries"]}
    assert names["data"]["kind"] == "dir" and names[".git"]["kind"] == "dir"
    assert names["train.py"]["kind"] == "file" and names["train.py"]["size"] == len(TRAIN)
    assert names["train.py"]["path"] == "src/train.py"
    assert names["train.py"]["mtime"].endswith("Z")
    assert names["train.py"]["jupyter_path"] == "bkhome/projects/demo/src/train.py"
    assert names[".git"]["jupyter_path"] is None  # hidden: Jupyter would not open it
    os.symlink("train.py", project / "src/link.py")
    code, body = await api.get("projects/demo/files/src/")
    assert {e["name"]: e["kind"] for e in body["entries"]}["link.py"] == "symlink"
    code, body = await api.get("projects/demo/files/src/data/sub")
    assert [e["path"] for e in body["entries"]] == ["src/data/sub/b.csv"]
    code, body = await api.get("projects/demo/files/src/nothing-here")
    assert code == 404 and body["field"] == "path"
    code, body = await api.get("projects/nope/files/src")
    assert code == 404


async def test_download_file_headers_and_conditional(ready_project, raw, bk_home):
    project = await demo(ready_project, bk_home)
    response = await raw("demo/files/src/data/sub/b.csv")
    assert response.code == 200 and response.body == b"x,y\n1,2\n"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="b.csv"')
    assert response.headers["Content-Length"] == "8"
    assert response.headers["Accept-Ranges"] == "bytes"
    tag = response.headers["ETag"]
    assert response.headers["Last-Modified"].endswith("GMT")
    again = await raw("demo/files/src/data/sub/b.csv", headers={"If-None-Match": tag})
    assert again.code == 304 and again.body == b""
    # A non-ASCII name keeps its exact spelling in filename*.
    (project / "src/résumé ü.bin").write_bytes(bytes(range(256)))
    response = await raw("demo/files/src/" + quote("résumé ü.bin"))
    assert response.code == 200 and response.body == bytes(range(256))
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%20%C3%BC.bin" in response.headers["Content-Disposition"]
    inline = await raw("demo/files/src/train.py?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline;")


async def test_range_requests(ready_project, raw, bk_home):
    project = await demo(ready_project, bk_home)
    payload = os.urandom(3 * 1024 * 1024 + 17)  # several read chunks
    (project / "src/blob.bin").write_bytes(payload)
    cases = {"bytes=0-9": (0, 9), "bytes=100-": (100, len(payload) - 1),
             "bytes=-5": (len(payload) - 5, len(payload) - 1),
             "bytes=1048570-2097160": (1048570, 2097160),
             f"bytes=10-{len(payload) * 2}": (10, len(payload) - 1)}
    for header, (start, end) in cases.items():
        response = await raw("demo/files/src/blob.bin", headers={"Range": header})
        assert response.code == 206, header
        assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(payload)}"
        assert response.body == payload[start:end + 1], header
    for header in (f"bytes={len(payload)}-", "bytes=5-2", "bytes=-0", "bytes=abc"):
        response = await raw("demo/files/src/blob.bin", headers={"Range": header})
        assert response.code == 416, header
        assert response.headers["Content-Range"] == f"bytes */{len(payload)}"
        assert body_json(response)["field"] == "Range"
    whole = await raw("demo/files/src/blob.bin")
    assert whole.code == 200 and whole.body == payload
    # If-Range with a stale validator: the whole (changed) file, not a part of it.
    stale = await raw("demo/files/src/blob.bin", headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert stale.code == 200 and len(stale.body) == len(payload)


async def test_folder_as_zip_stream(ready_project, raw, bk_home):
    project = await demo(ready_project, bk_home)
    big = os.urandom(2 * 1024 * 1024 + 3)
    (project / "src/data/big.bin").write_bytes(big)
    (project / "src/data/empty").mkdir()
    os.symlink("/etc/hostname", project / "src/data/outside-link")  # must not leak into the zip
    response = await raw("demo/files/src/data?format=zip")
    assert response.code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert 'filename="demo-src-data.zip"' in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.body)) as zf:
        assert zf.testzip() is None
        names = set(zf.namelist())
        assert names == {"data/a.txt", "data/sub/b.csv", "data/big.bin", "data/empty/"}
        assert zf.read("data/big.bin") == big
        assert zf.read("data/sub/b.csv") == b"x,y\n1,2\n"
    # The whole checkout, .git included, is a valid archive too.
    response = await raw("demo/files/src?format=zip")
    with zipfile.ZipFile(io.BytesIO(response.body)) as zf:
        assert zf.testzip() is None and "src/train.py" in zf.namelist()
    response = await raw("demo/files?format=zip")
    assert response.code == 400 and body_json(response)["field"] == "path"


async def test_upload_overwrite_and_limits(ready_project, raw, bk_home):
    project = await demo(ready_project, bk_home)
    response = await raw("demo/files/src/inputs/deep/data.bin", "PUT", body=b"first")
    assert response.code == 201, response.body
    created = body_json(response)
    assert created["path"] == "src/inputs/deep/data.bin" and created["size"] == 5
    assert (project / "src/inputs/deep/data.bin").read_bytes() == b"first"
    response = await raw("demo/files/src/inputs/deep/data.bin", "PUT", body=b"second")
    assert response.code == 409 and body_json(response)["field"] == "path"
    assert (project / "src/inputs/deep/data.bin").read_bytes() == b"first"
    response = await raw("demo/files/src/inputs/deep/data.bin?overwrite=1", "PUT", body=b"second")
    assert response.code == 200 and (project / "src/inputs/deep/data.bin").read_bytes() == b"second"
    # Bigger than several network chunks, under the limit: arrives intact.
    payload = os.urandom(UPLOAD_LIMIT - 1)
    response = await raw("demo/files/src/big.bin", "PUT", body=payload)
    assert response.code == 201 and (project / "src/big.bin").read_bytes() == payload
    response = await raw("demo/files/src/too-big.bin", "PUT", body=b"x" * (UPLOAD_LIMIT + 1))
    assert response.code == 413 and body_json(response)["field"] == "body"
    assert not (project / "src/too-big.bin").exists()
    for tail in ("demo/files/runs/x.txt", "demo/files/src", "demo/files/src/data"):
        response = await raw(tail, "PUT", body=b"x")
        assert response.code in (400, 409), tail
        assert body_json(response)["field"] == "path"
    leftovers = [p for p in (project / "src").rglob("*.upload")]
    assert leftovers == []


async def test_a_refused_upload_is_answered_after_its_body(ready_project, raw, bk_home):
    """A client that is still sending when the server decides must get the 409, not a broken pipe:
    up to DRAIN_LIMIT, a refused upload's body is read and dropped before the answer."""
    project = await demo(ready_project, bk_home)
    (project / "src/taken.bin").write_bytes(b"mine")
    body = os.urandom(UPLOAD_LIMIT - 1)

    async def late(write):
        await asyncio.sleep(0.5)  # the headers arrived long ago: the server has already decided
        for start in range(0, len(body), 64 * 1024):
            await write(body[start:start + 64 * 1024])

    response = await raw("demo/files/src/taken.bin", "PUT", body_producer=late,
                         headers={"Content-Length": str(len(body))})
    assert response.code == 409 and body_json(response)["field"] == "path", response
    assert (project / "src/taken.bin").read_bytes() == b"mine"
    assert [p for p in (project / "src").rglob("*.upload")] == []


async def test_chunked_upload_over_the_limit_is_cut_off(ready_project, raw, bk_home):
    """Without a Content-Length the limit is enforced while the body streams in."""
    project = await demo(ready_project, bk_home)
    sent = []

    async def producer(write):
        for _ in range(8):
            chunk = b"y" * (64 * 1024)
            sent.append(len(chunk))
            await write(chunk)

    response = await raw("demo/files/src/chunked.bin", "PUT", body_producer=producer)
    assert response.code == 413 or response.code == 599  # 599: the server closed the connection early
    assert not (project / "src/chunked.bin").exists()
    assert [p for p in (project / "src").rglob("*.upload")] == []

    async def small(write):
        for _ in range(3):
            await write(b"z" * 1000)

    response = await raw("demo/files/src/chunked-ok.bin", "PUT", body_producer=small)
    assert response.code == 201 and (project / "src/chunked-ok.bin").read_bytes() == b"z" * 3000


async def test_delete_files_and_folders(ready_project, raw, bk_app, bk_home):
    project = await demo(ready_project, bk_home)
    response = await raw("demo/files/src/data/a.txt", "DELETE")
    assert response.code == 204 and not (project / "src/data/a.txt").exists()
    response = await raw("demo/files/src/data", "DELETE")
    assert response.code == 409 and body_json(response)["field"] == "path"
    response = await raw("demo/files/src/data?recursive=1", "DELETE")
    assert response.code == 204 and not (project / "src/data").exists()
    response = await raw("demo/files/src/data", "DELETE")
    assert response.code == 404
    for tail in ("demo/files/src", "demo/files/runs", "demo/files"):
        response = await raw(tail, "DELETE")
        assert response.code == 400 and body_json(response)["field"] == "path", tail


async def test_git_folders_take_no_uploads_or_deletes(ready_project, raw, bk_home):
    """A hook or a `.git/config` entry (core.fsmonitor, a filter) is a command git runs: the API
    neither plants nor removes anything under a `.git` folder, however the path reaches it."""
    project = await demo(ready_project, bk_home)
    gitdir = project / "src/.git"
    config_before = (gitdir / "config").read_bytes()
    os.symlink(".git", project / "src/gitlink")  # a link into git's folder
    (project / "src/sub").mkdir()
    attempts = [("PUT", "src/.git/config"), ("PUT", "src/.git/hooks/post-checkout"),
                ("PUT", "src/.git/hooks/new/deep"), ("PUT", "src/gitlink/config"), ("PUT", "src/gitlink/hooks/x"),
                ("PUT", "src/sub/.git"), ("PUT", "src/sub/.GIT/config"), ("DELETE", "src/.git/HEAD"),
                ("DELETE", "src/.git"), ("DELETE", "src/.git/hooks?recursive=1"), ("DELETE", "src/gitlink/config")]
    for method, path in attempts:
        response = await raw(f"demo/files/{path}?overwrite=1" if method == "PUT" else f"demo/files/{path}",
                             method, body=b"[core]\n\tfsmonitor = /tmp/x\n" if method == "PUT" else None)
        assert response.code == 403, (method, path, response.code, response.body)
        assert body_json(response)["field"] == "path" and ".git" in body_json(response)["message"], path
    assert (gitdir / "config").read_bytes() == config_before and (gitdir / "HEAD").exists()
    assert not (gitdir / "hooks/post-checkout").exists() and not (gitdir / "hooks/new").exists()
    assert not (project / "src/sub/.git").exists() and not (project / "src/sub/.GIT").exists()
    assert not [p for p in gitdir.rglob("*.upload")]
    # Reading is fine, and so is a name that only contains `.git`.
    response = await raw("demo/files/src/.git/HEAD")
    assert response.code == 200 and response.body.startswith(b"ref: ")
    response = await raw("demo/files/src/a.gitignore.txt", "PUT", body=b"ok")
    assert response.code == 201


async def test_run_folder_files_guarded_while_active(ready_project, api, raw, bk_home):
    """A real run: its log is downloadable while it runs; its files can be deleted only once it ended."""
    import asyncio
    import time

    script = "import time\nprint('started', flush=True)\ntime.sleep(120)\n"
    await ready_project("sleepy", {"train.py": script})
    code, run = await api.post("projects/sleepy/runs", {"args": []})
    assert code == 201, run
    log_path = f"sleepy/files/runs/{run['id']}/output.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        response = await raw(log_path)
        if response.code == 200 and b"started" in response.body:
            break
        await asyncio.sleep(0.2)
    assert b"started" in response.body
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="output.log"')
    response = await raw(log_path, "DELETE")
    assert response.code == 409 and body_json(response)["field"] == "path"
    code, listing = await api.get(f"projects/sleepy/files/runs/{run['id']}")
    assert "output.log" in [e["name"] for e in listing["entries"]]
    code, _ = await api.post(f"runs/{run['id']}/stop")
    assert code in (200, 202)
    while time.monotonic() < deadline:
        code, state = await api.get(f"runs/{run['id']}")
        if state["state"] in ("stopped", "failed", "succeeded", "lost"):
            break
        await asyncio.sleep(0.2)
    assert state["state"] == "stopped"
    response = await raw(f"sleepy/files/runs/{run['id']}", "DELETE")
    assert response.code == 400  # the run itself is deleted with DELETE /runs/{id}
    response = await raw(log_path, "DELETE")
    assert response.code == 204
    assert not (bk_home / f"projects/sleepy/runs/{run['id']}/output.log").exists()


ATTACKS = {
    "dotdot": "demo/files/src/../../../beekeeper.db",
    "dotdot-encoded": "demo/files/src/%2e%2e/%2e%2e/%2e%2e/beekeeper.db",
    "dotdot-only": "demo/files/src/..",
    "absolute": "demo/files//etc/passwd",
    "absolute-encoded": "demo/files/%2fetc/passwd",
    "nul": "demo/files/src/train.py%00.txt",
    "backslash": "demo/files/src/..%5c..%5cbeekeeper.db",
    "encoded-slash": "demo/files/src%2f..%2f..%2fbeekeeper.db",
    "encoded-slash-upper": "demo/files/src%2Ftrain.py",
    "prefix-src2": "demo/files/src2/train.py",
    "prefix-srcx": "demo/files/srcfoo",
    "unknown-root": "demo/files/venv/bin/python",
    "symlink-out": "demo/files/src/escape/passwd",
    "symlink-file-out": "demo/files/src/db-link",
    "symlink-sibling": "demo/files/src/sibling/foo",
}


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_path_attacks_refused(attack, ready_project, raw, bk_home):
    project = await demo(ready_project, bk_home)
    os.symlink("/etc", project / "src/escape")
    os.symlink(bk_home / "beekeeper.db", project / "src/db-link")
    (project / "src2").mkdir()
    (project / "src2/foo").write_text("secret")
    os.symlink(project / "src2", project / "src/sibling")
    tail = ATTACKS[attack]
    for method, body in (("GET", None), ("PUT", b"x"), ("DELETE", None)):
        response = await raw(tail, method, body=body)
        assert 400 <= response.code < 500, (attack, method, response.code)
        assert body_json(response).get("field") == "path", (attack, method, response.body)
    assert (project / "src2/foo").read_text() == "secret"
    assert (bk_home / "beekeeper.db").exists() and os.path.exists("/etc/passwd")


def test_resolve_path_rules_one_by_one(tmp_path):
    """The one path-safety function, without HTTP: each rule names the field `path`."""
    paths = ProjectPaths(tmp_path, "demo")
    paths.src.mkdir(parents=True)
    paths.runs.mkdir()
    (paths.root / "src2").mkdir()
    os.symlink(paths.root / "src2", paths.src / "out")
    os.symlink(paths.src / "ok.txt", paths.src / "in")
    bad = {"../x": 400, "src/../../x": 400, "/etc/passwd": 400, "src/a\x00b": 400, "src\\..\\x": 400,
           "src2/x": 400, "srcx": 400, "C:/x": 400, "src/out/x": 403, "src/out": 403}
    for path, status in bad.items():
        with pytest.raises(Exception) as info:
            resolve_path(paths, path)
        assert (info.value.status, info.value.field) == (status, "path"), path
    with pytest.raises(Exception) as info:
        resolve_path(paths, "src/a/b", raw="src%2Fa/b")
    assert info.value.field == "path"
    assert resolve_path(paths, "src/in").target == paths.src / "in"
    assert resolve_path(paths, "src//./a/").path == "src/a"
    assert resolve_path(paths, "").root is None
    assert resolve_path(paths, "runs/r1/output.log").target == paths.runs / "r1/output.log"


async def test_files_need_authentication(ready_project, raw, bk_home):
    project = await demo(ready_project, bk_home)
    for method, tail, body in (("GET", "demo/files/src/train.py", None), ("GET", "demo/files", None),
                               ("PUT", "demo/files/src/new.txt", b"x"), ("DELETE", "demo/files/src/train.py", None),
                               ("GET", "demo/files/src?format=zip", None)):
        response = await raw(tail, method, auth=False, body=body)
        assert response.code == 403, (method, tail, response.code)
    assert (project / "src/train.py").exists() and not (project / "src/new.txt").exists()
