"""The lab panel with a Ray cluster beside the local host, in real JupyterLab and Chromium: the run
form offers the executors the server has (with the cluster's GPUs), a run sent to Ray streams its
log like a local one, the history says where each run went, and a project can make Ray its default.

A real local Ray head (tests/rayhead.py, `--num-gpus=2` declared) is started for this module.
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("ray")

pytestmark = [pytest.mark.ui, pytest.mark.ray]

TRAIN = """\
import os
print("CVD=" + os.environ.get("CUDA_VISIBLE_DEVICES", "<unset>"), flush=True)
print("run id " + os.environ.get("BEEKEEPER_RUN_ID", "?"), flush=True)
"""
PAGE = "#beekeeper-project-cluster"


@pytest.fixture(scope="module")
def lab_config(ray_head):
    return {"ray_address": ray_head.address}


def wait_ready(lab, name: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        project = lab.api("GET", f"projects/{name}")
        if project["setup"]["state"] in ("ready", "failed"):
            return project
        time.sleep(0.5)
    raise AssertionError(f"{name} never finished setup")


@pytest.mark.timeout(600)
def test_run_on_ray_from_the_panel(page, lab, shot, git_repo):
    url = git_repo({"train.py": TRAIN, "requirements.txt": ""})
    lab.api("POST", "projects", {"name": "cluster", "git_url": url})
    assert wait_ready(lab, "cluster")["setup"]["state"] == "ready"
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:open-project', {name: 'cluster', tab: 'runs'})")

    # The form offers both executors; the cluster's declared GPUs are shown once the head reports them.
    select = page.locator(f"{PAGE} #bk-run-executor")
    select.wait_for()
    options = select.locator("option").all_inner_texts()
    assert options[0] == "Default (local)" and "local" in options
    assert any(o.startswith("ray") and "unreachable" not in o for o in options), options

    select.select_option("ray")
    page.fill(f"{PAGE} #bk-run-gpus", "1")
    page.click(f"{PAGE} .bk-start-run")
    page.wait_for_selector(f"{PAGE} .bk-log-status .bk-state-succeeded", timeout=240_000)
    log = page.locator(f"{PAGE} .bk-log-scroll").inner_text()
    assert "CVD=0" in log or "CVD=1" in log, log  # Ray chose the device, not Beekeeper's pool
    (run,) = lab.api("GET", "projects/cluster/runs")["runs"]
    assert run["executor"] == "ray" and f"run id {run['id']}" in log

    # The history says where the run went, and what that mode means.
    page.click(f"{PAGE} .bk-tab[data-tab='runs']")
    where = page.locator(f"{PAGE} tr[data-run='{run['id']}'] .bk-where")
    assert where.inner_text().startswith("ray · shared-filesystem")
    assert "work as for local runs" in where.get_attribute("title")
    assert page.locator(f"{PAGE} tr[data-run='{run['id']}'] td[title='placed by the executor']").inner_text() == "×1"
    shot(page, "runs-ray-light")

    # Ray as the project's default, from the edit form.
    page.click(f"{PAGE} .bk-tab[data-tab='overview']")
    page.click(f"{PAGE} .bk-card-title button:has-text('Edit')")
    page.select_option("#beekeeper-form-edit-cluster #bk-f-default_executor", "ray")
    page.click("#beekeeper-form-edit-cluster button[type='submit']")
    page.wait_for_selector(f"{PAGE} .bk-kv tr:has(th:text-is('Runs go to')) td:text-is('ray')")
    assert lab.api("GET", "projects/cluster")["default_executor"] == "ray"
    page.click(f"{PAGE} .bk-tab[data-tab='runs']")
    assert page.locator(f"{PAGE} #bk-run-executor option").first.inner_text() == "Default (ray)"
