"""The way in and the way out, in real JupyterLab and Chromium: "Try the example" from an empty
sidebar to a trained run, then the Files tab — browse, download a file and a folder (zip), upload,
confirm before replacing, and open a project file in JupyterLab's own editor.

BEEKEEPER_HOME lies inside Jupyter's root_dir here, so "Open in JupyterLab" is offered. The example's
requirements (numpy, scikit-learn) are installed by uv from the package index.
"""

from __future__ import annotations

import io
import zipfile

import pytest

pytestmark = pytest.mark.ui
LAB_OPTIONS = {"home_in_root": True}  # BEEKEEPER_HOME inside root_dir: "Open in JupyterLab" is offered

PROJECT = "digits-example"
PAGE = f"#beekeeper-project-{PROJECT}"


def files_tab(page):
    page.click(f"{PAGE} .bk-tab[data-tab='files']")
    page.wait_for_selector(f"{PAGE} .bk-tab-body[data-tab-body='files']")


@pytest.mark.timeout(900)
def test_try_the_example_from_an_empty_sidebar(page, lab, shot):
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:show-panel')")
    button = page.locator("#beekeeper-sidebar .bk-try-example")
    button.wait_for()
    assert "No projects yet" in page.locator("#beekeeper-sidebar .bk-empty").inner_text()
    shot(page, "sidebar-empty-light")

    button.click()
    page.wait_for_selector(f"{PAGE} .bk-page-title:has-text('{PROJECT}')")
    page.wait_for_selector(f"#beekeeper-sidebar [data-project='{PROJECT}']")
    page.wait_for_selector(f"{PAGE} .bk-page-header .bk-setup-ready", timeout=600_000)
    project = lab.api("GET", f"projects/{PROJECT}")
    assert project["git_url"].startswith("file://") and project["setup"]["state"] == "ready"
    assert any(p.lower().startswith("scikit-learn==") for p in project["setup"]["packages"])

    # A short training run with arguments from the form; its log shows every epoch.
    page.click(f"{PAGE} .bk-tab[data-tab='runs']")
    page.fill("#bk-run-args", "--epochs 2 --name ui")
    page.click(f"{PAGE} .bk-start-run")
    page.wait_for_selector(f"{PAGE} .bk-log-status .bk-state-succeeded", timeout=180_000)
    text = page.locator(f"{PAGE} .bk-log-scroll").inner_text()
    assert "epoch   2" in text and "done: val_loss" in text
    shot(page, "example-run-light")

    # The palette command opens the existing example (a fresh page after Back) instead of failing on
    # the taken name.
    page.click(f"{PAGE} .bk-back")
    page.wait_for_selector(PAGE, state="detached")
    assert page.evaluate("() => window.jupyterapp.commands.hasCommand('beekeeper:try-example')")
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:try-example')")
    page.wait_for_selector(f"{PAGE} .bk-page-title")
    assert [p["name"] for p in lab.api("GET", "projects")["projects"]] == [PROJECT]


def test_files_browse_download_upload_replace_open(page, lab, shot):
    page.evaluate(f"() => window.jupyterapp.commands.execute('beekeeper:open-project', {{name: '{PROJECT}'}})")
    files_tab(page)
    body = f"{PAGE} .bk-files"

    # Browse into the checkpoint the run wrote, and download it through the link the page offers.
    page.click(f"{body} [data-entry='checkpoints'] .bk-dir")
    page.click(f"{body} [data-entry='ui'] .bk-dir")
    link = page.locator(f"{body} [data-entry='model.npz'] a.bk-link-button")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.body() == (lab.bk_home / f"projects/{PROJECT}/src/checkpoints/ui/model.npz").read_bytes()
    assert "model.npz" in response.headers["content-disposition"]

    # The folder as a zip, from the bar's "Download folder".
    zipped = page.request.get(page.locator(f"{body} .bk-files-bar a.bk-link-button").get_attribute("href"))
    assert zipped.status == 200
    names = zipfile.ZipFile(io.BytesIO(zipped.body())).namelist()
    assert any(name.endswith("model.npz") for name in names), names

    # Upload into src/: a new file is written as sent.
    page.click(f"{body} .bk-roots button:has-text('src/')")
    page.wait_for_selector(f"{body} [data-entry='train.py']")
    target = lab.bk_home / f"projects/{PROJECT}/src/data.csv"
    upload = f"{body} input[type='file']"
    page.set_input_files(upload, files=[{"name": "data.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"}])
    page.wait_for_selector(f"{body} [data-entry='data.csv']")
    assert target.read_bytes() == b"a,b\n1,2\n"

    # The same name again: the user is asked first; Cancel keeps the file, Replace replaces it.
    page.set_input_files(upload, files=[{"name": "data.csv", "mimeType": "text/csv", "buffer": b"new\n"}])
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for()
    assert "Replace data.csv?" in dialog.inner_text()
    dialog.locator("button:has-text('Cancel')").click()
    dialog.wait_for(state="detached")
    assert target.read_bytes() == b"a,b\n1,2\n"
    page.set_input_files(upload, files=[{"name": "data.csv", "mimeType": "text/csv", "buffer": b"new\n"}])
    dialog.wait_for()
    shot(page, "files-replace-dialog-light")
    dialog.locator("button:has-text('Replace')").click()
    page.wait_for_selector(".Toastify__toast:has-text('Uploaded data.csv')")
    assert target.read_bytes() == b"new\n"

    # "Open in JupyterLab" opens the project file in Lab's own editor.
    page.click(f"{body} [data-entry='train.py'] button:has-text('Open in JupyterLab')")
    page.wait_for_selector(".lm-DockPanel-tabBar .lm-TabBar-tab:has-text('train.py')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-FileEditor .cm-content')]"
        ".some(e => e.innerText.includes('SGDClassifier'))", timeout=60_000)
    shot(page, "files-open-in-lab-light")


def test_delete_a_finished_run_with_confirm(page, lab):
    page.evaluate(f"() => window.jupyterapp.commands.execute('beekeeper:open-project', {{name: '{PROJECT}', tab: 'runs'}})")
    (run,) = lab.api("GET", f"projects/{PROJECT}/runs")["runs"]
    row = page.locator(f"{PAGE} .bk-runs-table tr[data-run='{run['id']}']")
    row.locator(".bk-delete-run").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for()
    assert f"Delete run {run['id']}?" in dialog.inner_text()
    dialog.locator("button:has-text('Delete')").click()
    row.wait_for(state="detached")
    assert lab.api("GET", f"projects/{PROJECT}/runs")["runs"] == []
    assert not (lab.bk_home / f"projects/{PROJECT}/runs/{run['id']}").exists()
    # What the run wrote into src/ is the user's, and stays.
    assert (lab.bk_home / f"projects/{PROJECT}/src/checkpoints/ui/model.npz").exists()
