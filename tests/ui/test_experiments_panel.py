"""The panel's experiment views in real JupyterLab and Chromium, with two real runs of one script
writing real TensorBoard event files: the Runs tab's metric and differing-param columns and a
server-side sort by header, checking both runs and Compare (a chart per tag drawn on canvas, a
legend naming each run with its params, the params table marking the difference), a run's detail
page from its id (its charts, command and log) and the All runs view."""

from __future__ import annotations

from pathlib import Path

import pytest

import beekeeper_ext

pytestmark = pytest.mark.ui

TBEVENTS = (Path(beekeeper_ext.__file__).parent / "example_project" / "tbevents.py").read_text()
TRAIN = """\
import argparse
from tbevents import SummaryWriter

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
lr = parser.parse_args().lr
writer = SummaryWriter("runs/exp")
for step in range(50):
    writer.add_scalar("loss", 1.0 / (1 + lr * step), step)
    writer.add_scalar("accuracy", 1.0 - 1.0 / (1 + lr * step), step)
writer.close()
print("done", lr, flush=True)
"""
PAGE = "#beekeeper-project-exp"


@pytest.mark.timeout(600)
def test_compare_two_runs_and_open_one(page, lab, shot, git_repo):
    url = git_repo({"train.py": TRAIN, "tbevents.py": TBEVENTS, "requirements.txt": ""})
    lab.api("POST", "projects", {"name": "exp", "git_url": url})
    project = lab.wait_api("projects/exp", lambda p: p["setup"]["state"] in ("ready", "failed"))
    assert project["setup"]["state"] == "ready", project["setup"]
    ids = []
    for lr in ("0.1", "0.01"):
        run = lab.api("POST", "projects/exp/runs", {"args": ["--lr", lr]})
        # One at a time: both write runs/exp, and each keeps its own metrics.
        lab.wait_api(f"runs/{run['id']}", lambda r: r["state"] not in ("queued", "starting", "running"))
        ids.append(run["id"])
    runs = lab.wait_api("projects/exp/runs",
                    lambda b: all(r.get("metrics", {}).get("loss", {}).get("count") == 50 for r in b["runs"]))
    assert {r["params"].get("lr") for r in runs["runs"]} == {0.1, 0.01}, runs

    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:open-project', {name: 'exp', tab: 'runs'})")
    table = f"{PAGE} .bk-runs-table"
    page.wait_for_selector(f"{table} tr[data-run='{ids[1]}']")
    # The param that differs and the newest run's tags are columns.
    page.wait_for_selector(f"{table} th[data-sort='param:lr']")
    page.wait_for_selector(f"{table} th[data-sort='metric:loss:last']")
    assert page.locator(f"{table} tr[data-run='{ids[0]}'] td.bk-param").first.inner_text() == "0.1"

    # Sorting by the final loss asks the server: the lower loss (lr 0.1) first, then flipped.
    with page.expect_response(lambda r: "sort=metric%3Aloss%3Alast" in r.url or "sort=metric:loss:last" in r.url):
        page.click(f"{table} th[data-sort='metric:loss:last'] button")
    page.wait_for_function(
        f"() => document.querySelector('{table} tbody tr')?.dataset.run === '{ids[0]}'")
    page.click(f"{table} th[data-sort='metric:loss:last'] button")
    page.wait_for_function(
        f"() => document.querySelector('{table} tbody tr')?.dataset.run === '{ids[1]}'")

    for run_id in ids:
        page.check(f"{table} tr[data-run='{run_id}'] .bk-check input")
    page.click(f"{PAGE} .bk-compare")
    view = ".bk-compare-widget"
    page.wait_for_selector(f"{view} .bk-chart[data-chart='loss'] canvas")
    page.wait_for_selector(f"{view} .bk-chart[data-chart='accuracy'] canvas")
    legend = page.locator(f"{view} .bk-chart[data-chart='loss'] .u-legend").inner_text()
    assert f"{ids[0]} lr=0.1" in legend and f"{ids[1]} lr=0.01" in legend, legend
    lr_row = page.locator(f"{view} .bk-params-table tr[data-param='lr']")
    assert "bk-param-differs" in (lr_row.get_attribute("class") or "")
    assert "0.1" in lr_row.inner_text() and "0.01" in lr_row.inner_text()
    # The chart draws: some pixel of the canvas is not blank.
    drawn = page.evaluate(f"""() => {{
        const c = document.querySelector("{view} .bk-chart[data-chart='loss'] canvas");
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) {{ if (d[i] > 0) return true; }}
        return false;
    }}""")
    assert drawn
    page.check(f"{view} .bk-log-scale")
    page.select_option(f"{view} .bk-x-axis", "relative")
    page.wait_for_selector(f"{view} .bk-chart[data-chart='loss'] canvas")
    shot(page, "experiments_compare")
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    page.wait_for_selector(f"{view} .bk-chart[data-chart='loss'] canvas")
    shot(page, "experiments_compare_dark")
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")

    # A run id opens its detail page: its charts, command and log.
    page.click(f"{view} .bk-params-table th a.bk-run-link:text('{ids[0]}')")
    detail = f"#beekeeper-run-{ids[0]}"
    page.wait_for_selector(f"{detail} .bk-chart[data-chart='loss'] canvas")
    assert "--lr 0.1" in page.locator(f"{detail} .bk-run-command").inner_text()
    page.wait_for_function(
        f"() => /done 0.1/.test(document.querySelector('{detail} .bk-log-scroll')?.innerText || '')")
    shot(page, "experiments_run_detail")

    # All runs: filter by project and state, sort by a metric on the server, open a run.
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:all-runs')")
    overview = "#beekeeper-all-runs"
    page.wait_for_selector(f"{overview} tr[data-run='{ids[1]}']")
    page.select_option(f"{overview} .bk-filter-project", "exp")
    page.select_option(f"{overview} .bk-filter-state", "succeeded")
    with page.expect_response(lambda r: "/beekeeper/api/runs?" in r.url and "sort=" in r.url):
        page.select_option(f"{overview} .bk-sort-by", "-metric:accuracy:max")
    page.wait_for_function(  # lr 0.1 reached the higher accuracy
        f"() => document.querySelector('{overview} tbody tr[data-run]')?.dataset.run === '{ids[0]}'")
    page.click(f"{overview} tr[data-run='{ids[1]}'] a.bk-run-link")
    page.wait_for_selector(f"#beekeeper-run-{ids[1]} .bk-chart[data-chart='accuracy'] canvas")
