"""train_file as a script, a module or a notebook, and the placeholders of args and env values:
real projects (git + uv venv), real runs, a real kernel for notebooks."""

from __future__ import annotations

import json
import os

import nbformat
import psutil

from runhelpers import wait_log, wait_run

SHOW_ARGV = "import os, sys\nprint('ARGV ' + __import__('json').dumps([sys.argv[1:], os.environ.get('OUT')]), flush=True)\n"


def argv_line(log: bytes):
    line = next(line for line in log.decode().splitlines() if line.startswith("ARGV "))
    return json.loads(line[5:])


async def log_of(api, run_id: str) -> bytes:
    return (await api.get(f"runs/{run_id}/log", raw=True)).body


async def test_module_entry_point_runs_with_args(api, ready_project):
    await ready_project("mod", {"pkg/__init__.py": "", "pkg/train.py": SHOW_ARGV},
                        train_file="-m pkg.train")
    code, project = await api.get("projects/mod")
    assert project["train_file"] == "-m pkg.train"
    code, run = await api.post("projects/mod/runs", {"args": ["--lr", "0.1"]})
    assert code == 201, run
    run = await wait_run(api, run["id"])
    log = await log_of(api, run["id"])
    assert run["state"] == "succeeded", log
    assert run["command"][1:] == ["-u", "-m", "pkg.train", "--lr", "0.1"]
    assert argv_line(log)[0] == ["--lr", "0.1"]


async def test_train_file_forms_are_validated(api, make_repo):
    repo = make_repo()
    for bad in ("-m", "-mpkg", "-m pkg..train", "-m 1pkg", "-m pkg; rm -rf /", "-rf", "../x.py", "/etc/x.py"):
        code, body = await api.post("projects", {"name": "forms", "git_url": repo.url, "train_file": bad})
        assert code == 400 and body["field"] == "train_file", (bad, body)
    code, _ = await api.get("projects/forms")
    assert code == 404  # nothing half-created


async def test_module_leading_out_of_the_checkout_is_refused(api, ready_project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "__init__.py").write_text("")
    (outside / "train.py").write_text("print('escaped')\n")
    project = await ready_project("modesc", {"train.py": "print('ok')\n"})
    os.symlink(outside, os.path.join(project["paths"]["src"], "evil"))
    code, body = await api.patch("projects/modesc", {"train_file": "-m evil.train"})
    assert code == 400 and body["field"] == "train_file" and "outside" in body["message"], body
    code, body = await api.patch("projects/modesc", {"train_file": "-m somewhere.installed"})
    assert code == 200, body  # a module the checkout does not hold may come from a package


async def test_placeholders_in_args_and_env_are_expanded_at_launch(api, ready_project):
    project = await ready_project("ph", {"train.py": SHOW_ARGV}, env={"OUT": "{src}/out/{run_id}"})
    args = ["--work-dir", "out/{run_id}", "--name={project}", "{run_dir}", "{{run_id}}", '{"a": {"b": 1}}',
            "{unknown}", "{{", "}}"]
    code, run = await api.post("projects/ph/runs", {"args": args})
    assert code == 201, run
    run = await wait_run(api, run["id"])
    log = await log_of(api, run["id"])
    assert run["state"] == "succeeded", log
    seen, out = argv_line(log)
    run_dir = os.path.join(project["paths"]["root"], "runs", run["id"])
    assert seen == ["--work-dir", f"out/{run['id']}", "--name=ph", run_dir, "{run_id}", '{"a": {"b": 1}}',
                    "{unknown}", "{{", "}}"]
    assert out == f"{project['paths']['src']}/out/{run['id']}"
    assert run["args"] == args  # the record keeps the placeholders: running it again gets a new folder


def notebook(*cells: tuple[str, list[str]]) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "some-kernel-this-host-lacks", "display_name": "x", "language": "python"}
    for source, tags in cells:
        cell = nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nbformat.writes(nb)


NOTEBOOK = notebook(
    ("import os, sys\nprint('first cell', flush=True)", []),
    ("lr = 0.5\nepochs = 1\nname = 'x'", ["parameters"]),
    ("print(f'lr={lr!r} epochs={epochs!r} name={name!r}')\nprint('cwd', os.getcwd())\n"
     "print('python', sys.executable)\n6 * 7", []),
)


async def test_notebook_runs_headless_with_parameters_and_is_saved(api, ready_project):
    project = await ready_project("nb", {"notebooks/train.ipynb": NOTEBOOK}, train_file="notebooks/train.ipynb")
    assert any(p.lower().startswith("nbclient==") for p in project["setup"]["packages"]), project["setup"]
    code, run = await api.post("projects/nb/runs", {"args": ["--lr", "0.1", "--name", "run-{run_id}"]})
    assert code == 201, run
    run = await wait_run(api, run["id"])
    log = (await log_of(api, run["id"])).decode()
    assert run["state"] == "succeeded", log
    assert f"lr=0.1 epochs=1 name='run-{run['id']}'" in log
    assert "first cell" in log and "42" in log and "[beekeeper] cell 3/4" in log
    assert f"cwd {project['paths']['src']}/notebooks" in log
    assert f"python {project['paths']['venv']}/bin/python" in log
    assert run["notebook"] == f"runs/{run['id']}/train.ipynb"
    code, listing = await api.get(f"projects/nb/files/runs/{run['id']}")
    assert "train.ipynb" in [e["name"] for e in listing["entries"]]
    body = (await api.get(f"projects/nb/files/{run['notebook']}", raw=True)).body
    executed = nbformat.reads(body.decode(), as_version=4)
    tags = [c.metadata.get("tags", []) for c in executed.cells]
    assert tags[1] == ["parameters"] and tags[2] == ["injected-parameters"]
    assert "lr = 0.1" in executed.cells[2].source and "name = 'run-" in executed.cells[2].source
    assert executed.cells[3].outputs[-1]["data"]["text/plain"] == "42"
    # The checkout's notebook is untouched.
    assert "injected" not in open(os.path.join(project["paths"]["src"], "notebooks/train.ipynb")).read()


async def test_notebook_cell_error_fails_the_run_and_keeps_the_traceback(api, ready_project):
    await ready_project("nbfail", {"t.ipynb": notebook(("print('before')", []), ("1 / 0", []),
                                                        ("print('never')", []))}, train_file="t.ipynb")
    code, run = await api.post("projects/nbfail/runs")
    run = await wait_run(api, run["id"])
    log = (await log_of(api, run["id"])).decode()
    assert run["state"] == "failed" and run["exit_code"] == 1, log
    assert "ZeroDivisionError" in log and "never" not in log.replace("print('never')", "")
    body = (await api.get(f"projects/nbfail/files/{run['notebook']}", raw=True)).body
    executed = nbformat.reads(body.decode(), as_version=4)
    assert executed.cells[1].outputs[0]["ename"] == "ZeroDivisionError"


def kernels_of(run_id: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("BEEKEEPER_RUN_ID") == run_id:
                found.append(proc)
        except (psutil.Error, OSError):
            pass
    return found


async def test_stopping_a_notebook_run_ends_its_kernel(api, ready_project):
    await ready_project("nbstop", {"loop.ipynb": notebook(
        ("import time\nprint('looping', flush=True)\nwhile True: time.sleep(0.2)", []))}, train_file="loop.ipynb")
    code, run = await api.post("projects/nbstop/runs")
    await wait_log(api, run["id"], "looping")
    assert any("ipykernel" in " ".join(p.cmdline()) for p in kernels_of(run["id"]))
    code, _ = await api.post(f"runs/{run['id']}/stop")
    assert code == 202
    run = await wait_run(api, run["id"])
    assert run["state"] == "stopped", run
    assert [p for p in kernels_of(run["id"]) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
    body = (await api.get(f"projects/nbstop/files/{run['notebook']}", raw=True)).body
    assert "looping" in body.decode(), (await log_of(api, run["id"])).decode()  # what it printed before the stop is in the saved notebook
