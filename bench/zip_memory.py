"""Memory cost of downloading a big folder as a zip: Beekeeper's streamed zip vs. a zip built in memory.

Starts a real `jupyter server` with Beekeeper, creates a project, fills `src/big/` with SIZE of
incompressible data, downloads `?format=zip` while sampling the server's RSS every 20 ms, and
checks the archive. The baseline is the original's approach (zipfile into an io.BytesIO, then
sent), run on the same folder in a fresh Python process whose peak RSS growth is measured.

    .venv/bin/python bench/zip_memory.py --size-gb 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from live_server import LiveServer  # noqa: E402

BLOCK = 8 * 1024 * 1024

BASELINE = r"""
import io, json, os, resource, sys, time, zipfile
folder = sys.argv[1]
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
start = rss()
t = time.monotonic()
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
    for dirpath, _, files in os.walk(folder):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            zf.write(path, os.path.relpath(path, os.path.dirname(folder)))
data = buf.getvalue()  # what a handler would then write to the response
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"zip_bytes": len(data), "rss_growth": peak - start, "seconds": time.monotonic() - t}))
"""


def fill(folder: Path, total: int, files: int) -> None:
    """Incompressible data, written fast: one random block, varied per file and per block."""
    folder.mkdir(parents=True, exist_ok=True)
    block = bytearray(os.urandom(BLOCK))
    per_file = total // files
    for i in range(files):
        with open(folder / f"shard-{i:03d}.bin", "wb") as f:
            left, n = per_file, 0
            while left > 0:
                block[:16] = f"{i:08d}{n:08d}".encode()  # no two blocks equal
                chunk = memoryview(block)[:min(BLOCK, left)]
                f.write(chunk)
                left -= len(chunk)
                n += 1


def sample_rss(pid: int, stop: threading.Event, out: list) -> None:
    proc = psutil.Process(pid)
    while not stop.is_set():
        out.append(proc.memory_info().rss)
        time.sleep(0.02)


def api(server: LiveServer, method: str, path: str, body=None):
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(server.url + "beekeeper/api/" + path, data=data, method=method,
                                     headers={"Authorization": f"token {server.token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=2.0)
    parser.add_argument("--files", type=int, default=8)
    args = parser.parse_args()
    total = int(args.size_gb * 1024**3)
    with tempfile.TemporaryDirectory(prefix="bk-zipbench-") as tmp:
        tmp = Path(tmp)
        repo = tmp / "repo"
        repo.mkdir()
        (repo / "train.py").write_text("print('bench')\n")
        env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
               "GIT_COMMITTER_EMAIL": "b@b"}
        for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "x"]):
            subprocess.run(cmd, cwd=repo, check=True, env=env)
        server = LiveServer(tmp / "server")
        try:
            api(server, "POST", "projects", {"name": "bench", "git_url": repo.as_uri()})
            for _ in range(600):
                if api(server, "GET", "projects/bench")["setup"]["state"] in ("ready", "failed"):
                    break
                time.sleep(0.5)
            folder = server.bk_home / "projects/bench/src/big"
            print(f"writing {total / 1024**3:.2f} GiB into {args.files} files ...", flush=True)
            fill(folder, total, args.files)

            pid = server.proc.pid
            before = psutil.Process(pid).memory_info().rss
            samples: list[int] = []
            stop = threading.Event()
            sampler = threading.Thread(target=sample_rss, args=(pid, stop, samples), daemon=True)
            sampler.start()
            start = time.monotonic()
            request = urllib.request.Request(server.url + "beekeeper/api/projects/bench/files/src/big?format=zip",
                                             headers={"Authorization": f"token {server.token}"})
            saved = tmp / "download.zip"
            first_byte = None
            with urllib.request.urlopen(request, timeout=600) as response, open(saved, "wb") as out:
                while True:
                    chunk = response.read(1024 * 1024)
                    if first_byte is None:
                        first_byte = time.monotonic() - start
                    if not chunk:
                        break
                    out.write(chunk)
            seconds = time.monotonic() - start
            stop.set()
            sampler.join()
            with zipfile.ZipFile(saved) as zf:
                infos = zf.infolist()
                ok = len(infos) == args.files and sum(i.file_size for i in infos) == total
            streamed = {"zip_bytes": saved.stat().st_size, "rss_growth": max(samples) - before,
                        "seconds": seconds, "first_byte": first_byte, "valid": ok}
            saved.unlink()
        finally:
            server.stop()

        print("running the baseline (zipfile into io.BytesIO) ...", flush=True)
        out = subprocess.run([sys.executable, "-c", BASELINE, str(folder)], capture_output=True, text=True)
        if out.returncode != 0:
            baseline = {"zip_bytes": 0, "rss_growth": float("nan"), "seconds": float("nan"),
                        "error": out.stderr.strip()[-300:]}
        else:
            baseline = json.loads(out.stdout)

    mib = 1024**2
    print()
    print(f"Folder: {total / 1024**3:.2f} GiB in {args.files} files of incompressible data")
    print(f"{'approach':<38} {'zip size':>10} {'RSS growth':>12} {'time':>8} {'first byte':>11}")
    print(f"{'Beekeeper: streamed ZIP64 (server)':<38} {streamed['zip_bytes'] / mib:>8.0f} MiB "
          f"{streamed['rss_growth'] / mib:>8.1f} MiB {streamed['seconds']:>7.1f}s "
          f"{streamed['first_byte']:>10.2f}s")
    print(f"{'original: zip in io.BytesIO':<38} {baseline['zip_bytes'] / mib:>8.0f} MiB "
          f"{baseline['rss_growth'] / mib:>8.1f} MiB {baseline['seconds']:>7.1f}s {'(at end)':>11}")
    print(f"streamed archive valid (all files, sizes match): {streamed['valid']}")
    if "error" in baseline:
        print("baseline failed:", baseline["error"])


if __name__ == "__main__":
    main()
