"""Loopback receivers for notification tests: a real HTTP server and a real SMTP server (aiosmtpd).

Both run in their own threads on 127.0.0.1 and record what they were sent, so a test sees
exactly the bytes Beekeeper put on the wire. Paths starting with /fail answer 500.
"""

from __future__ import annotations

import json
import threading
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HttpReceiver:
    """`receiver.url("/hook")` → a URL on this server; `receiver.requests` → what came in."""

    def __init__(self):
        self.requests: list[dict] = []
        self.event = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with owner.event:
                    owner.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    owner.event.notify_all()
                status = 500 if self.path.startswith("/fail") else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):  # keep the test output (and caplog) free of URLs
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, prefix: str) -> list[dict]:
        return [r for r in self.requests if r["path"].startswith(prefix)]

    def json_at(self, prefix: str) -> list[dict]:
        return [json.loads(r["body"]) for r in self.at(prefix)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    """aiosmtpd on a loopback port, requiring AUTH LOGIN/PLAIN with one user.

    `tls="starttls"` offers and requires STARTTLS (`tls_context`) before AUTH; `tls="ssl"` speaks
    TLS from the first byte (the controller's `ssl_context`). `cert` is a trustme leaf certificate
    for 127.0.0.1. Without TLS, AUTH is allowed in the clear (loopback only)."""

    def __init__(self, username: str, password: str, tls: str | None = None, cert=None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list = []
        self.logins: list[tuple[str, bool]] = []
        owner = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                owner.messages.append(message_from_bytes(envelope.content, policy=email_policy))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
            secret = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
            ok = login == username and secret == password
            owner.logins.append((login, ok))
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

        from live_server import free_port

        self.port = free_port()
        # aiosmtpd counts only STARTTLS as "TLS" for auth_require_tls; with ssl every byte is TLS anyway.
        options: dict = {"auth_required": True, "auth_require_tls": tls == "starttls"}
        if tls is not None:
            import ssl

            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            if tls == "starttls":
                options.update(tls_context=context, require_starttls=True)
            else:
                options["ssl_context"] = context
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticator,
                                     **options)
        self.controller.start()

    def close(self):
        self.controller.stop()
