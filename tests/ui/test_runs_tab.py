"""The project page's Runs tab in real JupyterLab and Chromium, on one lab with a single CPU slot:
presets in the run form and Run again (same args, preset env filled in by the server, a typed env
value asked for again), the metric column picker saved through the setting registry, energy
columns with their reason on hover, the queue in start order moved up, down and by drag, and a
long history (seeded finished runs) whose end and middle load only the page the table shows."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from seeded_runs import finished_runs

from beekeeper_ext.store import Store

pytestmark = pytest.mark.ui

TRAIN = """\
import os, sys, time
args = sys.argv[1:]
if "--hold" in args:
    hold = args[args.index("--hold") + 1]
    while not os.path.exists(hold):
        time.sleep(0.05)
for step in range(3):
    print(f"step={step} loss={1.0 / (step + 1):.3f} acc={step / 3:.3f}", flush=True)
print("args", " ".join(args), "mode", os.environ.get("MODE", "-"),
      "secret", "set" if os.environ.get("SECRET") else "unset", flush=True)
"""
PAGE = "#beekeeper-project-q"


@pytest.fixture(scope="module")
def lab_config():
    return {"max_concurrent_runs": 1}


def ended(run: dict) -> bool:
    return run["state"] not in ("queued", "starting", "running")


@pytest.fixture
def project(lab, git_repo):
    """Project q (made by the first test that asks; the lab is the module's)."""
    if not any(p["name"] == "q" for p in lab.api("GET", "projects")["projects"]):
        url = git_repo({"train.py": TRAIN, "requirements.txt": ""})
        lab.api("POST", "projects", {
            "name": "q", "git_url": url,
            "default_run": {"args": ["--tag", "default"]},
            "presets": {"long": {"args": ["--tag", "long"], "env": {"MODE": "preset"}}},
        })
    project = lab.wait_api("projects/q", lambda p: p["setup"]["state"] in ("ready", "failed"))
    assert project["setup"]["state"] == "ready", project["setup"]
    return project


def started(response) -> bool:
    """A run's POST (what the panel sent is its request's body)."""
    return response.request.method == "POST" and "/beekeeper/api/projects/q/runs" in response.url


def open_runs(page):
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:open-project', {name: 'q', tab: 'runs'})")
    page.wait_for_selector(f"{PAGE} .bk-run-form")


def newest(lab) -> dict:
    return lab.api("GET", "projects/q/runs?limit=1")["runs"][0]


def metric_columns(lab) -> list:
    """The metricColumns setting as the setting registry saved it (JupyterLab's settings REST API)."""
    request = urllib.request.Request(f"{lab.url}lab/api/settings/beekeeper-ext:plugin",
                                     headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["settings"].get("metricColumns", [])


def wait_saved(lab, done, timeout: float = 30) -> list:
    """The picker saves asynchronously (the registry PUTs after the click)."""
    deadline = time.monotonic() + timeout
    while not done(columns := metric_columns(lab)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert done(columns), columns
    return columns


def test_presets_run_again_and_energy(page, lab, project):
    open_runs(page)
    page.select_option(f"{PAGE} #bk-run-preset", "long")
    # Empty fields are the preset's: the placeholder says what the arguments will be.
    assert "--tag long" in page.get_attribute(f"{PAGE} #bk-run-args", "placeholder")
    with page.expect_response(started) as posted:
        page.click(f"{PAGE} .bk-start-run")
    assert posted.value.request.post_data_json == {"preset": "long"}
    first = lab.wait_api(f"runs/{posted.value.json()['id']}", ended)
    assert (first["args"], first["preset"], first["env_keys"], first["state"]) == (
        ["--tag", "long"], "long", ["MODE"], "succeeded")

    # Run again: nothing to type (MODE comes from the preset again), so it starts at once.
    open_runs(page)
    with page.expect_response(started) as again:
        page.click(f"{PAGE} tr[data-run='{first['id']}'] .bk-run-again")
    second = lab.wait_api(f"runs/{again.value.json()['id']}", ended)
    assert (second["args"], second["preset"], second["env_keys"]) == (["--tag", "long"], "long", ["MODE"])

    # A typed env value is never returned: Run again asks for it, the rest filled in.
    open_runs(page)
    page.select_option(f"{PAGE} #bk-run-preset", "")
    page.fill(f"{PAGE} #bk-run-env", "SECRET=s3")
    with page.expect_response(started) as typed:
        page.click(f"{PAGE} .bk-start-run")
    third = lab.wait_api(f"runs/{typed.value.json()['id']}", ended)
    assert (third["args"], third["env_keys"]) == (["--tag", "default"], ["SECRET"])
    open_runs(page)
    page.click(f"{PAGE} tr[data-run='{third['id']}'] .bk-run-again")
    page.wait_for_selector(f"{PAGE} .bk-env-again")
    assert page.input_value(f"{PAGE} #bk-run-env") == "SECRET="
    assert page.input_value(f"{PAGE} #bk-run-args") == "--tag default"
    page.fill(f"{PAGE} #bk-run-env", "SECRET=again")
    with page.expect_response(started) as refilled:
        page.click(f"{PAGE} .bk-start-run")
    fourth = lab.wait_api(f"runs/{refilled.value.json()['id']}", ended)
    assert (fourth["args"], fourth["env_keys"]) == (["--tag", "default"], ["SECRET"])
    request = urllib.request.Request(f"{lab.url}beekeeper/api/runs/{fourth['id']}/log",
                                     headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert b"secret set" in response.read()

    # Energy: with no NVML and no price, a dash whose hover says why (never a made-up number).
    open_runs(page)
    cell = page.locator(f"{PAGE} tr[data-run='{fourth['id']}'] td.bk-energy").first
    cell.wait_for()
    energy = lab.api("GET", f"runs/{fourth['id']}")["energy"]
    if energy["gpu_wh"] is None:
        assert cell.inner_text() == "—" and cell.get_attribute("title") == energy["gpu_reason"]


def test_metric_picker_saves_the_columns(page, lab, project):
    lab.wait_api("projects/q/runs", lambda b: any("acc" in (r.get("metrics") or {}) for r in b["runs"]))
    open_runs(page)
    table = f"{PAGE} .bk-runs-table"
    page.wait_for_selector(f"{table} th[data-sort='metric:loss:last']")  # the default: the newest run's tags
    page.click(f"{PAGE} .bk-metric-picker summary")
    page.check(f"{PAGE} .bk-metric-picker tr[data-tag='loss'] input[data-stat='min']")
    page.wait_for_selector(f"{table} th[data-sort='metric:loss:min']")
    # Saved where the Settings Editor saves it: the default's tags made explicit, plus the new one.
    assert "loss:min" in wait_saved(lab, lambda cols: "loss:min" in cols)
    page.uncheck(f"{PAGE} .bk-metric-picker tr[data-tag='acc'] input[data-stat='last']")
    page.wait_for_selector(f"{table} th[data-sort='metric:acc:last']", state="detached")
    with page.expect_response(lambda r: "sort=metric%3Aloss%3Amin" in r.url or "sort=metric:loss:min" in r.url):
        page.click(f"{table} th[data-sort='metric:loss:min'] button")
    page.click(f"{PAGE} .bk-metric-reset")
    page.wait_for_selector(f"{table} th[data-sort='metric:loss:min']", state="detached")
    wait_saved(lab, lambda cols: cols == [])


def wait_order(page, ids: list[str]) -> None:
    page.wait_for_function(
        f"(ids) => [...document.querySelectorAll('{PAGE} .bk-queue-item')].map(e => e.dataset.run).join() === ids",
        arg=",".join(ids))


def test_queue_in_order_moved_up_down_and_by_drag(page, lab, project, tmp_path, shot, set_theme):
    hold = tmp_path / "release"
    blocker = lab.api("POST", "projects/q/runs", {"args": ["--hold", str(hold)], "allow_parallel": True})
    try:
        lab.wait_api(f"runs/{blocker['id']}", lambda r: r["state"] == "running")
        queued = [lab.api("POST", "projects/q/runs", {"args": ["--tag", f"q{i}"], "allow_parallel": True})["id"]
                  for i in range(3)]
        a, b, c = queued
        open_runs(page)
        wait_order(page, [a, b, c])
        page.click(f"{PAGE} .bk-queue-item[data-run='{a}'] .bk-queue-down")
        wait_order(page, [b, a, c])
        page.click(f"{PAGE} .bk-queue-item[data-run='{c}'] .bk-queue-up")
        wait_order(page, [b, c, a])
        server = {r["id"]: r["queue_position"] for r in lab.api("GET", "projects/q/runs?state=queued")["runs"]}
        assert sorted(server, key=server.get) == [b, c, a]
        # Drag the last onto the first: it stands before it.
        page.drag_and_drop(f"{PAGE} .bk-queue-item[data-run='{a}']", f"{PAGE} .bk-queue-item[data-run='{b}']")
        wait_order(page, [a, b, c])
        # The history shows each queued run's place too.
        page.wait_for_selector(f"{PAGE} .bk-runs-table tr[data-run='{a}'] .bk-state-cell:has-text('#')")
        page.click(f"{PAGE} .bk-metric-picker summary")
        page.wait_for_selector(f"{PAGE} .bk-metric-picker-body tr[data-tag='loss']")
        shot(page, "runs_tab_queue")
        set_theme(page, "JupyterLab Dark")
        shot(page, "runs_tab_queue_dark")
        set_theme(page, "JupyterLab Light")
    finally:
        hold.write_text("go")
    page.wait_for_selector(f"{PAGE} .bk-queue", state="detached", timeout=240_000)
    lab.wait_api("projects/q/runs", lambda body: all(ended(r) for r in body["runs"]))


HISTORY = 2500  # runs in q's history after seeding: pages at 0, 1000 and 2000


def page_offsets(requests: list) -> list[str]:
    """The offsets of the history pages the panel asked for (not the queue's, nor the sidebar's latest run)."""
    asked = [parse_qs(urlsplit(r.url).query) for r in requests
             if r.method == "GET" and urlsplit(r.url).path.endswith("/beekeeper/api/projects/q/runs")]
    return [q.get("offset", ["0"])[0] for q in asked if "state" not in q and q.get("limit") != ["1"]]


def test_jump_to_the_end_loads_the_last_page_only(page, lab, project):
    have = lab.api("GET", "projects/q/runs?limit=1")["total"]
    store = Store(lab.bk_home / "beekeeper.db")
    try:
        first_seq = store.next_run_seq()
        # Older than the module's own runs, so they come after them, newest first.
        oldest_real = datetime.now(timezone.utc) - timedelta(days=1)
        store.insert_runs(finished_runs(HISTORY - have, ["q"], oldest_real, first_seq=first_seq))
    finally:
        store.close()
    last = lab.api("GET", "projects/q/runs?limit=1&sort=created")["runs"][0]["id"]
    middle = lab.api("GET", "projects/q/runs?limit=1&offset=1200")["runs"][0]["id"]
    requests: list = []
    page.on("request", lambda request: requests.append(request))
    open_runs(page)
    table = f"{PAGE} .bk-runs-table"
    page.wait_for_selector(f"{table}[data-total='{HISTORY}'] tr[data-run]")
    assert page_offsets(requests) == ["0"]  # the first page (100 rows)
    scroller = page.locator(f"{PAGE} .bk-runs-table-scroll")
    scroller.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    page.wait_for_selector(f"{table} tr[data-run='{last}']")
    assert page_offsets(requests) == ["0", "2000"]  # not 1000 on the way
    # The middle of the history: its page alone, the rows of the others still placeholders.
    scroller.evaluate("el => { el.scrollTop = 1200 * 30; }")
    page.wait_for_selector(f"{table} tr[data-run='{middle}']")
    assert page_offsets(requests) == ["0", "2000", "1000"]
    assert page.locator(f"{table} tr[data-run]").count() < 200  # still a window, not the history
