"""REST handlers for a project's files: browse, download (ranges, folders as zip), upload, delete."""

from __future__ import annotations

import re
from email.utils import formatdate
from urllib.parse import quote

from tornado import web
from tornado.iostream import StreamClosedError

from ..errors import BeekeeperError
from ..files import ZipStream, content_type, entry, etag, jupyter_path_finder, parse_range, read_chunks
from ..models.files import FileEntry
from ..openapi import op
from ..urls import API_PREFIX, NAME, PATH, api
from .base import BeekeeperHandler, endpoint

#: A refused upload up to this size is read (and dropped) before the error is sent; a larger one
#: is refused at once, and the connection closed.
DRAIN_LIMIT = 16 * 1024 * 1024
RAW_TAIL_RE = re.compile(re.escape(API_PREFIX) + r"/projects/[^/]+/files/?(.*)\Z")


def disposition(filename: str, inline: bool = False) -> str:
    """Content-Disposition with an ASCII fallback and the exact name in RFC 5987 form."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def flag(handler, name: str) -> bool:
    return handler.get_query_argument(name, "") in ("1", "true", "yes")


@web.stream_request_body
class FilesHandler(BeekeeperHandler):
    openapi = {
        "get": op("A folder's listing (JSON), a file's bytes (Range supported) or, with ?format=zip, "
                  "a folder streamed as a zip. Paths start with src/ (the checkout) or runs/<run_id>/; "
                  "an empty path lists those two roots.", "FileListing",
                  query={"format": "zip to download a folder as a zip archive",
                         "inline": "1 to ask the browser to show the file instead of saving it"}),
        "put": op("Upload the request body to a file under src/, streamed to disk (201 created, 200 "
                  "replaced; 409 if it exists without ?overwrite=1; 413 above upload_max_bytes)",
                  "FileEntry", 201, query={"overwrite": "1 to replace an existing file"}),
        "delete": op("Delete a file, an empty folder, or with ?recursive=1 a folder, under src/ or a "
                     "finished run's folder", status=204, query={"recursive": "1 to delete a whole folder"}),
    }

    streams_body = True  # uploads stream to disk here, not into a JSON body
    _upload = None
    _upload_temp = None
    _upload_size = 0
    _refusal: BeekeeperError | None = None  # an upload refused up front, answered once its body is read

    def _raw_tail(self) -> str:
        match = RAW_TAIL_RE.search(self.request.path)
        return match.group(1) if match else ""

    def _locate(self, name: str, path: str | None):
        return self.files.locate(name, path, self._raw_tail())

    # -- upload: checked and opened before the body arrives, then written chunk by chunk ---------
    async def prepare(self):
        await super().prepare()
        if self.request.method == "PUT" and not self._finished:
            await self._begin_upload()

    @endpoint  # before the body arrives, the same guard as the PUT method itself
    async def _begin_upload(self):
        name, path = self.path_kwargs.get("name"), self.path_kwargs.get("path")
        length = self.request.headers.get("Content-Length")
        try:
            loc = self._locate(name, path)
            self._upload_loc = loc
            self._overwrite = flag(self, "overwrite")
            self._upload, self._upload_temp = self.files.begin_upload(
                loc, self._overwrite, int(length) if length and length.isdigit() else None)
        except BeekeeperError as exc:
            if length and length.isdigit() and int(length) <= DRAIN_LIMIT:
                # Answer after reading the (small) body: a client still sending it when the
                # connection closes sees a broken pipe instead of this error.
                self._refusal = exc
                return
            raise
        # Slack above the limit so data_received answers with a JSON 413 before tornado cuts in.
        self.request.connection.set_max_body_size(self.files.upload_max_bytes + 1024 * 1024)

    def data_received(self, chunk: bytes) -> None:
        if self._upload is None:  # refused: the body is read and dropped
            return
        self._upload_size += len(chunk)
        limit = self.files.upload_max_bytes
        if self._upload_size > limit:
            self._discard()
            self.refuse(BeekeeperError(413, f"the upload is larger than the limit of {limit} bytes", "body"))
            return
        self._upload.write(chunk)

    def _discard(self) -> None:
        if self._upload is not None:
            self._upload.close()
            self._upload = None
        if self._upload_temp is not None:
            self._upload_temp.unlink(missing_ok=True)
            self._upload_temp = None

    def on_connection_close(self):
        self._discard()
        super().on_connection_close()

    def on_finish(self):
        self._discard()

    @endpoint
    async def put(self, name, path=None):
        if self._refusal is not None:
            raise self._refusal
        if self._upload is None:  # refused in prepare, or the body was too large
            return
        self._upload.close()
        self._upload = None
        temp, self._upload_temp = self._upload_temp, None
        try:
            replaced = self.files.finish_upload(self._upload_loc, temp, self._overwrite)
        finally:
            temp.unlink(missing_ok=True)
        loc = self._upload_loc
        self.send(FileEntry(**entry(loc.path, loc.target, self._jupyter_path())).dump(), 200 if replaced else 201)

    # -- download and listing -------------------------------------------------------------------
    def _jupyter_path(self):
        manager = self.settings.get("contents_manager")
        return jupyter_path_finder(self.settings.get("server_root_dir"),
                                   bool(getattr(manager, "allow_hidden", False)))

    @endpoint
    async def get(self, name, path=None):
        loc = self._locate(name, path)
        if loc.root is not None and not loc.target.exists():
            raise BeekeeperError(404, f"{loc.path!r} not found", "path")
        if loc.root is None or loc.target.is_dir():
            if self.get_query_argument("format", "") == "zip":
                if loc.root is None:
                    raise BeekeeperError(400, "choose src or a folder below it to download as zip", "path")
                return await self._send_zip(name, loc)
            return self.send(await self.files.listing(name, loc, self._jupyter_path()))
        await self._send_file(loc)

    async def _send_zip(self, name, loc):
        label = "-".join((name, *((loc.root,) + loc.parts)))
        self.set_header("Content-Disposition", disposition(label + ".zip"))
        self.set_header("Content-Type", "application/zip")
        self.set_header("Cache-Control", "no-store")
        stream = ZipStream(loc.target, loc.name).__aiter__()
        try:
            async for piece in stream:
                self.write(piece)
                await self.flush()
        except StreamClosedError:
            return
        finally:
            await stream.aclose()
        self.finish(set_content_type="application/zip")

    async def _send_file(self, loc):
        st = self.files.stat(loc)
        tag = etag(st)
        self.set_header("ETag", tag)
        self.set_header("Last-Modified", formatdate(st.st_mtime, usegmt=True))
        self.set_header("Accept-Ranges", "bytes")
        self.set_header("Cache-Control", "no-cache")
        if tag in (self.request.headers.get("If-None-Match") or ""):
            self.set_status(304)
            return self.finish(set_content_type=content_type(loc.name))
        range_header = self.request.headers.get("Range")
        if_range = self.request.headers.get("If-Range")
        if if_range and if_range != tag:
            range_header = None  # the file changed since the client's first part: send it all
        try:
            byte_range = parse_range(range_header, st.st_size)
        except BeekeeperError as exc:
            exc.headers["Content-Range"] = f"bytes */{st.st_size}"
            raise
        start, length = 0, st.st_size
        if byte_range:
            self.set_status(206)
            self.set_header("Content-Range", f"bytes {byte_range.start}-{byte_range.end}/{st.st_size}")
            start, length = byte_range.start, byte_range.length
        self.set_header("Content-Length", str(length))
        self.set_header("Content-Disposition", disposition(loc.name, inline=flag(self, "inline")))
        ctype = content_type(loc.name)
        self.set_header("Content-Type", ctype)
        chunks = read_chunks(loc.target, start, length)
        try:
            async for chunk in chunks:
                self.write(chunk)
                await self.flush()
        except StreamClosedError:
            return
        finally:
            await chunks.aclose()
        self.finish(set_content_type=ctype)

    @endpoint
    async def delete(self, name, path=None):
        loc = self._locate(name, path)
        await self.files.delete(loc, flag(self, "recursive"))
        self.no_content()


ROUTES = [
    (api("projects", NAME, "files"), FilesHandler),
    (api("projects", NAME, "files", PATH), FilesHandler),
]
