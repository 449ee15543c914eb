"""TensorBoard: start/stop/status and latest scalars over REST, and the authenticated proxy.

The proxy at /beekeeper/tensorboard/NAME/... is jupyter-server-proxy's LocalProxyHandler with
these restrictions: it answers an anonymous request with 403 (no login redirect); writes must
pass Jupyter's XSRF check (TensorBoard's UI is switched to GET only); it reaches only the port of
the TensorBoard Beekeeper started for NAME (started lazily, restarted after a crash — but not by
a cross-site request); it forwards no Jupyter credentials (Cookie, Authorization, ?token=,
Referer); and it points the root-relative URLs of TensorBoard's page (its fonts) below itself.
"""

from __future__ import annotations

import gzip
import re
from urllib.parse import parse_qsl, quote, urlencode

from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from jupyter_server_proxy.handlers import LocalProxyHandler, ProxyHandler
from tornado import web

from ..errors import BeekeeperError
from ..models.tensorboard import LatestScalars, TensorBoardStatus
from ..openapi import op
from ..urls import NAME, PROXIED_PATH, TENSORBOARD_PREFIX, absolute, api
from .base import BeekeeperHandler, BeekeeperMixin, endpoint

STRIPPED_HEADERS = ("Cookie", "Authorization", "X-XSRFToken", "Referer")
STRIPPED_QUERY = ("token", "_xsrf")
#: TensorBoard's own flag for hosts whose proxy passes GET only (Colab): its UI then sends no POST,
#: so every write through the proxy can be held to Jupyter's XSRF rule.
GET_ONLY_FLAG = "tensorboardColab"
#: TensorBoard's page asks for its fonts at the server's root (`url(/font-roboto/...)` in a <style>),
#: outside the proxy's prefix, where they 404; such root URLs in its HTML and CSS are pointed below it.
ROOT_URL = re.compile(rb"""url\((['"]?)/(?!/)""")
REWRITTEN_TYPES = ("text/html", "text/css")


def root_urls_below(prefix: str):
    """A jupyter-server-proxy `rewrite_response` that turns `url(/x)` into `url(PREFIX/x)` in HTML and
    CSS. The body comes compressed as TensorBoard sent it; it is rewritten uncompressed."""
    target = prefix.rstrip("/").encode() + b"/"

    def rewrite(response):
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        encoding = response.headers.get("Content-Encoding", "identity").lower()
        if response.code != 200 or kind not in REWRITTEN_TYPES or encoding not in ("identity", "gzip"):
            return
        body = gzip.decompress(response.body) if encoding == "gzip" else response.body
        rewritten = ROOT_URL.sub(lambda m: b"url(" + m.group(1) + target, body)
        if rewritten != body:
            response.body = rewritten
            response.headers.pop("Content-Encoding", None)

    return rewrite

class TensorBoardHandler(BeekeeperHandler):
    openapi = {
        "get": op("The project's TensorBoard: state (stopped, starting, ready, failed, crashed) and URL",
                  "TensorBoardStatus"),
        "post": op("Start the project's TensorBoard, or reuse the running one (it answers at `url` once "
                   "ready)", "TensorBoardStatus", 202),
        "delete": op("Stop the project's TensorBoard", "TensorBoardStatus"),
    }

    def render(self, status: dict) -> dict:
        return TensorBoardStatus(**{**status, "url": absolute(self.base_url, status["url"])}).dump()

    @endpoint
    async def get(self, name):
        self.send(self.render(self.tensorboards.status(name)))

    @endpoint
    async def post(self, name):
        self.send(self.render(await self.tensorboards.start(name)), 202)

    @endpoint
    async def delete(self, name):
        self.projects.row(name)
        self.send(self.render(await self.tensorboards.stop(name)))


class ScalarsHandler(BeekeeperHandler):
    openapi = {"get": op("Latest value of each scalar tag per run folder of the project's TensorBoard log "
                         "dir, read from the event files", "LatestScalars")}

    @endpoint
    async def get(self, name):
        self.send(LatestScalars(**await self.tensorboards.latest_scalars(name)).dump())


class TensorBoardProxyHandler(BeekeeperMixin, LocalProxyHandler):
    """Proxies HTTP (and WebSockets) to the project's own TensorBoard and nowhere else.

    Every method carries Jupyter's guards; writes also pass Jupyter's XSRF check (the proxy
    library defers XSRF to the proxied app, and TensorBoard has none). A request may start a
    stopped TensorBoard only when it is token-authenticated or passes Jupyter's XSRF rule for GET
    (an XSRF token, or a same-host Referer: the panel's frame); a cross-site link cannot.
    """

    async def prepare(self, *args, **kwargs):
        # JupyterHandler's, not the proxy library's: an API-style 403, never a login redirect.
        await JupyterHandler.prepare(self, _redirect_to_login=False)
        if not self.current_user:
            raise web.HTTPError(403)

    check_xsrf_cookie = JupyterHandler.check_xsrf_cookie

    def _start_allowed(self, name: str) -> None:
        if self.tensorboards.running(name) or self.token_authenticated:
            return
        try:
            JupyterHandler.check_xsrf_cookie(self)
        except web.HTTPError:
            raise BeekeeperError(403, f"TensorBoard for {name} is not running: start it from the Beekeeper "
                                      "panel (a request from another site cannot start it)") from None

    async def _forward(self, name: str, proxied_path: str):
        self.proxy_base = url_path_join(TENSORBOARD_PREFIX, name)  # X-Forwarded-Prefix, redirect rewriting
        self.rewrite_response = (root_urls_below(url_path_join(self.base_url, TENSORBOARD_PREFIX, quote(name))),)
        self._start_allowed(name)
        port = await self.tensorboards.port_for(name)
        # 127.0.0.1, not "localhost" (which may try ::1 first): TensorBoard listens on IPv4 loopback.
        return await ProxyHandler.proxy(self, "127.0.0.1", port, proxied_path)

    @ws_authenticated  # HTTP GET and WebSocket upgrade alike: a 403 for anonymous callers
    @authorized
    async def get(self, *args, **kwargs):
        return await super().get(*args, **kwargs)

    async def http_get(self, name, proxied_path):
        if proxied_path == "" and GET_ONLY_FLAG not in self.request.query_arguments:
            query = parse_qsl(self.request.query, keep_blank_values=True)
            return self.redirect(self.request.path + "?" + urlencode([*query, (GET_ONLY_FLAG, "true")]))
        return await self._forward(name, proxied_path)

    @endpoint  # Jupyter's guards; `authorized` reads the action from the request's own method
    async def _guarded_forward(self, name, proxied_path):
        return await self._forward(name, proxied_path)

    post = put = delete = head = patch = options = _guarded_forward

    async def open(self, name, proxied_path):
        self.proxy_base = url_path_join(TENSORBOARD_PREFIX, name)
        try:
            self._start_allowed(name)
            port = await self.tensorboards.port_for(name)
        except BeekeeperError as exc:
            self.close(1011, exc.message[:120])
            return
        return await self.proxy_open("127.0.0.1", port, proxied_path)

    def on_message(self, message):
        self.tensorboards.touch(self.path_kwargs.get("name", ""))
        return super().on_message(message)

    def proxy_request_headers(self):
        """Jupyter's credentials are for Jupyter, and a Referer may hold ?token=: TensorBoard sees none."""
        headers = super().proxy_request_headers()
        for name in STRIPPED_HEADERS:
            if name in headers:
                del headers[name]
        return headers

    def get_client_uri(self, protocol, host, port, proxied_path):
        uri = super().get_client_uri(protocol, host, port, proxied_path)
        base, sep, query = uri.partition("?")
        if not sep:
            return uri
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in STRIPPED_QUERY]
        return base + ("?" + urlencode(kept) if kept else "")


class TensorBoardSlashHandler(BeekeeperHandler):
    """/beekeeper/tensorboard/NAME → NAME/ so TensorBoard's relative URLs resolve below it."""

    @endpoint
    async def get(self, name):
        self.redirect(self.request.uri.split("?")[0] + "/", permanent=False)


ROUTES = [
    (api("projects", NAME, "tensorboard"), TensorBoardHandler),
    (api("projects", NAME, "scalars"), ScalarsHandler),
    (url_path_join(TENSORBOARD_PREFIX, NAME), TensorBoardSlashHandler),
    (url_path_join(TENSORBOARD_PREFIX, NAME, PROXIED_PATH), TensorBoardProxyHandler),
]
