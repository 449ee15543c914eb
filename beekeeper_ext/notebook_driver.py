"""Runs one notebook headless for a Beekeeper run, in the project's venv (with nbclient).

Copied into the run folder and started as the run's command, so stopping the run (TERM to its
process group and descendants) stops it like any script. The parameters (a JSON object) go in a
new cell tagged `injected-parameters` after the cell tagged `parameters` (at the top when there
is none; a previous injected cell is replaced), as papermill does. Each cell's output is printed
as it arrives, so it streams into the run's log; the executed notebook is written after every
cell and at the end, whatever happened. The kernel is this venv's own Python whatever kernel the
notebook names, and runs in the notebook's folder, as in JupyterLab.

Usage: python -u notebook_driver.py NOTEBOOK OUTPUT PARAMS_JSON
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ThisVenv(KernelSpecManager):
    """Whatever kernel the notebook names, run it on this interpreter (the project's venv)."""

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                          display_name="Python (project venv)", language="python", resource_dir="")


def parameters_cell(params: dict):
    lines = ["# Parameters (injected by Beekeeper from the run's arguments)"]
    lines += [f"{key} = {value!r}" for key, value in params.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = ["injected-parameters"]
    return cell


def inject(nb, params: dict) -> None:
    tags = [cell.get("metadata", {}).get("tags", []) for cell in nb.cells]
    nb.cells = [cell for cell, t in zip(nb.cells, tags) if "injected-parameters" not in t]
    if not params:
        return
    tags = [cell.get("metadata", {}).get("tags", []) for cell in nb.cells]
    at = next((i + 1 for i, t in enumerate(tags) if "parameters" in t), 0)
    nb.cells.insert(at, parameters_cell(params))


def show(out) -> str:
    """An output as plain text for the log."""
    kind = out.get("output_type")
    if kind == "stream":
        return out.get("text", "")
    if kind == "error":
        return ANSI_RE.sub("", "\n".join(out.get("traceback") or [])) + "\n"
    text = (out.get("data") or {}).get("text/plain")
    if text:
        return (text if isinstance(text, str) else "".join(text)) + "\n"
    return "[" + ", ".join(sorted((out.get("data") or {}).keys())) + "]\n" if out.get("data") else ""


class StreamingClient(NotebookClient):
    """An nbclient client that prints each output as the kernel sends it."""

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is not None:
            sys.stdout.write(show(out))
            sys.stdout.flush()
        return out


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    source, output, params = argv[0], argv[1], json.loads(argv[2])
    nb = nbformat.read(source, as_version=4)
    inject(nb, params)

    def save() -> None:
        tmp = output + ".tmp"
        nbformat.write(nb, tmp)
        os.replace(tmp, output)

    km = KernelManager(kernel_name="python3", kernel_spec_manager=ThisVenv())

    def stop(*_):
        """TERM (a stop): save what ran so far, end the kernel (its own session) and exit. nbclient's
        own handler only shuts the kernel down and would leave the run waiting; a stop TERMs the
        group and then each descendant, so only the first TERM counts."""
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            save()
            pid = getattr(km.provisioner, "pid", None) if km.provisioner else None
            if pid:
                os.killpg(pid, signal.SIGKILL)
        except Exception as exc:
            print(f"[beekeeper] while stopping: {exc}", flush=True)
        finally:
            print("[beekeeper] stopped; the notebook so far is saved", flush=True)
            os._exit(128 + signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    code_cells = sum(1 for cell in nb.cells if cell.cell_type == "code")
    count = iter(range(1, code_cells + 1))

    def started(cell, cell_index):
        # nbclient put its own TERM handler on the loop when it started the kernel; that one only
        # runs between loop iterations, and nbclient waits for output in a blocking poll. A plain
        # handler runs as soon as the poll is interrupted: ours replaces it.
        asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGTERM, stop)
        if cell.cell_type == "code":
            print(f"[beekeeper] cell {next(count)}/{code_cells} (#{cell_index + 1})", flush=True)

    client = StreamingClient(nb, km=km, timeout=None, kernel_name="python3",
                             resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
                             on_cell_start=started, on_cell_executed=lambda **_: save())
    print(f"[beekeeper] executing {source} ({code_cells} code cells); output: {output}", flush=True)
    try:
        client.execute()
    except CellExecutionError:
        print("[beekeeper] a cell failed; the executed notebook has its traceback", flush=True)
        return 1
    finally:
        save()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
