"""The panel's unattended-training views in real JupyterLab and Chromium: a webhook sink added in
the Notifications page against a real loopback receiver (a 400 shown under the field it names, the
URL shown masked), Send test and the delivery listed, a stored SMTP password cleared; a schedule created in the Runs tab with the
next fire times the server computed, a bad time zone refused under its field, the enabled toggle;
and a notification message's link, lab?beekeeper-run=<id>, opening that run's detail with its
energy fields ('—' with the reason where nothing was measured), in light and dark themes."""

from __future__ import annotations


import pytest

from receivers import HttpReceiver

pytestmark = pytest.mark.ui

TRAIN = "print('trained', flush=True)\n"
HOOK_SECRET = "hook-secret-token-4242"
NOTIFY = "#beekeeper-notifications"
PAGE = "#beekeeper-project-unatt"


@pytest.fixture
def receiver():
    server = HttpReceiver()
    yield server
    server.close()


@pytest.mark.timeout(600)
def test_sinks_schedules_and_run_links(page, lab, shot, git_repo, receiver, set_theme, refused):
    url = git_repo({"train.py": TRAIN, "requirements.txt": ""})
    lab.api("POST", "projects", {"name": "unatt", "git_url": url})
    project = lab.wait_api("projects/unatt", lambda p: p["setup"]["state"] in ("ready", "failed"))
    assert project["setup"]["state"] == "ready", project["setup"]
    run = lab.api("POST", "projects/unatt/runs", {})
    run = lab.wait_api(f"runs/{run['id']}", lambda r: r["state"] not in ("queued", "starting", "running"))
    assert run["state"] == "succeeded", run

    # Notifications: from the sidebar's Settings section.
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:show-panel')")
    page.click("#beekeeper-sidebar .bk-open-notifications")
    page.wait_for_selector(f"{NOTIFY} .bk-no-sinks")
    page.click(f"{NOTIFY} .bk-add-sink")
    form = f"{NOTIFY} .bk-sink-form[data-sink='new']"
    page.wait_for_selector(f"{form} #bk-f-sink-kind option[value='email']", state="attached")
    # Every event the server knows is offered, all checked for a new sink.
    events = page.eval_on_selector_all(f"{form} .bk-sink-events input", "els => els.map(e => e.checked)")
    assert len(events) == 9 and all(events)
    # The URL passes the panel's check, not the server's.
    error = refused(page, form, {"#bk-f-sink-name": "lab hook", "#bk-f-sink-url": "http://:8080/no-host"},
                    ".bk-save-sink", "sink-url")
    assert "http or https URL" in error
    page.fill(f"{form} #bk-f-sink-url", receiver.url(f"/hook/{HOOK_SECRET}"))
    page.uncheck(f"{form} .bk-sink-events [data-event='stopped'] input")
    page.click(f"{form} .bk-save-sink")
    row = f"{NOTIFY} .bk-sinks-table tr[data-sink]"
    page.wait_for_selector(row)
    sink_id = page.get_attribute(row, "data-sink")
    assert HOOK_SECRET not in page.inner_text(NOTIFY)  # the URL is shown masked
    assert "8 events" in page.inner_text(f"{row} .bk-sink-wants")

    page.click(f"{row} .bk-test-sink")
    page.wait_for_selector(f"{row} .bk-test-outcome[data-outcome='delivered']")
    page.wait_for_selector(f"{NOTIFY} .bk-deliveries-table tr[data-sink='{sink_id}'][data-ok='true']")
    [hook] = receiver.json_at("/hook/")
    assert hook["event"] == "test" and hook["title"] == "Beekeeper test message"
    shot(page, "unattended_notifications")
    set_theme(page, "JupyterLab Dark")
    page.wait_for_selector(f"{NOTIFY} .bk-deliveries-table")
    shot(page, "unattended_notifications_dark")
    set_theme(page, "JupyterLab Light")

    # A stored SMTP password is cleared with its box (an empty field keeps it): the server keeps none.
    mail = lab.api("POST", "notifications/sinks", {
        "kind": "email", "name": "mail", "host": "127.0.0.1", "security": "none", "username": "bee",
        "password": "smtp-pass-0123-secret", "sender": "bee@example.org", "to": "me@example.org"})
    page.click(f"{NOTIFY} .bk-refresh-deliveries")  # reads the sinks again too
    page.click(f"{NOTIFY} .bk-sinks-table tr[data-sink='{mail['id']}'] .bk-edit-sink")
    mform = f"{NOTIFY} .bk-sink-form[data-sink='{mail['id']}']"
    page.check(f"{mform} .bk-clear-password input")
    assert page.is_disabled(f"{mform} #bk-f-sink-password")
    shot(page, "unattended_clear_password")
    page.click(f"{mform} .bk-save-sink")
    page.wait_for_selector(mform, state="detached")
    listed = lab.api("GET", "notifications/sinks")["sinks"]
    assert [s["password_set"] for s in listed if s["id"] == mail["id"]] == [False]

    # Schedules in the Runs tab: a bad zone is refused under its field, then next fire times show.
    page.evaluate("() => window.jupyterapp.commands.execute('beekeeper:open-project', {name: 'unatt', tab: 'runs'})")
    page.click(f"{PAGE} .bk-new-schedule")
    sform = f"{PAGE} .bk-schedule-form[data-schedule='new']"
    error = refused(page, sform, {"#bk-f-schedule-cron": "0 3 * * *", "#bk-f-schedule-timezone": "Mars/Olympus",
                                  "#bk-f-schedule-args": "--lr 0.5"}, ".bk-save-schedule", "schedule-timezone")
    assert "timezone" in error
    page.fill(f"{sform} #bk-f-schedule-timezone", "Europe/Berlin")
    page.click(f"{sform} .bk-save-schedule")
    srow = f"{PAGE} .bk-schedules-table tr[data-schedule]"
    page.wait_for_selector(f"{srow} .bk-next-fires li")
    [schedule] = lab.api("GET", "projects/unatt/schedules")["schedules"]
    shown = page.eval_on_selector_all(f"{srow} .bk-next-fires li", "els => els.map(e => e.dataset.time)")
    assert shown == schedule["next"][:3] and len(shown) == 3
    assert schedule["run"]["args"] == ["--lr", "0.5"] and schedule["timezone"] == "Europe/Berlin"
    assert "--lr 0.5" in page.inner_text(f"{srow} .bk-args")
    shot(page, "unattended_schedules")
    page.uncheck(f"{srow} .bk-schedule-enabled")
    page.wait_for_selector(f"{srow} .bk-schedule-next .bk-muted")
    assert lab.api("GET", f"schedules/{schedule['id']}")["enabled"] is False

    # A message's link opens the run's detail with its energy, and leaves the address bar.
    page.goto(f"{lab.url}lab?beekeeper-run={run['id']}")
    detail = f"#beekeeper-run-{run['id']}"
    page.wait_for_selector(f"{detail} .bk-run-energy [data-energy='gpu']", timeout=120_000)
    assert "beekeeper-run" not in page.url
    energy = lab.api("GET", f"runs/{run['id']}")["energy"] or {}
    for key in ("gpu", "cpu", "cost"):
        part = page.locator(f"{detail} .bk-run-energy [data-energy='{key}']")
        value = energy.get("cost" if key == "cost" else f"{key}_wh")
        if value is None:
            assert part.locator(".bk-energy-value").inner_text() == "—"
            assert part.get_attribute("title") == (energy.get(f"{key}_reason") or None)
        else:
            assert part.get_attribute("title") is None
    set_theme(page, "JupyterLab Dark")
    shot(page, "unattended_run_link_dark")
    set_theme(page, "JupyterLab Light")
