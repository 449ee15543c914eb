"""The lab panel's TypeScript unit tests (vitest: log model, validation, formatting), run as part of
the one test command so a broken front-end rule fails the suite like any other test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
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
