"""Entry point of a working-dir Ray job: build (or reuse) the project's venv on this node, then run.

Shipped inside the job's working_dir package and run by the node's own Python, so it uses the
standard library only. Venvs are cached per node under a key made of the requirements file's
content and the Python version, and built under a lock so two jobs on one node never race.
Usage: python _beekeeper_bootstrap.py CACHE_DIR PYTHON_VERSION REQUIREMENTS_OR_EMPTY -- TRAIN_FILE ARGS...
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys


def uv_command():
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def main(argv):
    cache, python_version, requirements = argv[0], argv[1], argv[2]
    command = argv[argv.index("--") + 1:]
    content = b""
    if requirements and not os.path.isfile(requirements):
        requirements = ""  # the project names a file its checkout does not have: nothing to install
    if requirements:
        with open(requirements, "rb") as f:
            content = f.read()
    key = hashlib.sha256(python_version.encode() + b"\0" + content).hexdigest()[:16]
    cache = os.path.expanduser(cache)
    os.makedirs(cache, exist_ok=True)
    venv = os.path.join(cache, key)
    with open(venv + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(venv, "bin", "python")):
            print(f"[beekeeper] building the venv {venv} on this node", flush=True)
            building = venv + ".building"
            shutil.rmtree(building, ignore_errors=True)
            uv = uv_command()
            python = ["--python", python_version] if python_version else []
            if subprocess.run([*uv, "venv", "--quiet", *python, building]).returncode != 0:
                print(f"[beekeeper] Python {python_version} is not available on this node: "
                      f"using this node's Python {sys.version.split()[0]}", flush=True)
                shutil.rmtree(building, ignore_errors=True)
                subprocess.run([*uv, "venv", "--quiet", "--python", sys.executable, building], check=True)
            if requirements:
                subprocess.run([*uv, "pip", "install", "--python", os.path.join(building, "bin", "python"),
                                "-r", requirements], check=True)
            os.rename(building, venv)
        else:
            print(f"[beekeeper] reusing the venv {venv} on this node", flush=True)
    python = os.path.join(venv, "bin", "python")
    os.execv(python, [python, "-u", *command])


if __name__ == "__main__":
    main(sys.argv[1:])
