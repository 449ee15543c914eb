"""Notifications over the real API: real runs, a real loopback HTTP receiver (webhook, Slack, Discord
and ntfy shapes) and a real loopback SMTP server (aiosmtpd) get the messages; a failing receiver is
retried and every attempt recorded; no secret reaches a response or a log line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import beekeeper_ext

from receivers import HttpReceiver, SmtpReceiver
from runhelpers import wait_run

SLACK_SECRET = "T0SECRET/B0SECRET/slacktoken1234secret"
HOOK_SECRET = "hooktoken-5678-secret"
NTFY_SECRET = "ntfy-topic-9abc-secret"
DISCORD_SECRET = "discordtoken-def0-secret"
SMTP_PASSWORD = "smtp-password-0123-secret"
SECRETS = (SLACK_SECRET, HOOK_SECRET, NTFY_SECRET, DISCORD_SECRET, SMTP_PASSWORD, "slacktoken1234secret")

TRAIN_FAIL = """import os, sys
from tbevents import SummaryWriter
writer = SummaryWriter(os.path.join("runs", os.environ["BEEKEEPER_RUN_ID"]))
for step in range(5):
    writer.add_scalar("loss/train", 1.0 / (step + 1), step)
writer.close()
for i in range(30):
    print(f"line {i}", flush=True)
print("giving up", flush=True)
sys.exit(3)
"""


@pytest.fixture
def bk_config():
    return {"notification_backoff": 0.01, "public_url": "https://lab.example.org/user/me/"}


@pytest.fixture
def http_receiver():
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def smtp_receiver():
    pytest.importorskip("aiosmtpd")
    receiver = SmtpReceiver("bee", SMTP_PASSWORD)
    yield receiver
    receiver.close()


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


async def test_real_runs_reach_every_sink_kind_and_no_secret_leaks(api, bk_app, ready_project, http_receiver,
                                                                   smtp_receiver, caplog):
    caplog.set_level(logging.DEBUG)
    sinks = {}
    for name, body in {
        "hook": {"kind": "webhook", "url": http_receiver.url(f"/hook/{HOOK_SECRET}")},
        "slack": {"kind": "slack", "url": http_receiver.url(f"/slack/services/{SLACK_SECRET}"),
                  "events": ["failed"]},
        "discord": {"kind": "discord", "url": http_receiver.url(f"/discord/{DISCORD_SECRET}"),
                    "events": ["failed", "succeeded"]},
        "ntfy": {"kind": "ntfy", "url": http_receiver.url(f"/ntfy/{NTFY_SECRET}"), "events": ["failed"]},
        "mail": {"kind": "email", "host": "127.0.0.1", "port": smtp_receiver.port, "security": "none",
                 "username": "bee", "password": SMTP_PASSWORD, "sender": "beekeeper@lab.example.org",
                 "to": ["me@example.org"], "events": ["failed"]},
        "quiet": {"kind": "webhook", "url": http_receiver.url("/quiet/x"), "events": ["succeeded"]},
    }.items():
        code, sink = await api.post("notifications/sinks", {"name": name, **body})
        assert code == 201, sink
        assert_no_secret(json.dumps(sink))
        sinks[name] = sink
    assert sinks["slack"]["url"].startswith(f"http://127.0.0.1:{http_receiver.port}/…")
    assert sinks["mail"]["password_set"] is True and "password" not in sinks["mail"]
    assert sinks["hook"]["events"] == ["succeeded", "failed", "stopped", "lost", "stalled", "sweep_finished",
                                       "setup_failed", "disk_full", "gpu_hot"]

    tbevents = (Path(beekeeper_ext.__file__).parent / "example_project" / "tbevents.py").read_text()
    await ready_project("loud", {"train.py": TRAIN_FAIL, "tbevents.py": tbevents})
    code, run = await api.post("projects/loud/runs")
    assert code == 201, run
    run = await wait_run(api, run["id"])
    assert run["state"] == "failed" and run["exit_code"] == 3
    await bk_app.notifications.drain()

    [hook] = http_receiver.json_at("/hook/")
    assert hook["event"] == "failed" and hook["project"] == "loud" and hook["run_id"] == run["id"]
    assert hook["state"] == "failed" and hook["exit_code"] == 3 and hook["duration"] is not None
    assert len(hook["log_tail"]) == 20 and "giving up" in hook["log_tail"][-2] + hook["log_tail"][-1]
    assert hook["link"] == f"https://lab.example.org/user/me/lab?beekeeper-run={run['id']}"
    assert "Exit code: 3" in hook["text"] and "line 29" in hook["text"] and "line 5\n" not in hook["text"]
    assert hook["metrics"]["loss/train"]["step"] == 4
    assert hook["metrics"]["loss/train"]["value"] == pytest.approx(0.2)
    assert "Metrics: loss/train 0.2 (step 4)" in hook["text"]

    [slack] = http_receiver.json_at("/slack/")
    assert set(slack) == {"text"} and run["id"] in slack["text"] and "Exit code: 3" in slack["text"]
    [discord] = http_receiver.json_at("/discord/")
    assert set(discord) == {"content"} and run["id"] in discord["content"] and len(discord["content"]) <= 2000

    [ntfy] = http_receiver.at("/ntfy/")
    assert ntfy["headers"]["Title"] == f"loud: run {run['id']} failed"
    assert ntfy["headers"]["Click"].endswith(f"lab?beekeeper-run={run['id']}")
    assert ntfy["headers"]["Priority"] == "high"
    assert b"giving up" in ntfy["body"]
    assert http_receiver.at("/quiet/") == []  # it only wants succeeded

    [mail] = smtp_receiver.messages
    assert smtp_receiver.logins == [("bee", True)]
    assert mail["Subject"] == f"loud: run {run['id']} failed"
    assert mail["To"] == "me@example.org" and mail["From"] == "beekeeper@lab.example.org"
    assert "giving up" in mail.get_content() and "Exit code: 3" in mail.get_content()

    code, listing = await api.get("notifications/deliveries")
    assert code == 200
    mine = [d for d in listing["deliveries"] if d["run_id"] == run["id"]]
    assert sorted(d["sink_name"] for d in mine) == ["discord", "hook", "mail", "ntfy", "slack"]
    assert all(d["ok"] and d["attempt"] == 1 and d["event"] == "failed" for d in mine)
    code, all_sinks = await api.get("notifications/sinks")
    for text in (json.dumps(listing), json.dumps(all_sinks), caplog.text):
        assert_no_secret(text)


async def test_failing_receiver_is_retried_and_every_attempt_recorded(api, bk_app, ready_project,
                                                                      http_receiver, caplog):
    caplog.set_level(logging.DEBUG)
    code, bad = await api.post("notifications/sinks", {"name": "broken", "kind": "slack",
                                                       "url": http_receiver.url(f"/fail/{SLACK_SECRET}")})
    assert code == 201, bad
    code, good = await api.post("notifications/sinks", {"name": "fine", "kind": "webhook",
                                                        "url": http_receiver.url(f"/ok/{HOOK_SECRET}")})
    await ready_project("ok", {"train.py": "print('done')\n"})
    code, run = await api.post("projects/ok/runs")
    run = await wait_run(api, run["id"])
    assert run["state"] == "succeeded"
    await bk_app.notifications.drain()
    assert len(http_receiver.at("/fail/")) == 3 and len(http_receiver.at("/ok/")) == 1
    assert http_receiver.json_at("/ok/")[0]["event"] == "succeeded"

    code, listing = await api.get("notifications/deliveries", params={"sink": bad["id"]})
    attempts = listing["deliveries"]
    assert [d["attempt"] for d in attempts] == [3, 2, 1]  # newest first
    assert all(not d["ok"] and d["status"] == 500 and d["error"] == "HTTP 500" for d in attempts)
    assert [d["id"] for d in attempts] == sorted((d["id"] for d in attempts), reverse=True)
    assert "failed, attempt 3 of 3" in caplog.text
    assert_no_secret(caplog.text + json.dumps(listing))

    # A receiver that is not there at all: the connection error is recorded, still without the URL.
    code, gone = await api.post("notifications/sinks", {"kind": "ntfy", "url": f"http://127.0.0.1:9/{NTFY_SECRET}"})
    code, result = await api.post("notifications/test", {"sink": gone["id"]})
    assert code == 200 and result["delivered"] is False and len(result["attempts"]) == 3
    assert result["attempts"][0]["error"] and result["attempts"][0]["status"] is None
    assert_no_secret(json.dumps(result) + caplog.text)


async def test_sink_crud_test_message_and_setup_failed(api, bk_app, http_receiver, smtp_receiver, tmp_path):
    code, sink = await api.post("notifications/sinks", {"name": "n", "kind": "ntfy",
                                                        "url": http_receiver.url(f"/ntfy/{NTFY_SECRET}")})
    assert code == 201
    # The masked URL sent back unchanged keeps the real one; a new name is taken.
    code, edited = await api.patch(f"notifications/sinks/{sink['id']}", {"name": "phone", "url": sink["url"],
                                                                          "events": ["setup_failed"]})
    assert code == 200 and edited["name"] == "phone" and edited["url"] == sink["url"]
    assert edited["events"] == ["setup_failed"]
    code, result = await api.post("notifications/test", {"sink": sink["id"]})
    assert code == 200 and result["delivered"] is True and result["attempts"][0]["event"] == "test"
    [message] = http_receiver.at("/ntfy/")
    assert message["headers"]["Title"] == "Beekeeper test message"

    # setup_failed: a project whose repository does not exist.
    code, project = await api.post("projects", {"name": "nope", "git_url": (tmp_path / "missing.git").as_uri()})
    assert code == 201
    project = await api.wait_setup("nope")
    assert project["setup"]["state"] == "failed"
    await bk_app.notifications.drain()
    assert http_receiver.at("/ntfy/")[-1]["headers"]["Title"] == "nope: setup failed"

    code, mail = await api.post("notifications/sinks", {"kind": "email", "host": "127.0.0.1",
                                                        "port": smtp_receiver.port, "security": "none",
                                                        "username": "bee", "password": "wrong-password",
                                                        "sender": "b@example.org", "to": "me@example.org"})
    assert code == 201 and mail["to"] == ["me@example.org"]
    code, result = await api.post("notifications/test", {"sink": mail["id"]})
    assert result["delivered"] is False and "SMTPAuthenticationError" in result["attempts"][0]["error"]
    assert "wrong-password" not in json.dumps(result)
    code, fixed = await api.patch(f"notifications/sinks/{mail['id']}", {"password": SMTP_PASSWORD})
    code, result = await api.post("notifications/test", {"sink": mail["id"]})
    assert result["delivered"] is True and smtp_receiver.messages[-1]["Subject"] == "Beekeeper test message"

    code, gone = await api.delete(f"notifications/sinks/{sink['id']}")
    assert code == 204
    code, body = await api.get(f"notifications/sinks/{sink['id']}")
    assert code == 404



async def test_an_empty_password_clears_the_stored_one(api, bk_app):
    """The panel's "Clear the stored password" sends password "": the sink keeps no password (a login
    sends an empty one); a PATCH that leaves the password out keeps it."""
    code, sink = await api.post("notifications/sinks", {"kind": "email", "host": "127.0.0.1", "security": "none",
                                                        "username": "bee", "password": SMTP_PASSWORD,
                                                        "sender": "b@example.org", "to": "me@example.org"})
    assert code == 201 and sink["password_set"] is True
    code, kept = await api.patch(f"notifications/sinks/{sink['id']}", {"name": "renamed"})
    assert code == 200 and kept["password_set"] is True and kept["name"] == "renamed"
    assert bk_app.notifications._row(sink["id"])["config"]["password"] == SMTP_PASSWORD
    code, cleared = await api.patch(f"notifications/sinks/{sink['id']}", {"password": ""})
    assert code == 200 and cleared["password_set"] is False and "password" not in cleared
    assert bk_app.notifications._row(sink["id"])["config"]["password"] is None
    code, listed = await api.get("notifications/sinks")
    assert [s["password_set"] for s in listed["sinks"] if s["id"] == sink["id"]] == [False]


@pytest.mark.parametrize("body, field", [
    ({"kind": "pager", "url": "https://x"}, "kind"),
    ({"kind": "slack", "url": "ftp://x/y"}, "url"),
    ({"kind": "slack"}, "url"),
    ({"kind": "slack", "url": "https://x/y", "events": ["exploded"]}, "events"),
    ({"kind": "slack", "url": "https://x/y", "host": "smtp"}, "host"),
    ({"kind": "email", "host": "smtp", "sender": "a@b", "to": "c@d", "security": "tls"}, "security"),
    ({"kind": "email", "host": "smtp", "sender": "a@b", "to": ["c@d\nBcc: e@f"]}, "to"),
    ({"kind": "email", "host": "smtp", "sender": "a@b", "to": "c@d", "port": 70000}, "port"),
    ({"kind": "webhook", "url": "https://x/y", "colour": "red"}, "colour"),
])
async def test_bad_sinks_are_refused_naming_the_field(api, body, field):
    code, error = await api.post("notifications/sinks", body)
    assert code == 400 and error["field"] == field, error
    code, listing = await api.get("notifications/sinks")
    assert listing["sinks"] == []


class TestConfiguredSinks:
    @pytest.fixture
    def bk_config(self, http_receiver):
        return {"notification_backoff": 0.01,
                "notification_sinks": [{"name": "cfg", "kind": "webhook",
                                        "url": http_receiver.url(f"/cfg/{HOOK_SECRET}"), "events": ["succeeded"]}]}

    async def test_configured_sink_is_listed_masked_read_only_and_delivers(self, api, bk_app, ready_project,
                                                                          http_receiver):
        code, listing = await api.get("notifications/sinks")
        [sink] = listing["sinks"]
        assert sink["source"] == "config" and sink["id"] == "config-0"
        assert_no_secret(json.dumps(listing))
        code, error = await api.patch("notifications/sinks/config-0", {"name": "x"})
        assert code == 409
        code, error = await api.delete("notifications/sinks/config-0")
        assert code == 409
        await ready_project("cfgp", {"train.py": "print(1)\n"})
        code, run = await api.post("projects/cfgp/runs")
        await wait_run(api, run["id"])
        await bk_app.notifications.drain()
        [message] = http_receiver.json_at("/cfg/")
        assert message["run_id"] == run["id"] and message["event"] == "succeeded"
        # The default public URL is the server's own.
        assert message["link"].startswith("http://") and "/lab?beekeeper-run=" in message["link"]


async def test_a_finished_sweep_is_told(api, bk_app, ready_project, http_receiver):
    import asyncio
    import time

    code, sink = await api.post("notifications/sinks", {"kind": "webhook", "url": http_receiver.url("/sweep"),
                                                        "events": ["sweep_finished"]})
    await ready_project("sw", {"train.py": "import sys\nprint('trial', sys.argv[1:], flush=True)\n"})
    code, sweep = await api.post("projects/sw/sweeps", {"parameters": {"lr": {"values": [0.1, 0.2]}}, "gpus": 0})
    assert code == 201, sweep
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not http_receiver.at("/sweep"):
        await asyncio.sleep(0.2)
    await bk_app.notifications.drain()
    [message] = http_receiver.json_at("/sweep")
    assert message["event"] == "sweep_finished" and message["project"] == "sw"
    assert message["title"] == f"sw: sweep {sweep['id']} finished"
    assert "2 trials (2 succeeded)" in message["text"]


# -- e-mail over TLS: STARTTLS and SSL against a real aiosmtpd with a throwaway CA ------------------

@pytest.fixture
def tls_ca():
    """A throwaway certificate authority (trustme) and a leaf certificate for 127.0.0.1."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    return ca, ca.issue_cert("127.0.0.1")


def write_ca(ca, path: Path) -> Path:
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def trusted_ca(tls_ca, tmp_path, monkeypatch):
    """The server trusts the throwaway CA the way OpenSSL is told anywhere: SSL_CERT_FILE (read by
    ssl.create_default_context). The certificate and host name are still verified."""
    monkeypatch.setenv("SSL_CERT_FILE", str(write_ca(tls_ca[0], tmp_path / "ca.pem")))


def mail_sink(port: int, security: str, password: str = SMTP_PASSWORD) -> dict:
    return {"kind": "email", "name": f"mail-{security}", "host": "127.0.0.1", "port": port, "security": security,
            "username": "bee", "password": password, "sender": "beekeeper@lab.example.org",
            "to": ["me@example.org"]}


@pytest.mark.parametrize("security", ["starttls", "ssl"])
async def test_email_over_tls_delivers_and_never_shows_the_password(api, bk_app, tls_ca, trusted_ca, security,
                                                                     caplog):
    caplog.set_level(logging.DEBUG)
    _, cert = tls_ca
    receiver = SmtpReceiver("bee", SMTP_PASSWORD, tls=security, cert=cert)  # AUTH only once TLS is up
    try:
        code, sink = await api.post("notifications/sinks", mail_sink(receiver.port, security))
        assert code == 201 and sink["security"] == security and sink["password_set"] is True
        assert "password" not in sink
        code, result = await api.post("notifications/test", {"sink": sink["id"]})
        assert code == 200 and result["delivered"] is True, result
        [mail] = receiver.messages
        assert mail["Subject"] == "Beekeeper test message" and mail["To"] == "me@example.org"
        assert receiver.logins == [("bee", True)]

        # A wrong password fails over TLS too, and the error names no secret.
        code, _ = await api.patch(f"notifications/sinks/{sink['id']}", {"password": "wrong-pass-4567-secret"})
        code, result = await api.post("notifications/test", {"sink": sink["id"]})
        assert result["delivered"] is False and "SMTPAuthenticationError" in result["attempts"][0]["error"]

        code, listed = await api.get("notifications/sinks")
        code, deliveries = await api.get("notifications/deliveries")
        seen = json.dumps([sink, result, listed, deliveries]) + caplog.text
        for secret in (SMTP_PASSWORD, "wrong-pass-4567-secret"):
            assert secret not in seen
    finally:
        receiver.close()


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize("trust", ["system", "another_ca"])
async def test_email_refuses_a_certificate_it_does_not_trust(api, bk_app, tls_ca, security, trust, tmp_path,
                                                             monkeypatch):
    """The throwaway CA is unknown to the system, or smtp_ca_file names another CA: the handshake
    fails and no password is sent."""
    _, cert = tls_ca
    if trust == "another_ca":
        other = write_ca(pytest.importorskip("trustme").CA(), tmp_path / "other-ca.pem")
        monkeypatch.setattr(bk_app.notifications, "smtp_ca_file", str(other))
    receiver = SmtpReceiver("bee", SMTP_PASSWORD, tls=security, cert=cert)
    try:
        code, sink = await api.post("notifications/sinks", mail_sink(receiver.port, security))
        code, result = await api.post("notifications/test", {"sink": sink["id"]})
        assert result["delivered"] is False and len(result["attempts"]) == 3
        assert all("CERTIFICATE_VERIFY_FAILED" in a["error"] for a in result["attempts"]), result
        assert receiver.logins == [] and receiver.messages == []
    finally:
        receiver.close()


class TestSmtpCaFile:
    """c.BeekeeperApp.smtp_ca_file: e-mail sinks trust that CA (a home-lab mail server's own)."""

    @pytest.fixture
    def bk_config(self, tls_ca, tmp_path):
        return {"notification_backoff": 0.01, "smtp_ca_file": str(write_ca(tls_ca[0], tmp_path / "lab-ca.pem"))}

    @pytest.mark.parametrize("security", ["starttls", "ssl"])
    async def test_sinks_trust_the_configured_ca(self, api, bk_app, tls_ca, security):
        receiver = SmtpReceiver("bee", SMTP_PASSWORD, tls=security, cert=tls_ca[1])
        try:
            code, sink = await api.post("notifications/sinks", mail_sink(receiver.port, security))
            code, result = await api.post("notifications/test", {"sink": sink["id"]})
            assert result["delivered"] is True, result
            assert receiver.logins == [("bee", True)] and len(receiver.messages) == 1
        finally:
            receiver.close()


async def test_starttls_sink_never_logs_in_where_the_server_offers_no_starttls(api, smtp_receiver):
    """A plain server (no STARTTLS offered): the starttls sink stops before AUTH, the password stays home."""
    code, sink = await api.post("notifications/sinks", mail_sink(smtp_receiver.port, "starttls"))
    code, result = await api.post("notifications/test", {"sink": sink["id"]})
    assert result["delivered"] is False and "STARTTLS" in result["attempts"][0]["error"]
    assert smtp_receiver.logins == [] and smtp_receiver.messages == []
