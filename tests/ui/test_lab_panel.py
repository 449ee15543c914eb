"""The lab panel in real JupyterLab and Chromium: form validation, create → ready → run → live log →
TensorBoard scalar → stop → back, the stats panel, and screenshots of every view in light and dark."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

import beekeeper_ext

pytestmark = pytest.mark.ui

TBEVENTS = (Path(beekeeper_ext.__file__).parent / "example_project" / "tbevents.py").read_text()
TRAIN = """\
import sys, time
from tbevents import SummaryWriter

if "--burst" in sys.argv:  # a long log at once: the view must window it
    sys.stdout.write("".join(f"burst line {i}\\n" for i in range(120000)))
    sys.exit(0)

writer = SummaryWriter("runs/exp1")
print("\\x1b[32mtraining started\\x1b[0m", flush=True)
for step in range(100000):
    writer.add_scalar("loss", 1.0 / (step + 1), step)
    print("step", step, "loss", round(1.0 / (step + 1), 4), flush=True)
    time.sleep(0.2)
"""


def open_sidebar(page):
    # By command: clicking the panel's tab toggles it, and would close it if the layout had it open.
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:show-panel')")
    page.wait_for_selector("#beekeeper-sidebar .bk-sidebar-header", state="visible")


def set_theme(page, theme: str):
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
    light = "true" if theme == "JupyterLab Light" else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'"
                           f" && document.body.dataset.jpThemeName === '{theme}'")
    page.wait_for_timeout(800)


def tab(page, name: str):
    page.click(f".bk-page-widget:visible .bk-tab[data-tab='{name}']")
    page.wait_for_selector(f".bk-page-widget:visible .bk-tab-body[data-tab-body='{name}']")


def test_form_validation_errors(page, shot):
    open_sidebar(page)
    page.click("#beekeeper-sidebar .bk-new-project")
    # The form opens full width in the main area (the sidebar cut off the git URL and the paths).
    form = page.locator("#jp-main-dock-panel #beekeeper-form-new")
    form.wait_for()
    sidebar_width = page.locator("#beekeeper-sidebar").bounding_box()["width"]
    assert page.locator("#bk-f-git_url").bounding_box()["width"] > 2 * sidebar_width
    assert page.locator("#beekeeper-sidebar #bk-f-name").count() == 0
    page.fill("#bk-f-name", "bad name")
    error = page.locator("[data-field='name'] .bk-field-error")
    assert "No spaces" in error.inner_text()
    page.fill("#bk-f-name", "a..b")
    assert ".." in error.inner_text()
    page.fill("#bk-f-name", "good-name")
    assert error.count() == 0
    # A server-side rule: the error lands next to the field the server names.
    page.fill("#bk-f-git_url", "not a url")
    page.click("#beekeeper-form-new button[type='submit']")
    server_error = page.locator("[data-field='git_url'] .bk-field-error")
    server_error.wait_for()
    assert server_error.inner_text().strip()
    shot(page, "form-validation-light")
    page.click("#beekeeper-form-new button:has-text('Cancel')")
    page.wait_for_selector("#beekeeper-form-new", state="detached")
    # The palette commands exist.
    for command in ("new-project", "open-project", "run", "stop", "show-panel"):
        assert page.evaluate(f"() => window.jupyterapp.commands.hasCommand('beekeeper:{command}')")


def test_create_run_logs_tensorboard_stop_back(page, lab, shot, git_repo):
    url = git_repo({"train.py": TRAIN, "tbevents.py": TBEVENTS, "requirements.txt": ""})
    open_sidebar(page)

    # Host stats: live samples arrive over the metrics WebSocket.
    page.wait_for_function("() => Number(document.querySelector('.bk-stats')?.dataset.samples || 0) >= 2",
                           timeout=60_000)
    assert page.locator(".bk-stats .bk-spark-label", has_text="CPU").count() == 1
    assert page.locator(".bk-stats .bk-spark-label", has_text="Memory").count() == 1

    # Create through the form.
    page.click("#beekeeper-sidebar .bk-new-project")
    page.fill("#bk-f-name", "demo")
    page.fill("#bk-f-git_url", url)
    assert page.input_value("#bk-f-branch") == ""  # the remote's default
    assert page.input_value("#bk-f-train_file") == "train.py"
    assert page.input_value("#bk-f-tensorboard_log_dir") == "runs"
    page.click("#beekeeper-form-new button[type='submit']")
    page.wait_for_selector("#beekeeper-form-new", state="detached")

    # The project page opens; setup reaches ready.
    page.wait_for_selector("#beekeeper-project-demo .bk-page-title:has-text('demo')")
    page.wait_for_selector("#beekeeper-project-demo .bk-page-header .bk-setup-ready", timeout=240_000)
    assert page.locator("#beekeeper-sidebar [data-project='demo']").count() == 1

    # Run from the Runs tab: the Logs tab opens and live lines appear.
    tab(page, "runs")
    page.click("#beekeeper-project-demo .bk-start-run")
    page.wait_for_selector("#beekeeper-project-demo .bk-tab-body[data-tab-body='logs']")
    log = page.locator("#beekeeper-project-demo .bk-log-scroll")
    page.wait_for_function(
        "() => /step 3 /.test(document.querySelector('#beekeeper-project-demo .bk-log-scroll')?.innerText || '')",
        timeout=180_000)
    first = int(log.get_attribute("data-lines"))
    page.wait_for_function(
        f"() => Number(document.querySelector('#beekeeper-project-demo .bk-log-scroll').dataset.lines) > {first + 3}",
        timeout=60_000)
    # ANSI colour rendered as a styled span, not escape codes.
    started = page.locator("#beekeeper-project-demo .bk-log-line span", has_text="training started")
    assert "rgb" in started.evaluate("e => getComputedStyle(e).color")
    assert "\x1b" not in log.inner_text()

    # The sidebar row shows the live run.
    page.wait_for_selector("#beekeeper-sidebar [data-project='demo'] .bk-stop")
    summary = page.locator("#beekeeper-sidebar [data-project='demo'] .bk-project-summary")
    assert "running" in summary.inner_text()
    # Its duration ticks while it runs, in the sidebar and in the Runs table.
    def ticks(selector: str):
        """The text before the first " · " (the sidebar's headline scalar changes on its own) moves on."""
        read = "s => (document.querySelector(s)?.innerText || '').split(' · ')[0]"
        before = page.evaluate(read, selector)
        page.wait_for_function(f"([s, t]) => ({read})(s) !== t", arg=[selector, before], timeout=30_000)

    ticks("#beekeeper-sidebar [data-project='demo'] .bk-project-summary")
    tab(page, "runs")
    ticks("#beekeeper-project-demo .bk-runs-table .bk-run-running .bk-duration")
    assert page.locator("#beekeeper-project-demo .bk-runs-table .bk-run-running .bk-duration").inner_text() != "0 s"

    # TensorBoard through the proxy renders the scalar tag.
    tab(page, "tensorboard")
    frame = page.frame_locator("#beekeeper-project-demo iframe.bk-tb-frame")
    frame.locator("text=loss").first.wait_for(timeout=180_000)

    # Stop from the Runs tab.
    tab(page, "runs")
    page.click("#beekeeper-project-demo .bk-runs-table .bk-stop")
    page.wait_for_selector("#beekeeper-project-demo .bk-runs-table .bk-state-stopped", timeout=90_000)
    # The run-ended notification offers its log.
    page.wait_for_selector(".Toastify__toast:has-text('stopped')", timeout=30_000)

    # A run with arguments from the form that writes 120,000 lines: all counted, few drawn.
    page.fill("#bk-run-args", "--burst")
    page.click("#beekeeper-project-demo .bk-start-run")
    page.wait_for_selector("#beekeeper-project-demo .bk-log-status .bk-state-succeeded", timeout=120_000)
    page.wait_for_function(
        "() => Number(document.querySelector('#beekeeper-project-demo .bk-log-scroll').dataset.lines) >= 120000",
        timeout=60_000)
    assert page.locator("#beekeeper-project-demo .bk-log-line").count() < 300
    assert "burst line 119999" in log.inner_text()  # following the end
    page.fill("#beekeeper-project-demo .bk-log-search", "burst line 5000")
    page.wait_for_selector("#beekeeper-project-demo .bk-log-hit-current:has-text('burst line 5000')")
    shot(page, "logs-long-light")

    # Edit settings (PATCH) from the Overview.
    tab(page, "overview")
    page.click("#beekeeper-project-demo .bk-card-title button:has-text('Edit')")
    page.fill("#beekeeper-form-edit-demo #bk-f-env", "FOO=bar")
    page.click("#beekeeper-form-edit-demo button[type='submit']")
    page.wait_for_selector("#beekeeper-form-edit-demo", state="detached")
    page.wait_for_selector("#beekeeper-project-demo .bk-kv td:text-is('FOO')")

    # Back to the list.
    page.click("#beekeeper-project-demo .bk-back")
    page.wait_for_selector("#beekeeper-project-demo", state="detached")
    assert page.locator("#beekeeper-sidebar").is_visible()


VIEWS = ["overview", "runs", "logs", "tensorboard", "files"]


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark", "Beekeeper Dark"])
def test_screenshots(page, lab, shot, theme):
    """Every main view in each theme, saved for a human look (runs after the flow test made data)."""
    slug = {"JupyterLab Light": "light", "JupyterLab Dark": "dark", "Beekeeper Dark": "beekeeper-dark"}[theme]
    set_theme(page, theme)
    open_sidebar(page)
    page.wait_for_selector("#beekeeper-sidebar [data-project='demo']")
    page.wait_for_function("() => Number(document.querySelector('.bk-stats')?.dataset.samples || 0) >= 2")
    shot(page, f"sidebar-{slug}")
    page.click("#beekeeper-sidebar [data-project='demo']")
    page.wait_for_selector("#beekeeper-project-demo .bk-page-title")
    for view in VIEWS:
        tab(page, view)
        if view == "logs":
            page.wait_for_selector("#beekeeper-project-demo .bk-log-line")
        elif view == "tensorboard":
            page.frame_locator("#beekeeper-project-demo iframe.bk-tb-frame").locator("text=loss").first.wait_for(
                timeout=120_000)
        elif view == "files":
            page.wait_for_selector("#beekeeper-project-demo [data-entry='train.py']")
        page.wait_for_timeout(500)
        shot(page, f"{view}-{slug}")


def put_settings(lab, values: dict) -> None:
    """The panel's settings as the Settings Editor saves them (JupyterLab's settings REST API)."""
    request = urllib.request.Request(
        f"{lab.url}lab/api/settings/beekeeper-ext:plugin", method="PUT",
        data=json.dumps({"raw": json.dumps(values)}).encode(),
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status in (200, 204)


def test_settings_choose_run_columns(page, lab):
    """schema/plugin.json is registered, and the panel reads its choices through the setting registry."""
    put_settings(lab, {"runColumns": ["duration", "args"], "metricColumns": ["loss:min"]})
    try:
        page.reload()
        page.wait_for_function("() => window.jupyterapp?.commands.hasCommand('beekeeper:open-project')")
        # Open the page only once Lab has restored its layout, which would otherwise replace it.
        page.evaluate("() => window.jupyterapp.restored.then(() => true)")
        page.wait_for_selector("#beekeeper-sidebar [data-project='demo']", state="attached")
        page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:open-project', {name: 'demo', tab: 'runs'})")
        try:
            page.wait_for_selector("#beekeeper-project-demo .bk-runs-table")
        except Exception:
            page.screenshot(path="/tmp/panels_settings.png")
            raise
        headers = page.locator("#beekeeper-project-demo .bk-runs-table th").all_inner_texts()
        # "": the Compare checkboxes; burst: the one param that differs between the demo's runs.
        assert headers == ["", "Run", "State", "Duration", "Args", "burst", "loss (min)", ""], headers
    finally:
        put_settings(lab, {})


def test_delete_with_confirm(page, lab):
    open_sidebar(page)
    page.click("#beekeeper-sidebar [data-project='demo']")
    page.click("#beekeeper-project-demo .bk-danger")
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for()
    assert "Delete demo?" in dialog.inner_text()
    dialog.locator("button:has-text('Delete')").click()
    page.wait_for_selector("#beekeeper-project-demo", state="detached")
    page.wait_for_selector("#beekeeper-sidebar [data-project='demo']", state="detached")
    assert lab.api("GET", "projects")["projects"] == []
