"""Every input rule of POST/PATCH /projects: a 400 (or 409) naming the field, and nothing created —
no database row, no folder under BEEKEEPER_HOME/projects."""

from __future__ import annotations

import pytest

from beekeeper_ext import validation as v
from beekeeper_ext.errors import BeekeeperError


def nothing_created(bk_home, bk_app):
    folders = sorted(p.name for p in (bk_home / "projects").iterdir())
    rows = [row["name"] for row in bk_app.store.list_projects()]
    return folders == [] and rows == []


BAD_FIELDS = [
    # (overrides of a valid body, field the 400 must name)
    ({"name": "bad name"}, "name"),
    ({"name": "a..b"}, "name"),
    ({"name": ".hidden"}, "name"),
    ({"name": "-x"}, "name"),
    ({"name": "x" * 65}, "name"),
    ({"name": "a/b"}, "name"),
    ({"name": ""}, "name"),
    ({"name": 7}, "name"),
    ({"name": "abc\n"}, "name"),  # `$` alone would let a trailing newline through
    ({"git_url": "ext::sh -c touch% /tmp/pwned"}, "git_url"),
    ({"git_url": "fd::3"}, "git_url"),
    ({"git_url": "-uhttps://example.com/x.git"}, "git_url"),
    ({"git_url": "--upload-pack=touch /tmp/x"}, "git_url"),
    ({"git_url": "ftp://example.com/x.git"}, "git_url"),
    ({"git_url": "javascript:alert(1)"}, "git_url"),
    ({"git_url": ""}, "git_url"),
    ({"git_url": "   "}, "git_url"),
    ({"git_url": None}, "git_url"),
    ({"git_url": "https:///no-host"}, "git_url"),
    ({"git_url": "https://example.com/x\n.git"}, "git_url"),
    ({"branch": "-b"}, "branch"),
    ({"branch": "/abs"}, "branch"),
    ({"branch": "a/../b"}, "branch"),
    ({"branch": "a..b"}, "branch"),
    ({"branch": "has space"}, "branch"),
    ({"branch": "main\n"}, "branch"),
    ({"train_file": "/etc/passwd"}, "train_file"),
    ({"train_file": "../outside.py"}, "train_file"),
    ({"train_file": "a/../../b.py"}, "train_file"),
    ({"train_file": "-m.py"}, "train_file"),
    ({"requirements_file": "/tmp/req.txt"}, "requirements_file"),
    ({"requirements_file": "../req.txt"}, "requirements_file"),
    ({"requirements_file": "--index-url=x"}, "requirements_file"),
    ({"tensorboard_log_dir": "/var/log"}, "tensorboard_log_dir"),
    ({"tensorboard_log_dir": "runs/../.."}, "tensorboard_log_dir"),
    ({"tensorboard_log_dir": "-logs"}, "tensorboard_log_dir"),
    ({"python_version": "2.0"}, "python_version"),
    ({"python_version": "3.99"}, "python_version"),
    ({"python_version": "latest"}, "python_version"),
    ({"python_version": "3.12\n"}, "python_version"),
    ({"python_version": "3.12; rm -rf /"}, "python_version"),
    ({"env": {"1BAD": "x"}}, "env"),
    ({"env": {"FOO\n": "x"}}, "env"),
    ({"env": ["A=1"]}, "env"),
    ({"env": {"A": {"nested": 1}}}, "env"),
    ({"credentials": "user:token"}, "credentials"),
    ({"credentials": {"username": "u"}}, "credentials"),
    ({"default_executor": "nonexistent"}, "default_executor"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize("override,field", BAD_FIELDS, ids=[f"{f}:{o[f] if f in o else ''!r}"[:40]
                                                            for o, f in BAD_FIELDS])
async def test_create_rejects_bad_field(api, make_repo, bk_home, bk_app, override, field):
    repo = make_repo()
    body = {"name": "ok", "git_url": repo.url, **override}
    code, reply = await api.post("projects", body)
    assert code == 400, reply
    assert reply["field"] == field, reply
    assert reply["message"]
    assert nothing_created(bk_home, bk_app)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"42", b"{not json", b"\xff\xfe"])
async def test_create_rejects_non_object_or_invalid_json(api, bk_home, bk_app, raw):
    code, reply = await api.call("POST", "projects", body=raw)
    assert code == 400 and reply["field"] == "body", reply
    assert nothing_created(bk_home, bk_app)


async def test_missing_required_fields(api, bk_home, bk_app):
    code, reply = await api.post("projects", {"git_url": "https://example.com/x.git"})
    assert (code, reply["field"]) == (400, "name")
    code, reply = await api.post("projects", {"name": "x"})
    assert (code, reply["field"]) == (400, "git_url")
    assert nothing_created(bk_home, bk_app)


async def test_duplicate_name_is_409_and_keeps_the_first(api, make_repo, bk_home, bk_app):
    repo = make_repo()
    code, first = await api.post("projects", {"name": "dup", "git_url": repo.url})
    assert code == 201, first
    code, reply = await api.post("projects", {"name": "dup", "git_url": repo.url, "branch": "other"})
    assert (code, reply["field"]) == (409, "name"), reply
    assert [row["branch"] for row in bk_app.store.list_projects()] == [""]  # the remote's default
    await api.wait_setup("dup")


async def test_patch_validates_too_and_changes_nothing(api, ready_project, bk_app):
    await ready_project("p")
    before = bk_app.store.get_project("p")
    for body, field in [({"branch": "-x"}, "branch"), ({"train_file": "../x"}, "train_file"),
                        ({"git_url": "ext::sh"}, "git_url"), ({"name": "renamed"}, "name"),
                        ({"python_version": "3.99"}, "python_version")]:
        code, reply = await api.patch("projects/p", body)
        assert (code, reply["field"]) == (400, field), reply
    code, reply = await api.call("PATCH", "projects/p", body=b"[]")
    assert (code, reply["field"]) == (400, "body")
    assert bk_app.store.get_project("p") == before


@pytest.mark.parametrize("url", [
    "https://example.com/org/repo.git",
    "http://127.0.0.1:8080/repo.git",
    "ssh://git@example.com:22/org/repo.git",
    "git://example.com/repo.git",
    "file:///srv/git/repo.git",
    "git@github.com:org/repo.git",
    "deploy-user@host.example.com:path/to/repo",
])
def test_allowed_git_urls(url):
    assert v.git_url(url) == url


@pytest.mark.parametrize("url", ["javascript:alert(1)", "host:path", "c:repo", "ext::x", "-x",
                                 "ftp://h/x", "user@host://x", "data:text/plain,x"])
def test_rejected_git_urls(url):
    with pytest.raises(BeekeeperError) as err:
        v.git_url(url)
    assert err.value.status == 400 and err.value.field == "git_url"


def test_name_length_boundary():
    assert v.name("a" * 64) == "a" * 64
    with pytest.raises(BeekeeperError):
        v.name("a" * 65)
    for ok in ("a", "A1", "my_proj.v2-x"):
        assert v.name(ok) == ok


@pytest.mark.parametrize("check,value", [(v.name, "abc\n"),
                                         (v.branch, "main.lock\n"), (lambda x: v.env({x: "1"}), "FOO\n")])
def test_patterns_match_the_whole_string(check, value):
    with pytest.raises(BeekeeperError) as err:
        check(value)
    assert err.value.status == 400
