"""An empty branch follows the remote's default (its HEAD), and the branches route lists a
remote's branches without cloning: real bare repositories over file:// URLs."""

from __future__ import annotations

import os

from gitrepos import git
from runhelpers import wait_run


async def test_empty_branch_uses_the_remotes_default_master(api, make_repo):
    repo = make_repo({"train.py": "print('on master')\n"}, branch="master")
    git("push", "-q", "origin", "master:main", cwd=repo.work)  # HEAD (master) wins over a `main`
    git("symbolic-ref", "HEAD", "refs/heads/master", cwd=repo.bare)
    code, project = await api.post("projects", {"name": "legacy", "git_url": repo.url})
    assert code == 201 and project["branch"] == "", project
    project = await api.wait_setup("legacy")
    assert project["setup"]["state"] == "ready", project
    assert project["setup"]["branch"] == "master" and project["setup"]["commit"] == repo.head()
    log = (await api.get("projects/legacy/setup/log", raw=True)).body.decode()
    assert "branch: the remote's default, master" in log
    # Runs sync the same branch; a new commit on master is picked up.
    sha = repo.commit({"train.py": "print('newer on master')\n"})
    repo.push()
    code, run = await api.post("projects/legacy/runs", {"gpus": 0})
    run = await wait_run(api, run["id"])
    assert run["state"] == "succeeded" and run["commit"] == sha
    # Naming a branch still works, and clearing it goes back to the default.
    git("checkout", "-q", "-b", "dev", cwd=repo.work)
    dev = repo.commit({"train.py": "print('dev')\n"})
    repo.push("dev")
    code, project = await api.patch("projects/legacy", {"branch": "dev"})
    project = await api.wait_setup("legacy")
    assert project["setup"]["branch"] == "dev" and project["setup"]["commit"] == dev
    code, project = await api.patch("projects/legacy", {"branch": ""})
    project = await api.wait_setup("legacy")
    assert project["branch"] == "" and project["setup"]["branch"] == "master"
    assert project["setup"]["commit"] == sha


async def test_branches_route_lists_branches_and_default_without_cloning(api, make_repo, bk_home):
    repo = make_repo({"a.txt": "a"}, branch="master")
    git("symbolic-ref", "HEAD", "refs/heads/master", cwd=repo.bare)
    git("checkout", "-q", "-b", "feature/x", cwd=repo.work)
    repo.commit({"b.txt": "b"})
    repo.push("feature/x")
    code, body = await api.get("git/branches", params={"url": repo.url})
    assert code == 200, body
    assert body == {"git_url": repo.url, "default": "master", "branches": ["feature/x", "master"]}
    code, body = await api.post("git/branches", {"git_url": repo.url})
    assert code == 200 and body["default"] == "master"
    assert not (bk_home / "projects").exists() or os.listdir(bk_home / "projects") == []


async def test_branches_route_errors_and_credentials(api, make_repo, tmp_path):
    code, body = await api.get("git/branches", params={"url": (tmp_path / "nowhere.git").as_uri()})
    assert code == 400 and body["field"] == "url" and "could not list" in body["message"]
    code, body = await api.get("git/branches", params={"url": "ext::sh -c touch% /tmp/pwned"})
    assert code == 400 and body["field"] == "url"
    code, body = await api.get("git/branches", params={"url": "https://me:tok-in-url@example.invalid/x.git"})
    assert code == 400 and body["field"] == "url" and "tok-in-url" not in str(body)
    code, body = await api.post("git/branches", {"git_url": "file:///x", "project": "p"})
    assert code == 400 and body["field"] == "project"
    code, body = await api.post("git/branches", {"project": "no-such"})
    assert code == 404
    code, body = await api.post("git/branches", {"git_url": "file:///x", "credentials": {"token": 3}})
    assert code == 400 and body["field"] == "credentials"
    # A token in the body reaches git through its askpass, and never the answer.
    code, body = await api.post("git/branches", {"git_url": (tmp_path / "gone.git").as_uri(),
                                                 "credentials": {"username": "u", "token": "tok-secret-1"}})
    assert code == 400 and "tok-secret-1" not in str(body)
    # A project's own URL and credentials.
    repo = make_repo()
    code, _ = await api.post("projects", {"name": "own", "git_url": repo.url})
    await api.wait_setup("own")
    code, body = await api.post("git/branches", {"project": "own"})
    assert code == 200 and body["default"] == "main" and body["branches"] == ["main"]


async def test_empty_remote_fails_setup_with_a_reason(api, tmp_path):
    bare = tmp_path / "empty.git"
    git("init", "-q", "--bare", str(bare), cwd=tmp_path)
    code, project = await api.post("projects", {"name": "empty", "git_url": bare.as_uri()})
    project = await api.wait_setup("empty")
    assert project["setup"]["state"] == "failed" and "no default branch" in project["setup"]["message"]


def test_ls_remote_parsing_and_fallbacks():
    from beekeeper_ext.git import parse_ls_remote

    text = "ref: refs/heads/trunk\tHEAD\nabc\tHEAD\nabc\trefs/heads/trunk\ndef\trefs/heads/main\n"
    assert parse_ls_remote(text) == {"default": "trunk", "branches": ["main", "trunk"]}
    assert parse_ls_remote("abc\trefs/heads/dev\n")["default"] == "dev"  # HEAD unresolved, one branch
    assert parse_ls_remote("a\trefs/heads/x\nb\trefs/heads/master\n")["default"] == "master"
    assert parse_ls_remote("a\trefs/heads/x\nb\trefs/heads/y\n")["default"] is None
    assert parse_ls_remote("") == {"default": None, "branches": []}
