"""Files a user may reach in a project: its checkout (`src/`) and its runs' folders (`runs/`).

Every file route goes through `resolve_path`, the one place that decides whether a requested
path stays inside its root. Folder zips are produced by `ZipStream` while they are sent, so a
multi-gigabyte folder never sits in memory or in a temporary file.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import AsyncIterator, Callable

from traitlets import Int
from traitlets.config import LoggingConfigurable

from .errors import BeekeeperError, conflict, not_found
from .models.files import FileListing
from .projects import ProjectPaths, ProjectService
from .store import Store
from .validation import path_size

ROOTS = ("src", "runs")
ACTIVE_RUN_STATES = ("queued", "starting", "running")
CHUNK = 1024 * 1024
# Already compressed: deflating them again costs CPU and saves nothing.
STORED_SUFFIXES = {".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".png", ".jpg", ".jpeg", ".gif",
                   ".webp", ".mp4", ".mp3", ".npz", ".whl", ".safetensors"}
ENCODED_SEPARATOR_RE = re.compile(r"%(2f|5c|00)", re.IGNORECASE)
WINDOWS_DRIVE_RE = re.compile(r"^[A-Za-z]:")


def _refuse(message: str, status: int = 400) -> BeekeeperError:
    return BeekeeperError(status, message, "path")


@dataclass
class Location:
    """A checked path: which root it is under, where that root is, and the path itself."""

    path: str            # the normalised API path, e.g. "src/checkpoints/model.pkl" ("" = the roots)
    root: str | None     # "src", "runs" or None for the listing of the roots
    base: Path | None    # the root folder on disk
    target: Path | None  # the file or folder on disk (not resolved: a symlink stays a symlink)
    parts: tuple[str, ...] = ()  # segments below the root

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def resolve_path(paths: ProjectPaths, path: str | None, raw: str | None = None) -> Location:
    """Map an API path (`src/...`, `runs/<run_id>/...`) onto disk, or refuse with a 4xx on `path`.

    `raw` is the path as it appeared in the URL, before percent-decoding: an encoded `/`, `\\`
    or NUL there would let one segment pose as several, so it is refused outright.
    """
    if raw is not None and ENCODED_SEPARATOR_RE.search(raw):
        raise _refuse("path must not contain encoded slashes, backslashes or NUL bytes")
    if path is None:
        path = ""
    if not isinstance(path, str):
        raise _refuse("path must be a string")
    path_size(path, "path")
    if "\x00" in path:
        raise _refuse("path must not contain NUL bytes")
    if "\\" in path:
        raise _refuse("path must use '/' separators, not backslashes")
    if path.startswith("/") or WINDOWS_DRIVE_RE.match(path):
        raise _refuse("path must be relative: start with src/ or runs/")
    segments = [s for s in path.split("/") if s not in ("", ".")]
    if any(s == ".." for s in segments):
        raise _refuse("path must not contain '..'")
    if not segments:
        return Location(path="", root=None, base=None, target=None)
    root, parts = segments[0], tuple(segments[1:])
    if root not in ROOTS:
        raise _refuse("path must start with src/ or runs/")
    base = paths.src if root == "src" else paths.runs
    target = base.joinpath(*parts)
    try:
        real_base = base.resolve()
        real = target.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        raise _refuse("path cannot be resolved") from None
    if not real.is_relative_to(real_base):
        raise _refuse("path leads outside the project through a symbolic link", 403)
    return Location(path="/".join(segments), root=root, base=base, target=target, parts=parts)


def refuse_git_writes(loc: Location) -> None:
    """Uploads and deletes stay out of git's own folders (`.git` anywhere below a root, as given
    or reached through a link): a hook, or a `.git/config` entry such as `core.fsmonitor`, is a
    command that git runs. Beekeeper's git ignores those anyway (git.py); this keeps the API from
    planting or removing them. Reads stay allowed."""
    if loc.root is None or not loc.parts:
        return
    given = loc.parts
    try:
        real_parent = loc.target.parent.resolve()
        reached = real_parent.relative_to(loc.base.resolve()).parts + (loc.target.name,)
    except (OSError, RuntimeError, ValueError):
        reached = ()
    if any(part.casefold() == ".git" for part in given + reached):
        raise _refuse("path is inside a .git folder: git's own files cannot be uploaded or deleted", 403)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    return "dir" if stat.S_ISDIR(mode) else "file"


def entry(api_path: str, disk: Path, jupyter_path: Callable[[Path], str | None] | None = None) -> dict:
    """One listing row; a symlink reports its own size and kind, never its target's."""
    st = disk.lstat()
    return {
        "name": api_path.rsplit("/", 1)[-1],
        "path": api_path,
        "size": st.st_size,
        "mtime": _iso(st.st_mtime),
        "kind": _kind(st.st_mode),
        "jupyter_path": jupyter_path(disk) if jupyter_path else None,
    }


def jupyter_path_finder(root_dir: str | None, allow_hidden: bool = False) -> Callable[[Path], str | None]:
    """Path of a file relative to the Jupyter server's root, for "open in JupyterLab" (None if outside)."""
    root = Path(root_dir).resolve() if root_dir else None

    def find(disk: Path) -> str | None:
        if root is None:
            return None
        for candidate in (Path(os.path.abspath(disk)), disk.resolve()):
            if candidate.is_relative_to(root):
                rel = candidate.relative_to(root).as_posix()
                if not allow_hidden and any(p.startswith(".") for p in rel.split("/")):
                    return None
                return rel
        return None

    return find


class _Pipe:
    """A write-only, unseekable file for zipfile: bytes pile up until the sender takes them."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        if data:
            self.chunks.append(bytes(data))
            self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def tell(self) -> int:
        return self.size

    def take(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


class ZipStream:
    """A folder as a ZIP64 archive, produced piece by piece (each piece at most ~1 MiB).

    The zip is written into a `_Pipe`; after each step (one chunk of one file, done in a worker
    thread so deflate and disk reads stay off the event loop) the caller takes the bytes and
    sends them, so memory use does not depend on the folder's size.
    """

    def __init__(self, folder: Path, arcroot: str, compress: bool = True):
        self.folder = folder
        self.arcroot = arcroot
        self.compression = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED

    def _files(self):
        real_root = self.folder.resolve()
        for dirpath, dirnames, filenames in os.walk(self.folder):
            dirnames.sort()
            here = Path(dirpath)
            rel_dir = here.relative_to(self.folder).as_posix()
            if not filenames and not dirnames and rel_dir != ".":
                yield here, rel_dir + "/", True
            for fname in sorted(filenames):
                disk = here / fname
                try:
                    if not disk.resolve().is_relative_to(real_root) or not disk.is_file():
                        continue  # a symlink out of the folder, a socket, a broken link
                except OSError:
                    continue
                yield disk, (fname if rel_dir == "." else f"{rel_dir}/{fname}"), False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pipe = _Pipe()
        archive = zipfile.ZipFile(pipe, "w", compression=self.compression, allowZip64=True)
        files = self._files()
        state: dict = {"src": None, "dst": None}

        def step() -> bool:
            """Write the next chunk; False when the archive is complete."""
            if state["src"] is None:
                item = next(files, None)
                if item is None:
                    archive.close()
                    return False
                disk, arcname, is_dir = item
                name = f"{self.arcroot}/{arcname}" if self.arcroot else arcname
                if is_dir:
                    archive.writestr(zipfile.ZipInfo.from_file(disk, name), b"")
                    return True
                try:
                    info = zipfile.ZipInfo.from_file(disk, name)
                    src = open(disk, "rb")
                except OSError:
                    return True  # vanished or unreadable since the walk: leave it out
                compressed = disk.suffix.lower() in STORED_SUFFIXES
                info.compress_type = zipfile.ZIP_STORED if compressed else self.compression
                state["src"], state["dst"] = src, archive.open(info, "w", force_zip64=True)
            data = state["src"].read(CHUNK)
            if data:
                state["dst"].write(data)
            else:
                state["dst"].close()
                state["src"].close()
                state["src"] = state["dst"] = None
            return True

        try:
            while await asyncio.to_thread(step):
                if sum(map(len, pipe.chunks)) >= 64 * 1024:
                    yield pipe.take()
            yield pipe.take()
        finally:
            if state["src"] is not None:
                state["src"].close()


@dataclass
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """A single `bytes=` range; None means "send it all" (no header, or several ranges).

    Raises 416 when the range cannot be satisfied.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    unsatisfiable = BeekeeperError(416, f"range {header!r} cannot be satisfied: the file has {size} bytes",
                                   "Range")
    if not dash:
        raise unsatisfiable
    try:
        if first == "":
            suffix = int(last)
            if suffix <= 0 or size == 0:
                raise unsatisfiable
            return ByteRange(max(0, size - suffix), size - 1)
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        raise unsatisfiable from None
    if start < 0 or start >= size or end < start:
        raise unsatisfiable
    return ByteRange(start, min(end, size - 1))


# Types training projects produce that the mimetypes table may not know.
EXTRA_TYPES = {".log": "text/plain", ".out": "text/plain", ".err": "text/plain", ".md": "text/markdown",
               ".yaml": "text/yaml", ".yml": "text/yaml", ".toml": "text/plain", ".cfg": "text/plain",
               ".ini": "text/plain", ".ipynb": "application/x-ipynb+json"}


def content_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    if suffix in EXTRA_TYPES:
        extra = EXTRA_TYPES[suffix]
        return extra + "; charset=utf-8" if extra.startswith("text/") else extra
    guessed, encoding = mimetypes.guess_type(name)
    if encoding or not guessed:  # a .gz is its bytes, not text with an encoding
        return "application/gzip" if encoding == "gzip" else "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/json", "application/javascript"):
        return guessed + "; charset=utf-8"
    return guessed


def etag(st: os.stat_result) -> str:
    return f'"{st.st_size:x}-{st.st_mtime_ns:x}"'


async def read_chunks(path: Path, start: int, length: int) -> AsyncIterator[bytes]:
    """Yield `length` bytes from `start`, one chunk at a time, read in a worker thread."""
    handle = await asyncio.to_thread(open, path, "rb")
    try:
        await asyncio.to_thread(handle.seek, start)
        left = length
        while left > 0:
            data = await asyncio.to_thread(handle.read, min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        handle.close()


class FileService(LoggingConfigurable):
    """Listing, download metadata, upload placement and deletion inside a project's roots."""

    upload_max_bytes = Int(50 * 1024**3, help="Largest accepted upload, in bytes "
                                              "(also c.BeekeeperApp.upload_max_bytes).").tag(config=True)

    def __init__(self, projects: ProjectService, store: Store, **kwargs):
        super().__init__(**kwargs)
        self.projects = projects
        self.store = store

    def locate(self, name: str, path: str | None, raw: str | None = None) -> Location:
        self.projects.row(name)  # 404 for an unknown project
        return resolve_path(self.projects.paths(name), path, raw)

    async def listing(self, name: str, loc: Location, jupyter_path=None) -> dict:
        """A folder's entries, folders first; the empty path lists the two roots."""
        if loc.root is None:
            return await asyncio.to_thread(self._roots, name, jupyter_path)
        return await asyncio.to_thread(self._listing, loc, jupyter_path)

    def _roots(self, name: str, jupyter_path) -> dict:
        paths = self.projects.paths(name)
        entries = [entry(root, disk, jupyter_path)
                   for root, disk in (("src", paths.src), ("runs", paths.runs)) if disk.exists()]
        return FileListing(path="", entries=entries).dump()

    def _listing(self, loc: Location, jupyter_path) -> dict:
        entries = []
        try:
            with os.scandir(loc.target) as it:
                names = sorted(e.name for e in it)
        except FileNotFoundError:
            raise not_found(f"folder {loc.path!r}") from None
        for child in names:
            try:
                entries.append(entry(f"{loc.path}/{child}", loc.target / child, jupyter_path))
            except FileNotFoundError:
                continue  # removed while listing
        entries.sort(key=lambda e: (e["kind"] != "dir", e["name"]))
        return FileListing(path=loc.path, entries=entries).dump()

    def stat(self, loc: Location) -> os.stat_result:
        try:
            return loc.target.stat()
        except FileNotFoundError:
            raise not_found(f"{loc.path!r}") from None

    # -- uploads ------------------------------------------------------------------------------
    def begin_upload(self, loc: Location, overwrite: bool, length: int | None):
        """Check an upload may land at `loc`; make its folder; return (temp file, temp path)."""
        if loc.root != "src" or not loc.parts:
            raise _refuse("uploads go under src/ and need a file name", 400)
        refuse_git_writes(loc)
        limit = self.upload_max_bytes
        if length is not None and length > limit:
            raise BeekeeperError(413, f"the upload is larger than the limit of {limit} bytes", "body")
        if loc.target.is_dir():
            raise conflict(f"{loc.path!r} is a folder", "path")
        if loc.target.exists() and not overwrite:
            raise conflict(f"{loc.path!r} already exists; add ?overwrite=1 to replace it", "path")
        parent = loc.target.parent
        if parent.exists() and not parent.is_dir():
            raise conflict(f"{loc.path.rsplit('/', 1)[0]!r} is a file, not a folder", "path")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise conflict("a parent of the upload path is a file, not a folder", "path") from None
        # The folder now exists: check again that it did not lead out through a symlink.
        if not parent.resolve().is_relative_to(loc.base.resolve()):
            raise _refuse("path leads outside the project through a symbolic link", 403)
        fd, temp = tempfile.mkstemp(dir=parent, prefix=f".{loc.name}.", suffix=".upload")
        return os.fdopen(fd, "wb"), Path(temp)

    def finish_upload(self, loc: Location, temp: Path, overwrite: bool) -> bool:
        """Move the complete upload into place; True when it replaced a file."""
        existed = loc.target.exists()
        if existed and not overwrite:
            temp.unlink(missing_ok=True)
            raise conflict(f"{loc.path!r} already exists; add ?overwrite=1 to replace it", "path")
        os.chmod(temp, 0o644)
        os.replace(temp, loc.target)
        return existed

    # -- deletion -----------------------------------------------------------------------------
    async def delete(self, loc: Location, recursive: bool) -> None:
        if loc.root is None or not loc.parts:
            raise _refuse("the roots src/ and runs/ cannot be deleted")
        refuse_git_writes(loc)
        if loc.root == "runs":
            run_id = loc.parts[0]
            if len(loc.parts) == 1:
                raise _refuse("delete a run with DELETE /beekeeper/api/runs/{id}; here only files inside it")
            run = self.store.get_run(run_id)
            if run is not None and run["state"] in ACTIVE_RUN_STATES:
                raise conflict(f"run {run_id} is {run['state']}: its files can be deleted once it ends",
                               "path")
        target = loc.target
        if not target.is_symlink() and not target.exists():
            raise not_found(f"{loc.path!r}")
        if target.is_symlink() or target.is_file():
            await asyncio.to_thread(target.unlink)
        elif recursive:
            await asyncio.to_thread(shutil.rmtree, target)
        else:
            try:
                await asyncio.to_thread(target.rmdir)
            except OSError:
                raise conflict(f"{loc.path!r} is a folder that is not empty; add ?recursive=1",
                               "path") from None
