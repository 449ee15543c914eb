"""Notifications: tell someone who walked away that a run finished, failed or hung.

Sinks live in SQLite (made over the API) or in configuration (`c.BeekeeperApp.notification_sinks`,
read-only over the API). Each sink picks its events. Run and project listeners turn transitions
into events; `emit` builds the message once and delivers it to every interested sink in a
background task: HTTP through tornado's non-blocking client, SMTP through smtplib in a worker
thread, so the event loop never waits on a slow receiver. Each sink gets `TRIES` attempts with a
doubling backoff, and every attempt is recorded (GET /notifications/deliveries).

Secrets: a webhook or ntfy URL usually *is* the credential (Slack's /services/T…/B…/token, an
unguessable ntfy topic), and SMTP has a password. The API shows URLs masked to scheme, host and
the last 4 characters, never a password; errors are redacted before they are stored; log lines
name sinks by id and kind only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets as pysecrets
import smtplib
import ssl
from collections import OrderedDict
from datetime import datetime, timezone
from email.message import EmailMessage
from typing import Callable
from urllib.parse import urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from traitlets import Dict, Float, List, Unicode
from traitlets.config import LoggingConfigurable

from .errors import bad_request, conflict, not_found
from .git import redact
from .models.base import parse
from .models.notification import (DEFAULT_PORTS, EVENTS, KINDS, RUN_EVENTS, SINK_FIELDS, SINK_MODELS, DeliveryList,
                                  Sink, TestRequest, TestResult)
from .listeners import RunListener
from .store import Store, now

log = logging.getLogger("beekeeper.notifications")

TRIES = 3
LOG_TAIL_LINES = 20
MASK = "…"
#: Titles of the events about the host rather than a run, project or sweep.
HOST_TITLES = {"disk_full": "Beekeeper: disk almost full", "gpu_hot": "Beekeeper: GPU too hot",
               "sweep_finished": "Beekeeper: sweep finished"}


def mask_url(url: str) -> str:
    """`https://hooks.slack.com/…wxyz`: enough to recognise a sink, never enough to use it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    hint = rest[-4:] if len(rest) > 12 else ""
    return f"{parts.scheme}://{host}/{MASK}{hint}"


def _secrets(sink: dict) -> list[str]:
    """Strings that must never leave the server: the URL and its parts, the SMTP password."""
    cfg = sink["config"]
    out = []
    if cfg.get("url"):
        parts = urlsplit(cfg["url"])
        out += [cfg["url"], parts.path, parts.query, parts.password or ""]
        out += [seg for seg in parts.path.split("/") if len(seg) >= 6]
    if cfg.get("password"):
        out.append(cfg["password"])
    return sorted({s for s in out if s and len(s) > 1}, key=len, reverse=True)  # longest first


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def _kind(body: dict, current: dict | None) -> str:
    if current is None:
        kind = body.get("kind")
        if kind not in KINDS:
            raise bad_request("kind", f"kind must be one of {', '.join(KINDS)}")
        return kind
    if "kind" in body and body["kind"] != current["kind"]:
        raise bad_request("kind", "a sink's kind cannot change; make a new sink")
    return current["kind"]


def _fields(row: dict) -> dict:
    """A stored sink as a create body (its URL unmasked): what a PATCH lays its fields over."""
    return {"name": row["name"], "events": row["events"], "enabled": bool(row["enabled"]), **row["config"]}


def _config(sink) -> dict:
    """What the sink needs to deliver: the URL, or the SMTP server, login and envelope."""
    if sink.kind != "email":
        return {"url": sink.url}
    return {"host": sink.host, "port": sink.port or DEFAULT_PORTS[sink.security], "security": sink.security,
            "username": sink.username, "password": sink.password, "sender": sink.sender, "to": sink.to}


class NotificationService(LoggingConfigurable, RunListener):
    """Sinks (stored and configured), event listeners, delivery with retries, the attempt record.

    A RunListener (app.py lists it for RunService), a project listener and a sweep
    finished-listener. `runs`, `tensorboards` and `run_metrics` (each optional) give a message
    the run's log tail and latest metrics; `server_url` is the local server's URL, asked when a
    link is made (it is known only once the server listens) unless `public_url` is set."""

    sinks = List(Dict(), help="Notification sinks from configuration (read-only over the API), each like the "
                              "body of POST /beekeeper/api/notifications/sinks "
                              "(also c.BeekeeperApp.notification_sinks).").tag(config=True)
    backoff = Float(2.0, help="Seconds before the 2nd delivery try; doubled before the 3rd "
                              "(also c.BeekeeperApp.notification_backoff).").tag(config=True)
    public_url = Unicode("", help="The URL people open JupyterLab at, for links in notifications. Default: the "
                                  "local server URL (also c.BeekeeperApp.public_url).").tag(config=True)
    smtp_ca_file = Unicode("", help="A PEM file of the CA certificates e-mail sinks trust for STARTTLS and SSL, "
                                    "instead of the system's (a home-lab mail server with its own CA). "
                                    "Certificates and host names are verified either way "
                                    "(also c.BeekeeperApp.smtp_ca_file).").tag(config=True)

    def __init__(self, store: Store, runs=None, tensorboards=None, run_metrics=None,
                 server_url: Callable[[], str] | None = None, timeout: float = 20.0, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.runs = runs
        self.tensorboards = tensorboards
        self.run_metrics = run_metrics
        self.server_url = server_url
        self.timeout = timeout
        self._tasks: set[asyncio.Task] = set()
        self._runs: dict[str, tuple[str, str | None]] = {}  # run id → (state, stalled_since) last seen
        self._done: OrderedDict[str, str] = OrderedDict()  # run id → the finished state already told
        self._setup: dict[str, str] = {}

    # -- sinks --------------------------------------------------------------------------------
    def _config_sinks(self) -> list[dict]:
        out = []
        for index, raw in enumerate(self.sinks or []):
            try:
                fields = self._validate(dict(raw), None)
            except Exception as exc:
                log.error("Beekeeper: notification_sinks[%d] is invalid: %s", index,
                          getattr(exc, "message", type(exc).__name__))
                continue
            out.append({"id": f"config-{index}", "source": "config", "created": None, "updated": None,
                        **fields, "enabled": int(fields["enabled"])})
        return out

    def _all(self) -> list[dict]:
        return [{**r, "source": "api"} for r in self.store.list_sinks()] + self._config_sinks()

    def _row(self, sink_id: str) -> dict:
        for row in self._all():
            if row["id"] == sink_id:
                return row
        raise not_found(f"sink {sink_id!r}")

    def list(self) -> dict:
        return {"sinks": [self.render(r) for r in self._all()], "events": list(EVENTS), "kinds": list(KINDS)}

    def get(self, sink_id: str) -> dict:
        return self.render(self._row(sink_id))

    @staticmethod
    def render(row: dict) -> dict:
        """The API view (models.notification.Sink): the URL masked, a password only as password_set."""
        cfg = row["config"]
        common = {"id": row["id"], "name": row["name"], "kind": row["kind"], "events": row["events"],
                  "enabled": bool(row["enabled"]), "source": row["source"], "created": row["created"],
                  "updated": row["updated"]}
        if row["kind"] != "email":
            return Sink(**common, url=mask_url(cfg["url"])).dump()
        return Sink(**common, host=cfg["host"], port=cfg["port"], security=cfg["security"],
                    username=cfg.get("username") or None, password_set=bool(cfg.get("password")),
                    sender=cfg["sender"], to=cfg["to"]).dump()

    def _validate(self, body: dict, current: dict | None) -> dict:
        """Body → {name, kind, events, enabled, config}, checked by the create model of the sink's
        kind; a PATCH (current given) is checked as the stored sink with the sent fields laid over it."""
        if not isinstance(body, dict):
            raise bad_request("body", "the request body must be a JSON object")
        kind = _kind(body, current)
        model = SINK_MODELS[kind]
        for key in body:
            if key in SINK_FIELDS and key not in model.model_fields:
                raise bad_request(key, f"{key} does not apply to a {kind} sink")
        if current is not None:
            stored = current["config"].get("url")
            if stored is not None and body.get("url") == mask_url(stored):
                body = {k: val for k, val in body.items() if k != "url"}  # the masked form keeps the stored URL
            body = {**_fields(current), **body, "kind": kind}
        sink = parse(model, body)
        return {"kind": kind, "name": sink.name or kind, "events": sink.events, "enabled": sink.enabled,
                "config": _config(sink)}

    def create(self, body: dict) -> dict:
        fields = self._validate(body, None)
        sink_id = pysecrets.token_hex(4)
        stamp = now()
        self.store.insert_sink({"id": sink_id, **fields, "enabled": int(fields["enabled"]),
                                "created": stamp, "updated": stamp})
        return self.get(sink_id)

    def update(self, sink_id: str, body: dict) -> dict:
        row = self._row(sink_id)
        if row["source"] == "config":
            raise conflict(f"sink {sink_id} comes from the server configuration; edit it there", "id")
        fields = self._validate(body, row)
        self.store.update_sink(sink_id, **{**fields, "enabled": int(fields["enabled"])})
        return self.get(sink_id)

    def delete(self, sink_id: str) -> None:
        row = self._row(sink_id)
        if row["source"] == "config":
            raise conflict(f"sink {sink_id} comes from the server configuration; remove it there", "id")
        self.store.delete_sink(sink_id)

    def deliveries(self, sink_id: str | None = None, limit: int = 100) -> dict:
        return DeliveryList(deliveries=self.store.list_deliveries(sink_id, limit)).dump()

    # -- events -------------------------------------------------------------------------------
    def on_run(self, run: dict) -> None:
        """A RunService listener: finished states and a newly set stalled flag become events."""
        run_id, state, stalled = run["id"], run["state"], run.get("stalled_since")
        previous = self._runs.get(run_id)
        if state in RUN_EVENTS:  # a finished state
            self._runs.pop(run_id, None)
            if self._done.get(run_id) == state:
                return
            self._done[run_id] = state
            while len(self._done) > 1000:
                self._done.popitem(last=False)
            self.emit(state, run=run)
            return
        self._runs[run_id] = (state, stalled)
        if stalled and (previous is None or not previous[1]):
            self.emit("stalled", run=run)

    def on_project(self, project: dict) -> None:
        """A ProjectService listener: a setup that was under way and failed becomes `setup_failed`."""
        if project.get("deleted"):
            self._setup.pop(project["name"], None)
            return
        state = project["setup"]["state"]
        previous = self._setup.get(project["name"])
        self._setup[project["name"]] = state
        if state == "failed" and previous not in (None, "failed", "ready"):
            self.emit("setup_failed", project=project)

    def on_sweep_finished(self, sweep: dict) -> None:
        """A SweepService finished-listener: `sweep_finished`, naming the best trial."""
        trials = sweep.get("trials") or {}
        best = sweep.get("best")
        counts = ", ".join(f"{trials[s]} {s}" for s in ("succeeded", "failed", "stopped", "lost") if trials.get(s))
        detail = (f"Sweep {sweep['id']} of {sweep['project']} finished: {trials.get('total', 0)} trials"
                  + (f" ({counts})" if counts else "")
                  + (f"; best run {best['run']} with {best['value']:.4g}" if best else ""))
        self.emit("sweep_finished", detail=detail, sweep=sweep)

    def emit(self, event: str, run: dict | None = None, project: dict | None = None,
             detail: str | None = None, sweep: dict | None = None) -> None:
        """Deliver `event` to every enabled sink that wants it, in the background."""
        sinks = [s for s in self._all() if s["enabled"] and event in s["events"]]
        if not sinks:
            return
        self._spawn(self._deliver_all(sinks, event, run, project, detail, sweep))

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self) -> None:
        """Wait for deliveries in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def test(self, body: dict) -> dict:
        """POST /notifications/test: send a test message to one sink now and report every attempt."""
        sink = self._row(parse(TestRequest, body).sink)
        message = {"event": "test", "title": "Beekeeper test message",
                   "text": f"This is a test message from Beekeeper at {self._public()}.\n"
                           f"Sink {sink['name']} ({sink['kind']}) works.",
                   "link": self._public(), "project": None, "run_id": None}
        attempts = await self._deliver(sink, message)
        return TestResult(delivered=any(a["ok"] for a in attempts), attempts=attempts).dump()

    # -- messages -----------------------------------------------------------------------------
    def _public(self) -> str:
        url = self.public_url or (self.server_url() if self.server_url is not None else "") or ""
        return url if url.endswith("/") else url + "/"

    async def _run_facts(self, run: dict) -> tuple[list[str], dict]:
        """The run's last log lines (read in a thread) and latest metrics; empty when unreadable."""
        tail: list[str] = []
        if self.runs is not None:
            try:
                tail = await asyncio.to_thread(tail_lines, self.runs.log_path(run))
            except Exception:
                log.exception("reading the log tail of run %s", run["id"])
        metrics: dict = {}
        if self.tensorboards is not None:
            try:
                metrics = await latest_metrics(self.tensorboards, run, self.run_metrics) or {}
            except Exception:
                log.exception("reading the metrics of run %s", run["id"])
        return tail, metrics

    async def _message(self, event: str, run: dict | None, project: dict | None, detail: str | None,
                       sweep: dict | None = None) -> dict:
        """The message once for every sink: title, plain text, a link back, and the facts."""
        if run is not None:
            return await self._run_message(event, run, detail)
        base = self._public()
        if project is not None:
            title = f"{project['name']}: setup failed"
            text = f"{title}\n\n{project['setup'].get('message') or ''}\n\nOpen in JupyterLab: {base}lab"
            return {"event": event, "title": title, "text": text, "link": f"{base}lab",
                    "project": project["name"], "run_id": None}
        if sweep is not None:
            title = f"{sweep['project']}: sweep {sweep['id']} finished"
            owner = sweep["project"]
        else:
            title = HOST_TITLES.get(event, f"Beekeeper: {event}")
            owner = None
        return {"event": event, "title": title, "text": f"{title}\n\n{detail or ''}\n\n{base}lab",
                "link": f"{base}lab", "project": owner, "run_id": None}

    async def _run_message(self, event: str, run: dict, detail: str | None) -> dict:
        tail, metrics = await self._run_facts(run)
        stalled = event == "stalled"
        title = f"{run['project']}: run {run['id']} " + ("is stalled" if stalled else run["state"])
        link = f"{self._public()}lab?beekeeper-run={run['id']}"
        lines = [title, "", f"Project: {run['project']}", f"Run: {run['id']}",
                 f"State: {run['state']}" + (" (stalled)" if stalled else ""),
                 f"Duration: {_duration(run.get('duration'))}",
                 f"Exit code: {run['exit_code'] if run.get('exit_code') is not None else '-'}"]
        lines += [detail] if detail else []
        lines += [f"Message: {run['message']}"] if run.get("message") else []
        if metrics:
            lines.append("Metrics: " + ", ".join(
                f"{tag} {point['value']:.4g} (step {point['step']})" for tag, point in sorted(metrics.items())))
        lines += ["", f"Last {len(tail)} log lines:", *tail] if tail else []
        lines += ["", f"Open in JupyterLab: {link}"]
        return {"event": event, "title": title, "text": "\n".join(lines), "link": link,
                "project": run["project"], "run_id": run["id"], "state": run["state"],
                "duration": run.get("duration"), "exit_code": run.get("exit_code"),
                "metrics": metrics, "log_tail": tail}

    # -- delivery -----------------------------------------------------------------------------
    async def _deliver_all(self, sinks, event, run, project, detail, sweep=None) -> None:
        message = await self._message(event, run, project, detail, sweep)
        await asyncio.gather(*(self._deliver(sink, message) for sink in sinks), return_exceptions=True)

    async def _deliver(self, sink: dict, message: dict) -> list[dict]:
        attempts = []
        hidden = _secrets(sink)
        for attempt in range(1, TRIES + 1):
            status, error = None, None
            try:
                if sink["kind"] == "email":
                    await asyncio.to_thread(self._send_mail, sink["config"], message, self.timeout,
                                            self.smtp_ca_file or None)
                else:
                    status = await self._post(sink, message)
                    if not 200 <= status < 300:
                        error = f"HTTP {status}"
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = redact(f"{type(exc).__name__}: {exc}", tuple(hidden))[:500]
            record = {"sink_id": sink["id"], "sink_name": sink["name"], "kind": sink["kind"],
                      "event": message["event"], "project": message.get("project"),
                      "run_id": message.get("run_id"), "attempt": attempt, "ok": int(error is None),
                      "status": status, "error": error, "created": now()}
            record["id"] = self.store.insert_delivery(record)
            record["ok"] = error is None
            attempts.append(record)
            if error is None:
                break
            log.warning("Beekeeper: notification to sink %s (%s) failed, attempt %d of %d: %s",
                        sink["id"], sink["kind"], attempt, TRIES, error)
            if attempt < TRIES:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        return attempts

    def _payload(self, kind: str, message: dict) -> tuple[bytes, dict[str, str]]:
        """The body each kind of receiver understands."""
        if kind == "slack":
            return json.dumps({"text": message["text"]}).encode(), {"Content-Type": "application/json"}
        if kind == "discord":
            text = message["text"]
            return (json.dumps({"content": text[:1990] + ("…" if len(text) > 1990 else "")}).encode(),
                    {"Content-Type": "application/json"})
        if kind == "ntfy":
            headers = {"Title": message["title"].encode("ascii", "replace").decode(), "Click": message["link"],
                       "Tags": "warning" if message["event"] in ("failed", "lost", "stalled", "setup_failed")
                       else "white_check_mark" if message["event"] == "succeeded" else "bee",
                       "Content-Type": "text/plain; charset=utf-8"}
            if message["event"] in ("failed", "lost", "stalled"):
                headers["Priority"] = "high"
            return message["text"].encode(), headers
        body = {k: message.get(k) for k in ("event", "title", "text", "link", "project", "run_id", "state",
                                            "duration", "exit_code", "metrics", "log_tail")}
        body["time"] = datetime.now(timezone.utc).isoformat()
        return json.dumps(body).encode(), {"Content-Type": "application/json"}

    async def _post(self, sink: dict, message: dict) -> int:
        body, headers = self._payload(sink["kind"], message)
        request = HTTPRequest(sink["config"]["url"], method="POST", body=body, headers=headers,
                              request_timeout=self.timeout, connect_timeout=self.timeout, follow_redirects=False)
        response = await AsyncHTTPClient().fetch(request, raise_error=False)
        if response.code == 599:  # no HTTP answer: the connection failed or timed out
            raise ConnectionError(str(response.error) if response.error else "no response")
        return response.code

    @staticmethod
    def _send_mail(cfg: dict, message: dict, timeout: float, ca_file: str | None = None) -> None:
        """Blocking SMTP: runs in a worker thread. TLS verifies the certificate and the host name
        (against `ca_file` when given); starttls refuses a server that does not offer it, before AUTH."""
        mail = EmailMessage()
        mail["Subject"] = message["title"]
        mail["From"] = cfg["sender"]
        mail["To"] = ", ".join(cfg["to"])
        mail.set_content(message["text"])
        context = ssl.create_default_context(cafile=ca_file)
        if cfg["security"] == "ssl":
            client = smtplib.SMTP_SSL(cfg["host"], cfg["port"], timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(cfg["host"], cfg["port"], timeout=timeout)
        with client:
            if cfg["security"] == "starttls":
                client.starttls(context=context)
            if cfg.get("username"):
                client.login(cfg["username"], cfg.get("password") or "")
            client.send_message(mail)


def tail_lines(path, count: int = LOG_TAIL_LINES, max_bytes: int = 64 * 1024) -> list[str]:
    """The last `count` lines of a log file (blocking: call in a thread)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - max_bytes))
            data = f.read()
    except OSError:
        return []
    lines = data.decode("utf-8", "replace").replace("\r", "\n").splitlines()
    return [line[:500] for line in lines if line.strip()][-count:]


async def latest_metrics(tensorboards, run: dict, run_metrics=None) -> dict:
    """The last value of each metric of the run: the experiments service's per-run metrics when
    it has some, else the project's scalars — TensorBoard runs named after the run id, else any
    point written since the run started (the project's log dir is shared by its runs)."""
    if run_metrics is not None:
        own = run_metrics.summaries([run["id"]]).get(run["id"]) or {}
        found = {tag: {"step": m["step"], "value": m["last"]} for tag, m in own.items() if m["last"] is not None}
        if found:
            return found
    scalars = (await tensorboards.latest_scalars(run["project"]))["runs"]
    own = {name: tags for name, tags in scalars.items() if run["id"] in name}
    started = run.get("started")
    since = datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp() if started else None
    out: dict[str, dict] = {}
    for tags in (own or scalars).values():
        for tag, point in tags.items():
            if not own and (since is None or point["wall_time"] < since):
                continue
            if tag not in out or point["wall_time"] >= out[tag]["wall_time"]:
                out[tag] = point
    return {tag: {"step": p["step"], "value": p["value"]} for tag, p in out.items()}
