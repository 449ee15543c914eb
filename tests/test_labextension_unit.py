"""The lab panel's TypeScript unit tests (vitest: log model, validation, formatting), run as part of
the one test command so a broken front-end rule fails the suite like any other test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LABEXTENSION = Path(__file__).resolve().parent.parent / "labextension"


def test_vitest_unit_tests_pass():
    if not (LABEXTENSION / "node_modules" / ".bin" / "vitest").exists() or not shutil.which("npm"):
        pytest.skip("labextension/node_modules is missing: `pip install -e .` installs it with the npm build")
    out = subprocess.run(["npm", "test", "--silent"], cwd=LABEXTENSION, capture_output=True, text=True,
                         timeout=240, env={"CI": "true", "PATH": os.environ["PATH"], "NO_COLOR": "1"})
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-4000:]
    passed = re.search(r"Tests\s+(\d+) passed", text)
    assert passed and int(passed.group(1)) > 0, text[-4000:]


def test_generated_api_types_match_the_openapi_document(tmp_path):
    """src/generated/ is what `npm run gen:api` makes from the server's OpenAPI document now: a
    schema changed on the server without regenerating fails here, not in a user's browser."""
    if not (LABEXTENSION / "node_modules" / ".bin" / "openapi-typescript").exists() or not shutil.which("node"):
        pytest.skip("labextension/node_modules is missing: `pip install -e .` installs it with the npm build")
    env = {"PATH": os.environ["PATH"], "PYTHON": sys.executable, "HOME": os.environ.get("HOME", str(tmp_path))}
    done = subprocess.run(["bash", "scripts/gen-api.sh", str(tmp_path)], cwd=LABEXTENSION, capture_output=True,
                          text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for name in ("api.d.ts", "enums.ts"):
        committed = (LABEXTENSION / "src" / "generated" / name).read_text()
        assert (tmp_path / name).read_text() == committed, f"{name} is stale: run `npm run gen:api` in labextension/"
