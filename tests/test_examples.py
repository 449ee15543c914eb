"""The bundled digits example: the training script itself, and "Try the example" over the API."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from beekeeper_ext.examples import example_folder


def test_example_trains_and_writes_tensorboard_scalars(tmp_path):
    """Run train.py as a user would; TensorBoard's own reader must understand its event files."""
    work = tmp_path / "digits"
    shutil.copytree(example_folder("digits"), work)
    out = subprocess.run([sys.executable, "train.py", "--epochs", "3", "--lr", "0.05", "--name", "t"],
                         cwd=work, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert [line.split()[1] for line in out.stdout.splitlines() if line.startswith("epoch")] == ["1", "2", "3"]
    metrics = json.loads((work / "outputs/t/metrics.json").read_text())
    assert metrics["epoch"] == 3 and metrics["val_accuracy"] > 0.8
    assert (work / "checkpoints/t/model.npz").stat().st_size > 0

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(work / "runs/t"))
    events.Reload()
    assert set(events.Tags()["scalars"]) == {"loss/train", "loss/val", "accuracy/val"}
    val_loss = events.Scalars("loss/val")
    assert [s.step for s in val_loss] == [1, 2, 3]
    assert abs(val_loss[-1].value - metrics["val_loss"]) < 1e-4


async def test_try_the_example_endpoint(api, bk_home):
    code, body = await api.get("examples")
    assert code == 200 and [e["name"] for e in body["examples"]] == ["digits"]
    code, body = await api.post("examples/nope", {})
    assert code == 404
    code, body = await api.post("examples/digits", {"git_url": "file:///tmp"})
    assert code == 400 and body["field"] == "git_url"
    code, body = await api.post("examples/digits", {"name": "bad name"})
    assert code == 400 and body["field"] == "name"
    assert not (bk_home / "projects/bad name").exists()
    code, body = await api.post("examples/digits", {"trian_file": "train.py"})  # the ExampleCreate model
    assert code == 400 and body["field"] == "trian_file"
    # Default name; setup is left running in the background (the notebook test waits for a full one).
    code, project = await api.post("examples/digits", {})
    assert code == 201, project
    assert project["name"] == "digits-example"
    assert project["git_url"] == (bk_home / "examples/digits.git").as_uri()
    code, again = await api.post("examples/digits", {})
    assert code == 409 and again["field"] == "name"
    code, other = await api.post("examples/digits", {"name": "digits-2", "train_file": "train.py"})
    assert code == 201 and other["git_url"] == project["git_url"]
    log = subprocess.run(["git", "--git-dir", str(bk_home / "examples/digits.git"), "ls-tree", "--name-only",
                          "HEAD"], capture_output=True, text=True, check=True).stdout.split()
    assert {"train.py", "tbevents.py", "requirements.txt", "README.md"} <= set(log)
    assert "runs" not in log and "__pycache__" not in log
    for name in ("digits-example", "digits-2"):
        code, _ = await api.delete(f"projects/{name}")
        assert code == 204
