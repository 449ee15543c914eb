"""A tiny real HTTP server started in TensorBoard's place: it answers every GET and POST with the
path and headers it received, so a test sees what Beekeeper's proxy forwards."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

ECHO = """\
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Echo(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path, "headers": dict(self.headers.items())}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
"""


def echo_argv(folder: Path) -> Callable[[str, int, bool], list[str]]:
    """A stand-in for `tensorboard.tensorboard_argv` that starts the echo server on the given port
    (its script written into `folder`)."""
    script = folder / "echo.py"
    script.write_text(ECHO)
    return lambda logdir, port, reload: [sys.executable, str(script), str(port)]
