from conftest import make_wheel


async def test_create_project_end_to_end(api, make_repo, tmp_path, bk_home):
    wheels = tmp_path / "wh"
    make_wheel(wheels)
    repo = make_repo({"train.py": "import bkdemo; print(bkdemo.VALUE)\n",
                      "requirements.txt": f"--no-index\n--find-links {wheels}\nbkdemo==0.1.0\n"})
    code, body = await api.post("projects", {"name": "demo", "git_url": repo.url})
    assert code == 201, body
    assert body["setup"]["state"] in ("queued", "cloning")
    project = await api.wait_setup("demo")
    assert project["setup"]["state"] == "ready", project
    assert project["setup"]["commit"] == repo.head()
    assert "bkdemo==0.1.0" in project["setup"]["packages"]
    assert (bk_home / "projects/demo/src/train.py").exists()
    assert (bk_home / "projects/demo/venv/bin/python").exists()
    code, body = await api.post("projects", {"name": "bad name", "git_url": repo.url})
    assert code == 400 and body["field"] == "name"
