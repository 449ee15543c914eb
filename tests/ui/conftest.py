"""A real `jupyter lab` subprocess (own HOME, settings and BEEKEEPER_HOME) and headless Debian Chromium
driven by Playwright, for the lab panel's browser tests. Screenshots go to tests/ui/screenshots/."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from live_server import answers, end_session, free_port

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
VENV_BIN = Path(sys.executable).parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

if not Path(CHROMIUM).exists():
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)


class Lab:
    """`jupyter lab` with Beekeeper, token auth, the app exposed as window.jupyterapp for theme switching."""

    def __init__(self, root: Path, home_in_root: bool = False, config: dict | None = None,
                 extra_env: dict | None = None, base_url: str = "/"):
        """`home_in_root` puts BEEKEEPER_HOME inside Jupyter's root_dir, so project files can be
        opened in JupyterLab's own editors; `base_url` mounts the server below a prefix, as
        JupyterHub does (/user/NAME/)."""
        self.root = root
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}{base_url}"
        settings = root / "lab-settings"
        # No news or update pop-ups over the screenshots.
        (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
        (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        for name in ("home", "runtime", "notebooks", "workspaces"):
            (root / name).mkdir(exist_ok=True)
        self.bk_home = root / "notebooks" / "bkhome" if home_in_root else root / "bkhome"
        config_file = root / "jupyter_server_config.json"
        config_file.write_text(json.dumps({
            "ServerApp": {"jpserver_extensions": {"beekeeper_ext": True}},
            "BeekeeperApp": {"home": str(self.bk_home), "metrics_interval": 1, **(config or {})},
        }))
        env = {**os.environ, "HOME": str(root / "home"), "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
               "JUPYTER_CONFIG_DIR": str(root / "config"), "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"),
               "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
        for key in ("PYTHONPATH", "BEEKEEPER_URL", "BEEKEEPER_TOKEN", "JUPYTER_TOKEN", "JUPYTERHUB_API_TOKEN"):
            env.pop(key, None)
        env.update(extra_env or {})
        self.log_path = root / "lab.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "jupyter"), "lab", "--allow-root", "--no-browser", f"--port={self.port}",
             "--ip=127.0.0.1", f"--ServerApp.token={self.token}", f"--config={config_file}",
             f"--ServerApp.root_dir={root / 'notebooks'}", "--LabApp.expose_app_in_browser=True",
             f"--ServerApp.base_url={base_url}"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_up()
        except BaseException:
            self.stop()
            raise

    def _wait_up(self, timeout: float = 180) -> None:
        def running() -> None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {self.log_path.read_text()[-3000:]}")

        if not answers(self.url + "beekeeper/api/info", timeout, 0.5, {"Authorization": f"token {self.token}"},
                       running):
            raise RuntimeError("jupyter lab did not answer in time")

    def api(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + "beekeeper/api/" + path, data=data, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else None

    def wait_api(self, path: str, done, timeout: float = 300):
        """GET `path` until `done(body)` holds: the server's state, for a step the page cannot show."""
        deadline = time.monotonic() + timeout
        while True:
            body = self.api("GET", path)
            if done(body):
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} never got there: {body}")
            time.sleep(0.3)

    def stop(self) -> None:
        end_session(self.proc)
        self.log.close()


@contextlib.contextmanager
def running_lab(root: Path, **options):
    server = Lab(root, **options)
    try:
        yield server
    finally:
        # Stop runs this lab started (they outlive Jupyter by design) before stopping Jupyter.
        try:
            for run in server.api("GET", "runs?state=queued,starting,running")["runs"]:
                server.api("POST", f"runs/{run['id']}/stop", {})
        except Exception:
            pass
        server.stop()


@pytest.fixture(scope="module")
def lab_config():
    """Extra c.BeekeeperApp settings for a module's lab: a module overrides this fixture."""
    return {}


@pytest.fixture(scope="module")
def lab_env():
    """Extra environment variables for a module's lab server: a module overrides this fixture."""
    return {}


@pytest.fixture(scope="module")
def lab(request, tmp_path_factory, lab_config, lab_env):
    """One lab per test module; a module's LAB_OPTIONS (e.g. home_in_root) configure it."""
    options = getattr(request.module, "LAB_OPTIONS", {})
    with running_lab(tmp_path_factory.mktemp("lab"), config=lab_config, extra_env=lab_env, **options) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(lab, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{lab.url}lab?token={lab.token}")
    page.wait_for_selector(".jp-SideBar [data-id='beekeeper-sidebar']", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands.hasCommand('beekeeper:open-project')")
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def set_theme():
    """Switch JupyterLab's theme and wait until it is drawn: Lab's splash covers a theme switch, so
    a screenshot taken before it leaves shows the splash, not the page."""

    def switch(page, name: str) -> None:
        page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", name)
        light = "true" if "Light" in name else "false"
        page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")
        page.wait_for_selector("#jupyterlab-splash", state="detached")

    return switch


@pytest.fixture
def refused():
    """Fill a form's inputs (selector → value), press its button and wait for the server's 400 to
    show under one field; the error's text. The panel's own checks must pass for the POST to go."""

    def submit(page, form: str, values: dict[str, str], button: str, field: str) -> str:
        for selector, value in values.items():
            page.fill(f"{form} {selector}", value)
        page.click(f"{form} {button}")
        return page.wait_for_selector(f"{form} [data-field='{field}'] .bk-field-error").inner_text()

    return submit


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return save


def make_git_repo(folder: Path, files: dict[str, str]) -> str:
    """A real git repository on branch main; its file:// URL."""
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    git = shutil.which("git")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x"}
    for argv in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "init"]):
        subprocess.run([git, *argv], cwd=folder, env=env, check=True)
    return folder.as_uri()


@pytest.fixture
def git_repo(tmp_path):
    return lambda files: make_git_repo(tmp_path / "repo", files)


# pytest-jupyter's autouse loop fixtures fight Playwright's sync API (which runs its own loop in this
# thread); these browser tests talk to a separate `jupyter lab` process and need neither.
@pytest.fixture
def jp_asyncio_loop():
    yield None


@pytest.fixture
def jp_server_cleanup():
    yield
