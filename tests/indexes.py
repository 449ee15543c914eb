"""A package index that never answers, for setups that must be cancelled or time out."""

from __future__ import annotations

import socket
import threading


class SilentIndex:
    """A loopback TCP server that accepts connections and never replies: uv waits on it as on a
    real index that hangs."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/simple"
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def requirements(self) -> str:
        return f"--index-url {self.url}\nbkhang==1.0\n"

    def close(self):
        self.sock.close()
        for conn in self.connections:
            conn.close()
