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

from .jsontext import dumps

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
    inner = points[1:-1, 2]
    edges = np.linspace(0, len(inner), buckets + 1).astype(np.int64)
    starts = np.unique(edges[:-1])  # equal-sized buckets; vectorised (no Python loop per bucket)
    bucket = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(inner))))
    low = np.where(np.isnan(inner), np.inf, inner)
    high = np.where(np.isnan(inner), -np.inf, inner)
    lowest = np.minimum.reduceat(low, starts)[bucket] == low
    highest = np.maximum.reduceat(high, starts)[bucket] == high
    first_low = np.unique(bucket[lowest], return_index=True)[1]
    first_high = np.unique(bucket[highest], return_index=True)[1]
    keep = np.concatenate(([0], np.flatnonzero(lowest)[first_low] + 1, np.flatnonzero(highest)[first_high] + 1,
                           [n - 1]))
    return points[np.unique(keep)], True


class SeriesCache:
    """Sorted series by (file, size), and the last downsampled answers as JSON text (serialising
    thousands of floats costs more than everything else in a warm read)."""

    def __init__(self, entries: int = 64):
        self._lock = threading.Lock()
        self._series: dict[Path, tuple[int, np.ndarray]] = {}
        self._answers: dict[tuple[Path, int, int], bytes] = {}
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

    def cached(self, run_dir: Path, tag: str, count: int, max_points: int) -> bytes | None:
        """The answer already made for this many points of the tag, if any (no file access: the
        store's `count` says whether the series grew). Safe on the event loop."""
        with self._lock:
            return self._answers.get((series_path(run_dir, tag), count, max_points))

    def answer(self, run_dir: Path, tag: str, count: int, max_points: int) -> bytes:
        """`{"tag", "points": [[step, wall_time, value], ...], "downsampled"}` as JSON; non-finite
        values become null (JSON has no NaN)."""
        cached = self.cached(run_dir, tag, count, max_points)
        if cached is not None:
            return cached
        points, downsampled = downsample(self.load(run_dir, tag, count), max_points)
        rows = [[int(s), w, v if math.isfinite(v) else None] for s, w, v in points.tolist()]
        answer = dumps({"tag": tag, "points": rows, "downsampled": downsampled})
        key = (series_path(run_dir, tag), count, max_points)
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
