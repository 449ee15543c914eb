"""Sweeps in real JupyterLab and Chromium on the real example project (digits, scikit-learn): the
New sweep dialog (parameter rows, the live trial count, the confirmation over 1,000 trials, a
server 400 shown next to the field it names), a real 2 × 2 grid that runs to the end, its sweep
view (trials by objective with the best highlighted, a scatter per parameter, parallel
coordinates, every trial's curve) kept live by /events, a trial's page linking back, and Stop
on a second sweep opened from the Runs tab's sweeps list. Light and dark themes."""

from __future__ import annotations


import pytest

pytestmark = pytest.mark.ui

PROJECT = "digits-example"
PAGE = f"#beekeeper-project-{PROJECT}"
DIALOG = ".bk-sweep-dialog"


def drawn(page, selector: str) -> bool:
    """Some pixel of the canvas is not blank."""
    return page.evaluate("""(selector) => {
        const c = document.querySelector(selector);
        if (!c) return false;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; }
        return false;
    }""", selector)


def fill_row(page, index: int, name: str, values: str) -> None:
    page.fill(f"{DIALOG} #bk-sweep-p{index}-name", name)
    page.fill(f"{DIALOG} #bk-sweep-p{index}-values", values)


def count(page) -> str:
    return page.get_attribute(f"{DIALOG} .bk-sweep-count", "data-count")


@pytest.mark.timeout(900)
def test_new_sweep_to_a_finished_grid_and_stop(page, lab, shot, set_theme, refused):
    lab.api("POST", "examples/digits", {})
    project = lab.wait_api(f"projects/{PROJECT}", lambda p: p["setup"]["state"] in ("ready", "failed"))
    assert project["setup"]["state"] == "ready", project["setup"]
    page.evaluate(f"() => window.jupyterapp.commands.execute('beekeeper:open-project', "
                  f"{{name: '{PROJECT}', tab: 'runs'}})")
    page.click(f"{PAGE} .bk-new-sweep")
    page.wait_for_selector(DIALOG)

    # The trial count follows the rows: a grid is the product of the value counts.
    fill_row(page, 0, "lr", "0.1, 0.01")
    page.wait_for_function(f"() => document.querySelector('{DIALOG} .bk-sweep-count').dataset.count === '2'")
    page.click(f"{DIALOG} .bk-sweep-add-param")
    fill_row(page, 1, "epochs", "2, 3")
    assert count(page) == "4"
    assert "4 trials" in page.inner_text(f"{DIALOG} .bk-sweep-count")
    # Over 1,000 trials asks first; cancelling queues nothing.
    page.click(f"{DIALOG} .bk-sweep-add-param")
    fill_row(page, 2, "seed", ", ".join(str(i) for i in range(300)))
    assert count(page) == "1200"
    page.click(f"{DIALOG} .bk-sweep-submit")
    page.wait_for_selector(".jp-Dialog")
    assert "1200" in page.inner_text(".jp-Dialog")
    page.click(".jp-Dialog .jp-mod-reject")
    page.wait_for_selector(".jp-Dialog", state="detached")
    assert lab.api("GET", f"projects/{PROJECT}/sweeps")["sweeps"] == []
    page.click(f"{DIALOG} .bk-sweep-param[data-row='2'] .bk-sweep-param-remove")
    assert count(page) == "4"

    # A template naming no parameter: the server's 400 shows beside the template field.
    page.select_option(f"{DIALOG} #bk-sweep-as", "template")
    error = refused(page, DIALOG, {"#bk-sweep-template": "--lr={lr} --epochs={epoch}",
                                   "#bk-sweep-metric": "loss/val", "#bk-sweep-gpus": "0", "#bk-sweep-parallel": "2"},
                    ".bk-sweep-submit", "args_template")
    assert "{epoch}" in error
    assert lab.api("GET", f"projects/{PROJECT}/sweeps")["sweeps"] == []  # nothing half-created
    shot(page, "sweep_dialog")
    page.fill(f"{DIALOG} #bk-sweep-template", "--lr={lr} --epochs={epochs}")
    page.click(f"{DIALOG} .bk-sweep-submit")

    # The sweep view opens and follows the sweep to its end over /events.
    view = page.wait_for_selector(".bk-sweep-page[data-sweep]")
    sweep_id = view.get_attribute("data-sweep")
    root = f"#beekeeper-sweep-{sweep_id}"
    page.wait_for_selector(f"{root} .bk-sweep-trials tbody tr:nth-child(4)")
    page.wait_for_selector(f"{root} .bk-sweep-page[data-state='finished']", timeout=600_000)
    sweep = lab.api("GET", f"sweeps/{sweep_id}")
    assert sweep["state"] == "finished" and sweep["trials"]["succeeded"] == 4, sweep
    best = sweep["best"]["run"]
    page.wait_for_selector(f"{root} tr.bk-sweep-best[data-run='{best}']")
    # Sorted by the objective, lowest loss first: the best trial heads the table.
    rows = page.locator(f"{root} .bk-sweep-trials tbody tr")
    assert rows.first.get_attribute("data-run") == best
    values = [float(v) for v in page.locator(f"{root} .bk-sweep-value").all_inner_texts()]
    assert values == sorted(values) and len(values) == 4, values
    # ...and its header says so to a screen reader.
    assert page.locator(f"{root} th.bk-sweep-objective").get_attribute("aria-sort") == "ascending"
    assert {t["params"]["lr"] for t in sweep["runs"]} == {0.1, 0.01}
    run = lab.api("GET", f"runs/{best}")
    assert run["args"] == [f"--lr={run['sweep_params']['lr']}", f"--epochs={run['sweep_params']['epochs']}"]

    for chart in (f"{root} .bk-sweep-scatter[data-chart='lr'] canvas",
                  f"{root} .bk-sweep-scatter[data-chart='epochs'] canvas",
                  f"{root} .bk-sweep-parallel canvas",
                  f"{root} .bk-chart[data-chart='loss/val'] canvas"):
        page.wait_for_selector(chart)
        page.wait_for_function("(s) => { const c = document.querySelector(s); return c && c.width > 0; }",
                               arg=chart)
        assert drawn(page, chart), chart
    assert page.get_attribute(f"{root} .bk-sweep-scatter[data-chart='lr']", "data-points") == "4"
    assert page.get_attribute(f"{root} .bk-sweep-parallel", "data-lines") == "4"
    page.wait_for_function(  # every trial's curve is in the overlaid chart's legend
        f"() => (document.querySelector(\"{root} .bk-chart[data-chart='loss/val'] .u-legend\")?.innerText || '')"
        f".split('{best}').length > 1")
    shot(page, "sweep_view")
    set_theme(page, "JupyterLab Dark")
    page.wait_for_selector(f"{root} .bk-sweep-parallel canvas")
    assert drawn(page, f"{root} .bk-sweep-parallel canvas")
    shot(page, "sweep_view_dark")
    set_theme(page, "JupyterLab Light")

    # A trial's page links back to its sweep.
    page.click(f"{root} tr[data-run='{best}'] a.bk-run-link")
    page.click(f"#beekeeper-run-{best} .bk-run-sweep")
    page.wait_for_selector(f"{root}:not(.lm-mod-hidden) .bk-sweep-trials")

    # Stop: a second sweep, opened from the Runs tab's list while its first trial runs.
    slow = lab.api("POST", f"projects/{PROJECT}/sweeps", {
        "parameters": {"lr": {"values": [0.1, 0.05, 0.01]}}, "args": ["--epochs", "50", "--sleep", "2"],
        "gpus": 0, "max_parallel": 1, "objective": {"metric": "loss/val", "goal": "min"}})
    lab.wait_api(f"runs/{slow['runs'][0]['id']}", lambda r: r["state"] == "running")
    page.evaluate(f"() => window.jupyterapp.commands.execute('beekeeper:open-project', "
                  f"{{name: '{PROJECT}', tab: 'runs'}})")
    page.wait_for_selector(f"{PAGE} .bk-sweeps-table tr[data-sweep='{sweep_id}'] .bk-sweep-state-finished")
    page.click(f"{PAGE} .bk-sweeps-table tr[data-sweep='{slow['id']}'] a.bk-sweep-link")
    other = f"#beekeeper-sweep-{slow['id']}"
    page.click(f"{other} .bk-sweep-stop")
    page.click(".jp-Dialog .jp-mod-accept")
    page.wait_for_selector(f"{other} .bk-sweep-page[data-state='stopped']")
    assert lab.api("GET", f"sweeps/{slow['id']}")["state"] == "stopped"
    page.wait_for_selector(f"{other} .bk-sweep-trials tr[data-run='{slow['runs'][0]['id']}'] .bk-state-stopped")
    assert page.locator(f"{other} .bk-sweep-trials tbody tr").count() == 1  # the queued two were dropped

    # The palette's Open Sweep: the project's sweeps to pick from; the picked one's page opens again.
    page.evaluate("id => Array.from(window.jupyterapp.shell.widgets('main')).find(w => w.id === id).close()",
                  root[1:])
    page.wait_for_selector(root, state="detached")
    # Not awaited: the command's promise settles only once the picker below is answered.
    page.evaluate(f"() => {{ void window.jupyterapp.commands.execute('beekeeper:open-sweep', {{name: '{PROJECT}'}}); }}")
    picker = page.locator(".jp-Dialog select")
    picker.wait_for()
    assert picker.locator("option").count() == 2
    picker.select_option(label=f"{sweep_id} · grid · finished")
    page.click(".jp-Dialog .jp-mod-accept")
    page.wait_for_selector(f"{root}.bk-sweep-widget:not(.lm-mod-hidden) .bk-sweep-page[data-state='finished']")
