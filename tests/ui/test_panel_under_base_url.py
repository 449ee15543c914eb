"""The lab panel under a JupyterHub-style base_url (/user/alice/), in real JupyterLab and Chromium:
create through the form, setup to ready, a run's live log (REST and WebSocket), the host stats
stream, TensorBoard through the proxy showing the run's scalar, and stop — every URL below the
prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

import beekeeper_ext

pytestmark = pytest.mark.ui
LAB_OPTIONS = {"base_url": "/user/alice/"}

TBEVENTS = (Path(beekeeper_ext.__file__).parent / "example_project" / "tbevents.py").read_text()
TRAIN = """\
import time
from tbevents import SummaryWriter

writer = SummaryWriter("runs/exp1")
for step in range(100000):
    writer.add_scalar("loss", 1.0 / (step + 1), step)
    print("step", step, flush=True)
    time.sleep(0.2)
"""


def tab(page, name: str):
    page.click(f".bk-page-widget:visible .bk-tab[data-tab='{name}']")
    page.wait_for_selector(f".bk-page-widget:visible .bk-tab-body[data-tab-body='{name}']")


def test_panel_under_a_base_url(page, lab, git_repo):
    assert lab.url.endswith("/user/alice/")
    prefix_requests: list[str] = []
    page.on("request", lambda r: prefix_requests.append(r.url) if "/beekeeper/" in r.url else None)
    refused: list[str] = []
    page.on("response", lambda r: refused.append(f"{r.status} {r.request.method} {r.url}")
            if "/beekeeper/" in r.url and r.status >= 400 else None)
    url = git_repo({"train.py": TRAIN, "tbevents.py": TBEVENTS, "requirements.txt": ""})
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:show-panel')")
    page.wait_for_selector("#beekeeper-sidebar .bk-sidebar-header", state="visible")
    page.wait_for_function("() => Number(document.querySelector('.bk-stats')?.dataset.samples || 0) >= 2",
                           timeout=60_000)

    page.click("#beekeeper-sidebar .bk-new-project")
    page.fill("#bk-f-name", "alice")
    page.fill("#bk-f-git_url", url)
    page.click("#beekeeper-form-new button[type='submit']")
    page.wait_for_selector("#beekeeper-project-alice .bk-page-header .bk-setup-ready", timeout=240_000)

    tab(page, "runs")
    page.click("#beekeeper-project-alice .bk-start-run")
    page.wait_for_function(
        "() => /step 3\\b/.test(document.querySelector('#beekeeper-project-alice .bk-log-scroll')?.innerText || '')",
        timeout=180_000)

    tab(page, "tensorboard")
    frame = page.frame_locator("#beekeeper-project-alice iframe.bk-tb-frame")
    try:
        frame.locator("text=loss").first.wait_for(timeout=180_000)
    except Exception:
        page.screenshot(path="/tmp/handlers_tb.png")
        raise AssertionError(f"TensorBoard showed no scalar; refused: {refused}") from None
    src = page.locator("#beekeeper-project-alice iframe.bk-tb-frame").get_attribute("src")
    path, _, query = src.partition("?")
    assert path == "/user/alice/beekeeper/tensorboard/alice/", src
    assert query == "darkMode=false", src  # TensorBoard's own flag, from JupyterLab's (light) theme

    tab(page, "runs")
    page.click("#beekeeper-project-alice .bk-runs-table .bk-stop")
    page.wait_for_selector("#beekeeper-project-alice .bk-runs-table .bk-state-stopped", timeout=90_000)

    assert prefix_requests and all("/user/alice/beekeeper/" in u for u in prefix_requests), [
        u for u in prefix_requests if "/user/alice/beekeeper/" not in u]
