"""The sidebar's host stats with GPUs, in real JupyterLab and Chromium.

No GPU exists here, so — and only so — the lab's server imports a stand-in `pynvml` (tests/
fake_pynvml.py, two GPUs whose utilisation moves with the clock) instead of nvidia-ml-py. Everything
above that boundary is real: Beekeeper's NVML session, the sampler, the metrics WebSocket, the panel.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

TESTS = Path(__file__).resolve().parent.parent
STAND_IN = f'''\
"""pynvml for the browser test: tests/fake_pynvml.py with two GPUs (imported instead of nvidia-ml-py)."""
import math, sys, time
from types import SimpleNamespace
sys.path.insert(0, {str(TESTS)!r})
from fake_pynvml import FakeGpu, make_module

module = make_module([FakeGpu(name="NVIDIA H100 80GB HBM3", memory_used=31 * 1024**3),
                      FakeGpu(name="NVIDIA H100 80GB HBM3", uuid="GPU-1", memory_used=7 * 1024**3)])
module.nvmlDeviceGetUtilizationRates = lambda gpu: SimpleNamespace(
    gpu=int(50 + 45 * math.sin(time.time() / 3 + (gpu.uuid == "GPU-1"))), memory=20)
sys.modules[__name__] = module
'''


@pytest.fixture(scope="module")
def lab_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fakegpu")
    (folder / "pynvml.py").write_text(STAND_IN)
    return {"PYTHONPATH": str(folder)}


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_gpu_sparklines(page, lab, shot, theme):
    slug = "light" if theme == "JupyterLab Light" else "dark"
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
    page.wait_for_function(f"() => document.body.dataset.jpThemeName === '{theme}'")
    # Show the panel by command: clicking its tab would toggle it shut if the restored layout had it open.
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:show-panel')")
    page.wait_for_selector("#beekeeper-sidebar .bk-stats", state="visible")
    page.wait_for_function("() => Number(document.querySelector('.bk-stats')?.dataset.samples || 0) >= 4",
                           timeout=60_000)
    labels = page.locator(".bk-stats .bk-spark-label").all_inner_texts()
    assert labels == ["CPU", "Memory", "GPU 0", "GPU 0 mem", "GPU 1", "GPU 1 mem", "Disk"], labels
    assert page.locator(".bk-stats .bk-spark:has-text('GPU 0 mem') .bk-spark-value").inner_text() == "31 GB / 80 GB"
    # Each chart draws a line through its samples (not a dot at the edge of an empty 10-minute box).
    widths = page.eval_on_selector_all(".bk-stats .bk-spark-line", "ls => ls.map(l => l.getBBox().width)")
    assert len(widths) == 6 and all(w > 5 for w in widths), widths
    title = page.locator(".bk-stats .bk-spark:has(.bk-spark-label:text-is('GPU 1'))").get_attribute("title")
    assert title.startswith("NVIDIA H100 80GB HBM3 (GPU 1): ") and "54 °C" in title and "123/700 W" in title
    assert page.locator(".bk-stats-note").count() == 0  # no "NVML not available" note with GPUs
    page.wait_for_timeout(2000)
    shot(page, f"sidebar-gpus-{slug}")
