"""Each service has its own traits (`c.UsageRecorder.interval`, ...) beside the documented
`c.BeekeeperApp.<name>`: an app-level setting the user made is handed to its service (and wins
when both are set), one left unset leaves the service's own trait in charge."""

from __future__ import annotations

import pytest


@pytest.fixture
def jp_server_config(bk_home):
    return {
        "ServerApp": {"jpserver_extensions": {"beekeeper_ext": True}},
        "BeekeeperApp": {"home": str(bk_home), "scalars_interval": 4.0, "notification_backoff": 0.5},
        "UsageRecorder": {"interval": 3.0},  # only the service's own name
        "RunMetricsService": {"interval": 9.0},  # both: the app's scalars_interval wins
        "StallWatchdog": {"interval": 45.0},
        "GitOps": {"timeout": 60.0},
        "RunService": {"max_concurrent_runs": 3},
    }


async def test_service_traits_and_app_traits_both_configure(bk_app):
    assert bk_app.usage.interval == 3.0
    assert bk_app.run_metrics.interval == 4.0
    assert bk_app.watchdog.interval == 45.0 and bk_app.gitops.timeout == 60.0
    assert bk_app.runs.max_concurrent_runs == 3
    assert bk_app.notifications.backoff == 0.5
    assert bk_app.energy.pace() == 3.0  # energy samples at the usage history's pace unless told
    assert bk_app.schedules.grace == 3600.0  # set nowhere: the default


def test_every_forwarded_setting_means_the_same_in_both_places():
    """An app-level name and the service trait it is handed to have the same default (so leaving
    both unset means what the README says), and the README's table names both."""
    from pathlib import Path

    from beekeeper_ext.app import FORWARDED, BeekeeperApp

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name, (service, trait) in FORWARDED.items():
        assert BeekeeperApp.class_traits()[name].default() == service.class_traits()[trait].default(), name
        assert service.class_traits()[trait].metadata.get("config"), f"{service.__name__}.{trait}"
        assert f"| `{name}` | `{service.__name__}.{trait}` |" in readme, name
