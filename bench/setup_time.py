"""Project setup time: Beekeeper (git clone + uv venv + uv pip install, through its real HTTP API on a
real `jupyter server`) vs. the original Beekeeper's way (git clone + `python -m venv` +
`pip install -r`), the same repository and requirements, warm caches, median of 5.

The requirements are real small packages from a local wheelhouse (`pip download`ed once) and are
installed with `--no-index --find-links`, so the network does not skew either side.

    .venv/bin/python bench/setup_time.py [--runs 5] [--python 3.12]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from live_server import LiveServer  # noqa: E402

PACKAGES = ["requests", "tqdm", "click", "attrs", "packaging", "six", "pyyaml", "python-dateutil", "tabulate"]
WHEELHOUSE = Path.home() / ".cache" / "beekeeper-bench" / "wheels"
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@b"}


def sh(*argv, cwd=None, env=None):
    subprocess.run(argv, cwd=cwd, env=env or GIT_ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def find_python(version: str) -> tuple[str, str]:
    """The same interpreter Beekeeper would pick for `version`, for both sides."""
    from beekeeper_ext.environments import Interpreters

    python = asyncio.run(Interpreters().resolve(version))
    return python["path"], python["version"]


def wheelhouse(python: str) -> Path:
    """Real wheels for PACKAGES and their dependencies, downloaded once for this interpreter."""
    version = subprocess.run([python, "-c", "import sys; print('%d%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    folder = WHEELHOUSE / f"cp{version}"
    if not (folder / ".complete").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([python, "-m", "pip", "download", "--only-binary=:all:", "-q", "-d", str(folder),
                        *PACKAGES], check=True)
        (folder / ".complete").touch()
    return folder


def make_repo(root: Path, wheels: Path) -> str:
    work, bare = root / "work", root / "remote.git"
    work.mkdir(parents=True)
    (work / "train.py").write_text("import requests, tqdm, click, attrs, yaml, dateutil, tabulate\nprint('ok')\n")
    (work / "requirements.txt").write_text(
        f"--no-index\n--find-links {wheels}\n" + "\n".join(PACKAGES) + "\n")
    sh("git", "init", "-q", "-b", "main", cwd=work)
    sh("git", "add", "-A", cwd=work)
    sh("git", "commit", "-q", "-m", "bench", cwd=work)
    sh("git", "clone", "-q", "--bare", str(work), str(bare))
    return bare.as_uri()


def baseline_once(url: str, python: str, root: Path) -> float:
    """The original Beekeeper: git clone, python -m venv, pip install -r requirements.txt."""
    target = root / "baseline"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    start = time.perf_counter()
    sh("git", "clone", "-q", "--branch", "main", url, str(target / "src"))
    sh(python, "-m", "venv", str(target / "venv"), env=env)
    sh(str(target / "venv/bin/pip"), "install", "-q", "--disable-pip-version-check", "-r",
       str(target / "src/requirements.txt"), cwd=target / "src", env=env)
    elapsed = time.perf_counter() - start
    check = subprocess.run([str(target / "venv/bin/python"), "src/train.py"], cwd=target,
                           capture_output=True, text=True)
    assert check.stdout.strip() == "ok", check.stderr
    return elapsed


class Api:
    def __init__(self, server: LiveServer):
        self.server = server

    def __call__(self, method, path, body=None):
        request = urllib.request.Request(
            self.server.url + "beekeeper/api/" + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"token {self.server.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")


def beekeeper_once(api: Api, url: str, version: str, name: str) -> float:
    """POST /projects → poll until `ready` (clone, uv venv, uv pip install, freeze), then delete."""
    start = time.perf_counter()
    code, body = api("POST", "projects", {"name": name, "git_url": url, "python_version": version})
    assert code == 201, body
    while True:
        code, project = api("GET", f"projects/{name}")
        state = project["setup"]["state"]
        if state in ("ready", "failed"):
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    assert state == "ready", project["setup"]
    assert len(project["setup"]["packages"]) >= len(PACKAGES), project["setup"]["packages"]
    api("DELETE", f"projects/{name}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default="3.12")
    args = parser.parse_args()

    python, version = find_python(args.python)
    wheels = wheelhouse(python)
    root = Path(tempfile.mkdtemp(prefix="bk-bench-setup-"))
    server = None
    try:
        url = make_repo(root / "repo", wheels)
        print(f"Python {version} ({python}); {len(list(wheels.glob('*.whl')))} wheels for "
              f"{len(PACKAGES)} requirements; median of {args.runs} after one warm-up each\n", flush=True)

        baseline_once(url, python, root)  # warm: page cache, pip's own cache
        base = [baseline_once(url, python, root) for _ in range(args.runs)]

        server = LiveServer(root / "server")
        api = Api(server)
        beekeeper_once(api, url, version, "warmup")  # warm: uv's cache, interpreter scan
        bee = [beekeeper_once(api, url, version, f"bench{i}") for i in range(args.runs)]
    finally:
        if server:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)

    rows = [("baseline: git clone + python -m venv + pip install -r", base),
            ("Beekeeper: POST /projects → ready (clone, uv venv, uv pip install, freeze)", bee)]
    width = max(len(r[0]) for r in rows)
    print(f"{'setup':<{width}}  {'median s':>9}  {'min s':>7}  {'max s':>7}")
    for label, values in rows:
        print(f"{label:<{width}}  {statistics.median(values):>9.2f}  {min(values):>7.2f}  {max(values):>7.2f}")
    ratio = statistics.median(base) / statistics.median(bee)
    print(f"\nBeekeeper is {ratio:.1f}x faster than the baseline (target: >= 5x)")


if __name__ == "__main__":
    main()
