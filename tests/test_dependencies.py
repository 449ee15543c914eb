"""Dependencies the way repositories declare them: uv.lock, pyproject.toml/setup.py, a
requirements file, nothing; the `install` override, extra `packages` and `torch_backend`. Real
uv installs of real wheels built by the test (no network: a find-links folder, no index) and a
real in-tree PEP 517 build backend, so a pyproject project builds offline."""

from __future__ import annotations

import subprocess

import pytest
from wheels import make_wheel

from beekeeper_ext.environments import find_uv

# A minimal PEP 517 backend that lives in the repository (backend-path): builds the wheel and
# the editable wheel of one pure-Python package, declaring its dependencies in METADATA.
BACKEND = '''
import base64, hashlib, os, zipfile

def _meta():
    text = open("pyproject.toml").read()
    name = text.split('name = "', 1)[1].split('"', 1)[0]
    version = text.split('version = "', 1)[1].split('"', 1)[0]
    deps = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    deps = [d.strip().strip('"') for d in deps.split(",") if d.strip()]
    return name, version, deps

def _wheel(directory, files):
    name, version, deps = _meta()
    dist = f"{name}-{version}.dist-info"
    files = dict(files)
    files[f"{dist}/METADATA"] = ("Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (name, version)
                                 + "".join("Requires-Dist: %s\\n" % d for d in deps))
    files[f"{dist}/WHEEL"] = "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{dist}/RECORD"] = "\\n".join(record + [f"{dist}/RECORD,,"]) + "\\n"
    filename = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return filename

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = _meta()[0]
    return _wheel(wheel_directory, {f"{name}/__init__.py": open(f"{name}/__init__.py").read()})

def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {f"_{_meta()[0]}_editable.pth": os.path.abspath(".") + "\\n"})

def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError
'''


def pyproject(deps: list[str], wheels=None) -> str:
    text = ('[project]\nname = "mytrainer"\nversion = "0.3.0"\nrequires-python = ">=3.8"\n'
            f'dependencies = [{", ".join(repr(d).replace(chr(39), chr(34)) for d in deps)}]\n'
            '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n')
    if wheels is not None:
        text += f'[tool.uv]\nno-index = true\nfind-links = ["{wheels}"]\n'
    return text


def project_files(deps: list[str], wheels=None) -> dict[str, str]:
    return {"pyproject.toml": pyproject(deps, wheels), "backend.py": BACKEND,
            "mytrainer/__init__.py": "NAME = 'mytrainer'\n", "train.py": "import mytrainer, bkdemo\nprint('ok')\n"}


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """uv sees only the test's wheels: no index, a find-links folder."""
    wheels = tmp_path / "offline-wheels"
    make_wheel(wheels, "bkdemo", "0.1.0")
    make_wheel(wheels, "bktwo", "2.0.0")
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_FIND_LINKS", str(wheels))
    return wheels


def frozen(project: dict) -> set[str]:
    return {p.split("==")[0].split(" @ ")[0].lower() for p in project["setup"]["packages"]}


def editable(project: dict) -> bool:
    """Whether freeze lists the checkout itself as an editable install."""
    return any(p.startswith("-e file://") and p.rstrip("/").endswith(project["paths"]["src"])
               for p in project["setup"]["packages"])


async def setup_log(api, name: str) -> str:
    return (await api.get(f"projects/{name}/setup/log", raw=True)).body.decode()


async def test_pyproject_only_installs_the_project_editable_with_its_dependencies(api, ready_project, offline):
    project = await ready_project("pyp", project_files(["bkdemo>=0.1"]))
    assert project["setup"]["install"] == "project" and project["install"] == "auto"
    assert "bkdemo" in frozen(project) and editable(project), project["setup"]["packages"]
    log = await setup_log(api, "pyp")
    assert "the project itself, editable" in log and "uv pip install" in log and "--editable" in log
    code, run = await api.post("projects/pyp/runs", {"args": []})
    from runhelpers import wait_run
    run = await wait_run(api, run["id"])
    assert run["state"] == "succeeded"


async def test_uv_lock_installs_exactly_the_locked_set(api, ready_project, offline, make_repo):
    files = project_files(["bkdemo>=0.1"], offline)
    files["requirements.txt"] = "bktwo==2.0.0\n"  # uv.lock wins over the requirements file
    repo = make_repo(files)
    subprocess.run([find_uv(), "lock"], cwd=repo.work, check=True, capture_output=True)
    assert "bkdemo" in (repo.work / "uv.lock").read_text()
    repo.commit({}, "lock")
    repo.push()
    make_wheel(offline, "bkdemo", "0.2.0")  # newer than the lock: must not be picked
    code, body = await api.post("projects", {"name": "locked", "git_url": repo.url})
    assert code == 201, body
    project = await api.wait_setup("locked")
    log = await setup_log(api, "locked")
    assert project["setup"]["state"] == "ready", log
    assert project["setup"]["install"] == "uv.lock" and "uv sync --frozen" in log
    packages = project["setup"]["packages"]
    assert "bkdemo==0.1.0" in packages and "bktwo" not in frozen(project), packages
    assert editable(project)


async def test_nothing_declared_is_a_warning_then_packages_alone_install(api, ready_project, offline):
    project = await ready_project("bare", {"train.py": "print('hi')\n"})
    assert project["setup"]["install"] == "none" and "no uv.lock, pyproject.toml" in project["setup"]["warning"]
    code, project = await api.patch("projects/bare", {"packages": "bkdemo==0.1.0\n\n  bktwo  \n"})
    assert code == 200 and project["packages"] == ["bkdemo==0.1.0", "bktwo"]
    project = await api.wait_setup("bare")
    log = await setup_log(api, "bare")
    assert project["setup"]["state"] == "ready", log
    assert {"bkdemo", "bktwo"} <= frozen(project) and "packages: bkdemo==0.1.0, bktwo" in log
    code, project = await api.get("projects/bare")
    assert project["packages"] == ["bkdemo==0.1.0", "bktwo"]


async def test_install_setting_overrides_detection(api, ready_project, offline):
    files = {**project_files(["bkdemo>=0.1"]), "requirements.txt": "bktwo==2.0.0\n"}
    project = await ready_project("over", files, install="requirements")
    assert project["setup"]["install"] == "requirements"
    assert "bktwo" in frozen(project) and not editable(project)
    code, project = await api.patch("projects/over", {"install": "none"})
    assert code == 200
    project = await api.wait_setup("over")
    assert project["setup"]["install"] == "none" and frozen(project) == set(), project["setup"]["packages"]
    code, project = await api.patch("projects/over", {"install": "project"})
    project = await api.wait_setup("over")
    assert project["setup"]["install"] == "project" and editable(project)
    assert "bktwo" not in frozen(project)


async def test_install_project_without_one_fails_setup_and_tool_only_pyproject_is_not_one(api, ready_project,
                                                                                          make_repo, offline):
    # A pyproject.toml that only configures tools does not count: the requirements file is used.
    project = await ready_project("tools", {"pyproject.toml": "[tool.ruff]\nline-length = 100\n",
                                            "requirements.txt": "bktwo==2.0.0\n"})
    assert project["setup"]["install"] == "requirements" and "bktwo" in frozen(project)
    repo = make_repo({"train.py": "print(1)\n"})
    code, body = await api.post("projects", {"name": "noproj", "git_url": repo.url, "install": "project"})
    assert code == 201
    project = await api.wait_setup("noproj")
    assert project["setup"]["state"] == "failed" and "no pyproject.toml" in project["setup"]["message"]


async def test_torch_backend_and_fields_are_validated_and_passed_to_uv(api, ready_project, make_repo, offline):
    repo = make_repo()
    for body, field in [({"install": "pip"}, "install"), ({"torch_backend": "cuda"}, "torch_backend"),
                        ({"torch_backend": "--index-url=x"}, "torch_backend"), ({"packages": [1]}, "packages"),
                        ({"packages": ["a\x00b"]}, "packages"), ({"packages": {"a": 1}}, "packages")]:
        code, answer = await api.post("projects", {"name": "val", "git_url": repo.url, **body})
        assert code == 400 and answer["field"] == field, (body, answer)
    code, _ = await api.get("projects/val")
    assert code == 404
    project = await ready_project("torchy", {"requirements.txt": "bkdemo==0.1.0\n"}, torch_backend="cpu",
                                  packages=["bktwo"])
    assert project["torch_backend"] == "cpu" and {"bkdemo", "bktwo"} <= frozen(project)
    log = await setup_log(api, "torchy")
    assert log.count("--torch-backend cpu") == 2, log
    code, project = await api.patch("projects/torchy", {"torch_backend": None})
    assert code == 200 and project["torch_backend"] is None
    project = await api.wait_setup("torchy")
    assert project["setup"]["state"] == "ready"
