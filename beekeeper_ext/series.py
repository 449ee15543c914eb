"""A run's scalar series on disk, and min/max-preserving downsampling for charts.

Each tag of a run is one file in the run folder, `scalars/<quoted tag>.f64`: little-endian
float64 triples (step, wall_time, value) appended as they are read. So a chart of a finished
run never re-parses event files (a restart included), one tag is read without touching the
others, and a cold read is one sequential file read. The store's `count` for the tag is the
truth: a file longer than that (a crash between append and commit) is cut back before use.
All functions block: call them through asyncio.to_thread.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from urllib.parse import quote

import numpy as np

POINT_BYTES = 24
FOLDER = "scalars"


def series_path(run_dir: Path, tag: str) -> Path:
    name = quote(tag, safe="")
    if len(name) > 200:  # file names stop at 255 bytes; keep long tags apart by a hash
        import hashlib

        name = name[:150] + "-" + hashlib.sha256(tag.encode()).hexdigest()[:16]
    return Path(run_dir) / FOLDER / (name + ".f64")


def append(run_dir: Path, tag: str, points: list[tuple[int, float, float]], known_count: int) -> None:
    """Append points after the first `known_count` ones (anything beyond them is a torn write)."""
    path = series_path(run_dir, tag)
    path.parent.mkdir(exist_ok=True)
    with open(path, "ab") as f:
        if f.tell() != known_count * POINT_BYTES:
            f.truncate(known_count * POINT_BYTES)
            f.seek(known_count * POINT_BYTES)
        f.write(np.asarray(points, dtype="<f8").reshape(-1, 3).tobytes())


def remove(run_dir: Path, tag: str) -> None:
    try:
        os.unlink(series_path(run_dir, tag))
    except FileNotFoundError:
        pass


def downsample(points: np.ndarray, max_points: int) -> tuple[np.ndarray, bool]:
    """At most `max_points` rows: each bucket keeps its lowest and highest value (in step order),
    so a spike survives any zoom level; the first and last points are always kept."""
    n = len(points)
    if n <= max_points:
        return points, False
    if max_points < 4:
        return points[np.unique(np.linspace(0, n - 1, max_points).astype(int))], True
    buckets = (max_points - 2) // 2
    values = points[1:-1, 2]
    edges = np.linspace(0, len(values), buckets + 1).astype(int)
    keep = [0]
    clean = np.where(np.isnan(values), np.inf, values)
    dirty = np.where(np.isnan(values), -np.inf, values)
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi <= lo:
            continue
        a = lo + int(np.argmin(clean[lo:hi])) + 1
        b = lo + int(np.argmax(dirty[lo:hi])) + 1
        keep.extend((a, b) if a <= b else (b, a))
    keep.append(n - 1)
    return points[np.unique(np.asarray(keep))], True


def _number(x: float) -> float | None:
    return x if math.isfinite(x) else None


class SeriesCache:
    """Sorted series by (file, size), and the last downsampled answers: a warm read is a stat."""

    def __init__(self, entries: int = 64):
        self._lock = threading.Lock()
        self._series: dict[Path, tuple[int, np.ndarray]] = {}
        self._answers: dict[tuple[Path, int, int], dict] = {}
        self.entries = entries

    def load(self, run_dir: Path, tag: str, count: int) -> np.ndarray:
        """The first `count` points of a tag, ordered by step (then wall time)."""
        path = series_path(run_dir, tag)
        size = min(count * POINT_BYTES, path.stat().st_size if path.exists() else 0)
        with self._lock:
            cached = self._series.get(path)
            if cached is not None and cached[0] == size:
                return cached[1]
        raw = np.fromfile(path, dtype="<f8", count=size // 8) if size else np.zeros(0)
        points = raw.reshape(-1, 3)
        if len(points) > 1 and np.any(np.diff(points[:, 0]) < 0):
            points = points[np.lexsort((points[:, 1], points[:, 0]))]
        with self._lock:
            if len(self._series) >= self.entries:
                self._series.pop(next(iter(self._series)))
            self._series[path] = (size, points)
        return points

    def answer(self, run_dir: Path, tag: str, count: int, max_points: int) -> dict:
        """`{"tag", "points": [[step, wall_time, value], ...], "downsampled"}`; non-finite values
        become null (JSON has no NaN)."""
        path = series_path(run_dir, tag)
        key = (path, count, max_points)
        with self._lock:
            if key in self._answers:
                return self._answers[key]
        points, downsampled = downsample(self.load(run_dir, tag, count), max_points)
        rows = [[int(s), w, _number(v)] for s, w, v in points.tolist()]
        answer = {"tag": tag, "points": rows, "downsampled": downsampled}
        with self._lock:
            if len(self._answers) >= self.entries:
                self._answers.pop(next(iter(self._answers)))
            self._answers[key] = answer
        return answer

    def forget(self, run_dir: Path) -> None:
        with self._lock:
            for path in [p for p in self._series if p.parent.parent == Path(run_dir)]:
                del self._series[path]
            for key in [k for k in self._answers if k[0].parent.parent == Path(run_dir)]:
                del self._answers[key]
