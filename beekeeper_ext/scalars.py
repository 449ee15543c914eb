"""The latest value of every scalar tag, read straight from TensorBoard event files.

So a dashboard can say "loss 0.213 at step 4,100" without starting a TensorBoard. Each event
file keeps an incremental reader (tensorboard's EventFileLoader resumes where it stopped) and
is only touched again when its size or mtime changed, so polling a busy log dir is cheap.
Blocking file work: call `LatestScalars.read` through asyncio.to_thread.
"""

from __future__ import annotations

import os
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import google_crc32c

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


# -- incremental scalar points ----------------------------------------------------------------
# A record is `len (u64) | masked crc32c(len) | Event | masked crc32c(Event)`. Reading resumes at
# the byte after the last whole record, so a record still being written is read next time.
_HEADER = struct.Struct("<QI")
_MAX_RECORD = 256 * 1024**2
_DT_FLOAT, _DT_DOUBLE, _DT_HALF = 1, 2, 19


def _masked_crc(data: bytes) -> int:
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _tensor_number(tensor) -> float | None:
    """The one number in a scalar summary's tensor (TF2 and tensorboard.summary write these)."""
    if tensor.float_val:
        return tensor.float_val[0]
    if tensor.double_val:
        return tensor.double_val[0]
    content = tensor.tensor_content
    if tensor.dtype == _DT_FLOAT and len(content) == 4:
        return struct.unpack("<f", content)[0]
    if tensor.dtype == _DT_DOUBLE and len(content) == 8:
        return struct.unpack("<d", content)[0]
    if tensor.dtype == _DT_HALF:
        if tensor.half_val:
            return float(struct.unpack("<e", struct.pack("<H", tensor.half_val[0]))[0])
        if len(content) == 2:
            return float(struct.unpack("<e", content)[0])
    if tensor.int_val:
        return float(tensor.int_val[0])
    if tensor.int64_val:
        return float(tensor.int64_val[0])
    return None


@dataclass
class ScalarCursor:
    """Where reading one event file stopped, and what it learned on the way (persistable)."""

    offset: int = 0
    scalar_tags: set[str] = field(default_factory=set)  # tags whose metadata said "scalars"
    corrupt: bool = False  # a bad checksum: the file is not read past it


def read_points(path: Path, cursor: ScalarCursor, max_bytes: int = -1) -> list[tuple[str, int, float, float]]:
    """New scalar points `(tag, step, wall_time, value)` since `cursor.offset`; advances the cursor.

    Blocking: call through asyncio.to_thread. Checksums are verified (google-crc32c, in C), so a
    torn or corrupted file stops at its last good record instead of yielding garbage.
    """
    from tensorboard.compat.proto.event_pb2 import Event

    if cursor.corrupt:
        return []
    with open(path, "rb") as f:
        f.seek(cursor.offset)
        data = f.read(max_bytes)
    points: list[tuple[str, int, float, float]] = []
    parse = Event.FromString
    for body in _records(data, cursor):
        event = parse(body)
        if event.HasField("summary"):
            points.extend((tag, event.step, event.wall_time, number)
                          for tag, number in _scalars(event.summary, cursor.scalar_tags))
    return points


def _records(data: bytes, cursor: ScalarCursor) -> Iterator[bytes]:
    """The Event bytes of each whole record in `data`; when done, `cursor.offset` is past the last
    one. A record still being written is left for the next read; a bad checksum marks the file
    corrupt and stops there."""
    unpack = _HEADER.unpack_from
    pos, end = 0, len(data)
    try:
        while pos + 12 <= end:
            length, header_crc = unpack(data, pos)
            if length > _MAX_RECORD or _masked_crc(data[pos:pos + 8]) != header_crc:
                cursor.corrupt = True
                return
            stop = pos + 12 + length + 4
            if stop > end:
                return  # the writer is mid-record
            body = data[pos + 12:stop - 4]
            if _masked_crc(body) != struct.unpack_from("<I", data, stop - 4)[0]:
                cursor.corrupt = True
                return
            pos = stop
            yield body
    finally:
        cursor.offset += pos


def _scalars(summary, scalar_tags: set[str]) -> Iterator[tuple[str, float]]:
    """(tag, number) of each scalar in a summary: simple values, and one-number tensors of tags
    whose metadata said "scalars" (TF2 writers send that metadata only with a tag's first value,
    so the tags learned go into `scalar_tags`)."""
    for value in summary.value:
        kind = value.WhichOneof("value")
        if kind == "simple_value":
            yield value.tag, float(value.simple_value)
        elif kind == "tensor":
            meta = value.metadata
            if meta.plugin_data.plugin_name == "scalars" or meta.data_class == 1:  # DATA_CLASS_SCALAR
                scalar_tags.add(value.tag)
            elif value.tag not in scalar_tags:
                continue
            number = _tensor_number(value.tensor)
            if number is not None:
                yield value.tag, float(number)
