"""Issue #12's panel pieces in real JupyterLab and Chromium, on a real repository whose default branch
is `master` and whose train file is a notebook: the form's branch dropdown (an unreachable URL's error
beside the URL, then the remote's branches with its default marked), a project on the remote's
default, a notebook run's executed notebook opened read-only in JupyterLab's own viewer (from a run
folder outside Jupyter's root, no kernel started), and TensorBoard through the proxy following the
dark theme with its fonts loading below the proxy."""

from __future__ import annotations

import json
import shutil
import subprocess

import nbformat
import pytest

pytestmark = pytest.mark.ui

NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook(cells=[
    nbformat.v4.new_code_cell("lr = 0.1", metadata={"tags": ["parameters"]}),
    nbformat.v4.new_code_cell("print(f'lr is {lr}')"),
]))


def set_theme(page, theme: str):
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
    light = "true" if theme == "JupyterLab Light" else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")


def master_repo(git_repo, tmp_path) -> str:
    """A real repository on `master` (its HEAD) with a second branch, `dev` (conftest's git_repo makes
    it in tmp_path/repo)."""
    url = git_repo({"train.ipynb": NOTEBOOK, "requirements.txt": ""})
    for argv in (["branch", "-m", "main", "master"], ["branch", "dev"]):
        subprocess.run([shutil.which("git"), *argv], cwd=tmp_path / "repo", check=True)
    return url


@pytest.mark.timeout(900)
def test_branch_dropdown_notebook_and_tensorboard_theme(page, lab, shot, git_repo, tmp_path):
    url = master_repo(git_repo, tmp_path)
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:new-project')")
    form = "#beekeeper-form-new"
    page.wait_for_selector(f"{form} #bk-f-git_url")
    page.fill("#bk-f-name", "nb")

    # An unreachable remote: the lookup's error sits beside the URL, and typing goes on.
    page.fill("#bk-f-git_url", (tmp_path / "missing").as_uri())
    error = page.locator(f"{form} [data-field='git_url'] .bk-field-error")
    error.wait_for()
    assert "branches" in error.inner_text()
    assert page.locator(f"{form} input#bk-f-branch").count() == 1  # still free text

    # The real remote: its branches as a dropdown, the default marked, empty = the remote's default.
    page.fill("#bk-f-git_url", url)
    page.wait_for_selector(f"{form} select#bk-f-branch")
    assert error.count() == 0
    options = page.locator(f"{form} #bk-f-branch option")
    assert options.all_inner_texts() == ["Remote default (master)", "dev", "master (default)"]
    assert page.input_value("#bk-f-branch") == ""
    page.select_option("#bk-f-branch", "dev")
    page.select_option("#bk-f-branch", "")
    page.fill("#bk-f-train_file", "train.ipynb")
    shot(page, "form-branches-light")
    page.click(f"{form} button[type='submit']")
    page.wait_for_selector(form, state="detached")
    page.wait_for_selector("#beekeeper-project-nb .bk-page-header .bk-setup-ready", timeout=300_000)
    project = lab.api("GET", "projects/nb")
    assert project["branch"] == "" and project["setup"]["branch"] == "master", project

    # A notebook run; its executed notebook opens from the run's page in JupyterLab's viewer.
    run = lab.api("POST", "projects/nb/runs", {"args": ["--lr", "0.5"]})
    page.evaluate("id => window.jupyterapp.commands.execute('beekeeper:open-run', {id})", run["id"])
    detail = f"#beekeeper-run-{run['id']}"
    page.wait_for_selector(f"{detail} .bk-badge.bk-state-succeeded", timeout=180_000)
    assert page.locator(f"{detail}.bk-run-detail-widget").count() == 1
    page.click(f"{detail} .bk-open-notebook")
    notebook = page.locator(".jp-NotebookPanel:visible")
    notebook.locator(".jp-OutputArea-output", has_text="lr is 0.5").wait_for()
    assert notebook.locator(".jp-Cell").count() == 3  # parameters, the injected cell, the print
    opened = page.evaluate("""async () => {
        const w = window.jupyterapp.shell.currentWidget;
        await w.context.sessionContext.ready;
        await window.jupyterapp.serviceManager.sessions.refreshRunning();
        return {path: w.context.path, writable: w.context.contentsModel.writable, dirty: w.context.model.dirty,
                session: w.context.sessionContext.session,
                sessions: Array.from(window.jupyterapp.serviceManager.sessions.running()).length};
    }""")
    assert opened == {"path": f"Beekeeper:nb/runs/{run['id']}/train.ipynb", "writable": False,
                      "dirty": False, "session": None, "sessions": 0}, json.dumps(opened)
    shot(page, "executed-notebook-light")
    # ...and from the run's row in the project's Runs table.
    page.evaluate("() => window.jupyterapp.shell.currentWidget.close()")
    notebook.wait_for(state="hidden")
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:open-project', {name: 'nb', tab: 'runs'})")
    page.click(f"#beekeeper-project-nb .bk-runs-table tr[data-run='{run['id']}'] .bk-open-notebook")
    notebook.locator(".jp-OutputArea-output", has_text="lr is 0.5").wait_for()
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path") == opened["path"]

    # TensorBoard follows the dark theme; the fonts its page asks for load below the proxy.
    set_theme(page, "JupyterLab Dark")
    with page.expect_response(lambda r: "font-roboto/" in r.url, timeout=180_000) as font:
        page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:open-project', "
                      "{name: 'nb', tab: 'tensorboard'})")
        frame = page.frame_locator("#beekeeper-project-nb iframe.bk-tb-frame")
        frame.locator("body.dark-mode").wait_for(timeout=180_000)
    assert font.value.status == 200 and "/beekeeper/tensorboard/nb/font-roboto/" in font.value.url
    assert "darkMode=true" in page.get_attribute("#beekeeper-project-nb iframe.bk-tb-frame", "src")
    shot(page, "tensorboard-dark")
    set_theme(page, "JupyterLab Light")
    page.wait_for_selector("#beekeeper-project-nb iframe.bk-tb-frame[src*='darkMode=false']")
