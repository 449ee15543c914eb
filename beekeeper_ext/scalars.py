"""The latest value of every scalar tag, read straight from TensorBoard event files.

So a dashboard can say "loss 0.213 at step 4,100" without starting a TensorBoard. Each event
file keeps an incremental reader (tensorboard's EventFileLoader resumes where it stopped) and
is only touched again when its size or mtime changed, so polling a busy log dir is cheap.
Blocking file work: call `LatestScalars.read` through asyncio.to_thread.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

EVENT_FILE_MARK = "tfevents"


@dataclass
class _FileState:
    loader: object
    key: tuple[int, float] = (-1, -1.0)
    scalar_tags: set[str] = field(default_factory=set)  # TF2 writers send the metadata only once
    latest: dict[str, dict] = field(default_factory=dict)


def _event_files(logdir: Path):
    for folder, _dirs, files in os.walk(logdir):
        for name in files:
            if EVENT_FILE_MARK in name:
                yield Path(folder) / name


class LatestScalars:
    """Per log dir: {"runs": {run: {tag: {"step", "value", "wall_time"}}}}, runs named like TensorBoard
    names them (the folder relative to the log dir, "." for the log dir itself)."""

    def __init__(self):
        self._files: dict[Path, _FileState] = {}
        self._lock = threading.Lock()

    def read(self, logdir: Path) -> dict:
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

        logdir = Path(logdir)
        runs: dict[str, dict[str, dict]] = {}
        with self._lock:
            present = set()
            for path in sorted(_event_files(logdir)) if logdir.is_dir() else []:
                try:
                    stat = path.stat()
                except OSError:
                    continue
                present.add(path)
                state = self._files.get(path)
                key = (stat.st_size, stat.st_mtime)
                if state is None or stat.st_size < state.key[0]:  # new, or rewritten from scratch
                    state = self._files[path] = _FileState(EventFileLoader(str(path)))
                if state.key != key:
                    self._load(state)
                    state.key = key
                run = os.path.relpath(path.parent, logdir)
                merged = runs.setdefault(run, {})
                for tag, point in state.latest.items():
                    if tag not in merged or (point["step"], point["wall_time"]) >= (
                            merged[tag]["step"], merged[tag]["wall_time"]):
                        merged[tag] = point
            for gone in [p for p in self._files if p not in present and _under(p, logdir)]:
                del self._files[gone]
        return {"runs": runs}

    @staticmethod
    def _load(state: _FileState) -> None:
        from tensorboard.util import tensor_util

        for event in state.loader.Load():
            if not event.HasField("summary"):
                continue
            for value in event.summary.value:
                meta = value.metadata
                if meta.plugin_data.plugin_name == "scalars" or meta.data_class == 1:  # DATA_CLASS_SCALAR
                    state.scalar_tags.add(value.tag)
                if value.HasField("simple_value"):
                    number = value.simple_value
                elif value.tag in state.scalar_tags and value.HasField("tensor"):
                    try:
                        number = tensor_util.make_ndarray(value.tensor).item()
                    except (ValueError, TypeError):
                        continue
                else:
                    continue
                state.scalar_tags.add(value.tag)
                previous = state.latest.get(value.tag)
                if previous is None or event.step >= previous["step"]:
                    state.latest[value.tag] = {"step": int(event.step), "value": float(number),
                                               "wall_time": float(event.wall_time)}

    def forget(self, logdir: Path) -> None:
        with self._lock:
            for path in [p for p in self._files if _under(p, Path(logdir))]:
                del self._files[path]


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False
