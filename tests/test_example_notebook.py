"""examples/sweep.ipynb executed with nbclient against a real Jupyter server.

The kernel is given no URL or token: it finds the server through jupyter_server's runtime files
(JUPYTER_RUNTIME_DIR), the same discovery a notebook inside JupyterLab uses. The example project's
requirements (numpy, scikit-learn) are installed by uv from the package index.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from live_server import LiveServer
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "sweep.ipynb"


@pytest.fixture
def server(tmp_path):
    live = LiveServer(tmp_path / "live")
    yield live
    live.stop()


@pytest.mark.timeout(1800)
def test_sweep_notebook_runs_end_to_end(server, tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells[1].source = 'PROJECT = "digits-sweep"\nLEARNING_RATES = [0.001, 0.1]\nEPOCHS = 3'
    env = {k: v for k, v in server.env.items()}
    client = NotebookClient(nb, timeout=1500, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)

    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "digits-sweep ready" in text
    results = json.loads(next(line for line in text.splitlines() if line.startswith('{"0.001"')))
    assert set(results) == {"0.001", "0.1"}
    for metrics in results.values():
        assert 0 < metrics["val_loss"] < 10 and 0.5 < metrics["val_accuracy"] <= 1
    assert any("image/png" in o.get("data", {}) for o in outputs), "the plot was not drawn"
    assert "best learning rate:" in text
    # The runs really happened on the server: their logs, checkpoints and TensorBoard events exist.
    src = server.bk_home / "projects/digits-sweep/src"
    for lr in ("0.001", "0.1"):
        assert (src / f"checkpoints/lr-{lr}/model.npz").stat().st_size > 0
        assert list((src / f"runs/lr-{lr}").glob("events.out.tfevents.*"))
    assert server.token not in server.server_log()
