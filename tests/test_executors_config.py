"""A default executor that is not configured (`default_executor = "ray"` with no `ray_address`)
must not turn every run into a 400: the server says so in its log and runs stay local."""

from __future__ import annotations

import pytest

from runhelpers import wait_run


@pytest.fixture
def bk_config():
    return {"default_executor": "ray"}


async def test_unconfigured_default_executor_falls_back_to_local(api, ready_project):
    code, body = await api.get("executors")
    assert code == 200 and body["default"] == "local"
    assert [e["name"] for e in body["executors"]] == ["local"]
    await ready_project("plain", {"train.py": "print('ran here')\n"})
    code, run = await api.post("projects/plain/runs")
    assert code == 201, run
    run = await wait_run(api, run["id"])
    assert run["executor"] == "local" and run["state"] == "succeeded", run
