"""Which run wrote an event file, for Ray runs sharing one folder (issue 13).

Real processes started through the Ray executor's own shared-filesystem entrypoint (which
leaves the node's host and the entrypoint's pid in the run folder), writing real event files
with tensorboard's EventFileWriter into one fixed folder, read by the real metrics service over
a real store. No Ray head is needed to tell runs apart: what Ray adds (placing the job on a node)
is what test_ray.py covers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from beekeeper_ext.executors.ray import DRIVER_FILE, read_driver, shared_entrypoint
from beekeeper_ext.projects import ProjectPaths
from beekeeper_ext.run_metrics import RunMetricsService
from beekeeper_ext.store import Store

WRITER = """
import os, sys, time
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter
base, ready, gate = float(sys.argv[1]), sys.argv[2], sys.argv[3]
writer = EventFileWriter("out")
def put(step):
    value = summary_pb2.Summary.Value(tag="loss", simple_value=base + step)
    writer.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary_pb2.Summary(value=[value])))
for step in range(3):
    put(step)
writer.flush()
open(ready, "w").close()
while not os.path.exists(gate):
    time.sleep(0.02)
for step in range(3, 6):
    put(step)
writer.close()
"""


def stamp(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Projects:
    def __init__(self, home: Path):
        self.home = home

    def paths(self, name: str) -> ProjectPaths:
        return ProjectPaths(self.home, name)


def ready_project(tmp_path: Path, train_file: str) -> tuple[Store, Projects, ProjectPaths, str]:
    """A store holding project p, ready, its event files in src/out; and a timestamp 5 s ago."""
    home = tmp_path / "home"
    store = Store(home / "beekeeper.db")
    projects = Projects(home)
    paths = projects.paths("p")
    (paths.src / "out").mkdir(parents=True)
    now = stamp(time.time() - 5)
    store.insert_project({"name": "p", "git_url": "file:///nowhere", "branch": "main", "train_file": train_file,
                          "tensorboard_log_dir": "out", "requirements_file": "requirements.txt",
                          "setup_state": "ready", "created": now, "updated": now})
    return store, projects, paths, now


def running_ray_run(store: Store, paths: ProjectPaths, run_id: str, seq: int, now: str) -> None:
    """A running shared-filesystem Ray run of p, with its run folder: Beekeeper knows no pid of it."""
    store.insert_run({"id": run_id, "seq": seq, "project": "p", "state": "running", "executor": "ray",
                      "mode": "shared-filesystem", "host": "127.0.0.1:8265", "created": now, "started": now})
    paths.run_dir(run_id).mkdir(parents=True)


def write_events(folder: Path, values: list[float]) -> Path:
    """An event file written in this process by tensorboard's writer; returns its path."""
    writer = EventFileWriter(str(folder), filename_suffix=f".{time.monotonic_ns()}")
    for step, value in enumerate(values):
        writer.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag="loss", simple_value=value)])))
    writer.close()
    return Path(writer._file_name)


def wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


async def test_overlapping_ray_runs_writing_one_folder_stay_apart(tmp_path):
    store, projects, paths, now = ready_project(tmp_path, "writer.py")
    (paths.src / "writer.py").write_text(WRITER)
    run_ids = ["r-low", "r-high", "r-remote"]
    for seq, run_id in enumerate(run_ids, 1):  # three Ray runs at once
        running_ray_run(store, paths, run_id, seq, now)
    service = RunMetricsService(store, projects, interval=60.0)

    gate = tmp_path / "gate"
    procs = []
    for run_id, base in (("r-low", 0.0), ("r-high", 100.0)):  # two entrypoints on this host, one folder
        ready = tmp_path / f"ready-{run_id}"
        command = shared_entrypoint(paths.src, paths.run_dir(run_id), [sys.executable, "writer.py", str(base),
                                                                        str(ready), str(gate)])
        procs.append(subprocess.Popen(["/bin/sh", "-c", command]))
        wait_for(ready)
    # The third run's entrypoint runs on another node: its record and its file name say so.
    (paths.run_dir("r-remote") / DRIVER_FILE).write_text('{"host": "node-b", "pid": 4242}\n')
    remote = write_events(tmp_path, [7.0, 8.0])
    remote.rename(paths.src / "out" / f"events.out.tfevents.{int(time.time())}.node-b.4242.1")
    # A live process on this host outside every run (a notebook) writes there too: nobody's.
    write_events(paths.src / "out", [-5.0])
    try:
        await service.refresh("p")  # the writers live: their pids and lineage decide
        views = store.metric_views(run_ids)
        assert views["r-low"]["loss"] == {"last": 2.0, "min": 0.0, "max": 2.0, "step": 2, "count": 3}
        assert views["r-high"]["loss"] == {"last": 102.0, "min": 100.0, "max": 102.0, "step": 2, "count": 3}
        assert views["r-remote"]["loss"] == {"last": 8.0, "min": 7.0, "max": 8.0, "step": 1, "count": 2}
        gate.touch()
        for proc in procs:
            assert proc.wait(timeout=60) == 0
    finally:
        gate.touch()
        for proc in procs:
            proc.kill()
            proc.wait()
    for run_id, proc in zip(("r-low", "r-high"), procs):  # `exec` kept the pid the entrypoint wrote down
        assert read_driver(paths.run_dir(run_id)) == (socket.gethostname(), proc.pid)
        assert any(f".{socket.gethostname()}.{proc.pid}." in name for name in os.listdir(paths.src / "out"))

    await service.refresh("p")  # the writers are gone: their recorded pids still decide
    views = store.metric_views(run_ids)
    assert views["r-low"]["loss"] == {"last": 5.0, "min": 0.0, "max": 5.0, "step": 5, "count": 6}
    assert views["r-high"]["loss"] == {"last": 105.0, "min": 100.0, "max": 105.0, "step": 5, "count": 6}
    sources = store.metric_sources("p")
    assert sorted(s["run_id"] for s in sources.values() if s["kind"] == "events") == ["r-high", "r-low", "r-remote"]
    store.close()


async def test_a_file_from_another_node_is_not_a_ray_run_whose_entrypoint_is_elsewhere(tmp_path):
    """One Ray run in the window, but its record names another node: the file is not its."""
    store, projects, paths, now = ready_project(tmp_path, "train.py")
    running_ray_run(store, paths, "r1", 1, now)
    (paths.run_dir("r1") / DRIVER_FILE).write_text('{"host": "node-a", "pid": 11}\n')
    service = RunMetricsService(store, projects, interval=60.0)
    for host, pid, values in (("node-c", 11, [1.0]), ("node-a", 12, [2.0, 3.0])):
        written = write_events(tmp_path, values)
        written.rename(paths.src / "out" / f"events.out.tfevents.{int(time.time())}.{host}.{pid}.0")
    await service.refresh("p")
    # node-c is not where r1 runs; node-a pid 12 is (a child of its entrypoint, say): r1's.
    assert store.metric_views(["r1"])["r1"]["loss"] == {"last": 3.0, "min": 2.0, "max": 3.0, "step": 1, "count": 2}
    store.close()
