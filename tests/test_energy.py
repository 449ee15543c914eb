"""Energy per run over the real API: a fake NVML at the pynvml boundary reporting a known power and a
fake powercap folder with known package counters give the expected Wh (within 5 %) and cost, on an
injected clock; with no source the figures are null with the reason."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from beekeeper_ext.nvml import Nvml
from fake_pynvml import FakeGpu, install
from runhelpers import wait_log, wait_run

TRAIN_WAIT = """import pathlib, sys, time
print("started", flush=True)
go = pathlib.Path(sys.argv[1])
while not go.exists():
    time.sleep(0.05)
"""
TRAIN_SPIN = """import pathlib, sys, time
print("started", flush=True)
go = pathlib.Path(sys.argv[1])
deadline = time.monotonic() + 120  # never outlive a failed test for long
while not go.exists() and time.monotonic() < deadline:
    sum(i * i for i in range(10000))
"""
STEP = 5.0
PACKAGE_WATTS = 50.0


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Powercap:
    """A powercap folder shaped like the kernel's: package zone intel-rapl:0, its core sub-zone."""

    def __init__(self, root: Path, start_uj: int = 0, max_uj: int = 262_143_328_850):
        self.zone = root / "intel-rapl:0"
        (self.zone / "intel-rapl:0:0").mkdir(parents=True)
        (self.zone / "name").write_text("package-0\n")
        (self.zone / "max_energy_range_uj").write_text(f"{max_uj}\n")
        (self.zone / "intel-rapl:0:0" / "energy_uj").write_text("0\n")  # must not be counted twice
        self.max_uj = max_uj
        self.uj = start_uj
        self.write()

    def write(self):
        (self.zone / "energy_uj").write_text(f"{self.uj}\n")

    def add_joules(self, joules: float):
        self.uj = (self.uj + int(joules * 1e6)) % (self.max_uj + 1)
        self.write()


@pytest.fixture
def powercap(tmp_path):
    # Start just below the counter's maximum so the integration crosses a wrap-around.
    return Powercap(tmp_path / "powercap", start_uj=262_143_328_850 - 600_000_000)


@pytest.fixture
def bk_config(powercap):
    # An hour between the meter's own samples: the tests sample by hand.
    return {"rapl_path": str(powercap.zone.parent), "price_per_kwh": 0.30, "currency": "EUR",
            "energy_interval": 3600.0}


@pytest.fixture
def meter(bk_app):
    """The app's energy meter, driven by hand on an injected clock (its own loop is an hour apart)."""
    bk_app.energy.clock = Clock()
    bk_app.energy.interval = STEP
    return bk_app.energy


async def start_waiting(api, name, tmp_path, body=None):
    code, run = await api.post(f"projects/{name}/runs", {"args": [str(tmp_path / f"go-{name}")], **(body or {})})
    assert code == 201, run
    await wait_run(api, run["id"], states=("running",))
    await wait_log(api, run["id"], "started")
    return run


async def integrate(meter, powercap, steps: int):
    await meter.sample()  # the baseline
    for _ in range(steps):
        meter.clock.t += STEP
        powercap.add_joules(PACKAGE_WATTS * STEP)
        await meter.sample()


async def test_known_gpu_power_and_package_energy_give_the_expected_wh_and_cost(
        api, bk_app, meter, powercap, ready_project, tmp_path, monkeypatch):
    install(monkeypatch, [FakeGpu(power_mw=123_456), FakeGpu(power_mw=200_000)])
    meter.nvml = Nvml()  # a fresh session over the fake
    bk_app.runs.gpus = None
    await ready_project("watts", {"train.py": TRAIN_WAIT})
    run = await start_waiting(api, "watts", tmp_path, {"gpus": [0]})

    # The run had a quarter of the host's busy CPU time in every interval: scripted, so the
    # expected figure is exact (the real accounting is the next test's).
    monkeypatch.setattr(meter, "_cpu_delta", lambda runs: (10.0, {run["id"]: 2.5}))
    await integrate(meter, powercap, steps=720)  # one hour

    code, body = await api.get(f"runs/{run['id']}")
    energy = body["energy"]
    assert energy["gpu_wh"] == pytest.approx(123.456, rel=0.05)  # only its own GPU 0, for an hour
    assert energy["cpu_wh"] == pytest.approx(PACKAGE_WATTS * 0.25, rel=0.05)  # the wrap did not count
    assert energy["gpu_reason"] is None and energy["cpu_reason"] is None
    assert energy["cost"] == pytest.approx((123.456 + 12.5) / 1000 * 0.30, rel=0.05)
    assert energy["currency"] == "EUR" and energy["cost_reason"] is None

    (tmp_path / "go-watts").touch()
    finished = await wait_run(api, run["id"])
    assert finished["energy"]["gpu_wh"] == energy["gpu_wh"]  # kept after the run, from the store
    code, listing = await api.get("runs")
    assert listing["runs"][0]["energy"]["gpu_wh"] == energy["gpu_wh"]


async def test_cpu_energy_is_apportioned_by_the_real_cpu_time_share(api, bk_app, meter, powercap,
                                                                    ready_project, tmp_path):
    meter.clock = time.monotonic  # real CPU time flows in real time here
    await ready_project("spin", {"train.py": TRAIN_SPIN})
    run = await start_waiting(api, "spin", tmp_path)
    await meter.sample()
    for _ in range(4):
        time.sleep(0.25)  # let the spinning run use CPU between two samples (the loop is not needed)
        powercap.add_joules(PACKAGE_WATTS * 0.25)
        await meter.sample()
    code, body = await api.get(f"runs/{run['id']}")
    energy = body["energy"]
    package_wh = PACKAGE_WATTS * 1.0 / 3600
    assert 0 < energy["cpu_wh"] <= package_wh * 1.0001, energy  # a real, positive share of the package
    assert energy["gpu_wh"] is None and energy["gpu_reason"] == "the run has no GPU"
    assert energy["cost_reason"] == "only the CPU part could be measured"
    assert energy["cost"] == pytest.approx(energy["cpu_wh"] / 1000 * 0.30, rel=0.01, abs=1e-8)
    (tmp_path / "go-spin").touch()
    await wait_run(api, run["id"])


class TestNoSource:
    @pytest.fixture
    def bk_config(self, tmp_path):
        return {"rapl_path": str(tmp_path / "no-powercap")}

    async def test_no_power_source_gives_null_with_the_reason(self, api, bk_app, meter, ready_project, tmp_path,
                                                             monkeypatch):
        install(monkeypatch, [FakeGpu(power_mw=None)])  # a board that does not report power
        meter.nvml = Nvml()
        bk_app.runs.gpus = None
        await ready_project("dark", {"train.py": TRAIN_WAIT})
        run = await start_waiting(api, "dark", tmp_path, {"gpus": 1})
        for _ in range(3):
            await meter.sample()
            meter.clock.t += STEP
        code, body = await api.get(f"runs/{run['id']}")
        energy = body["energy"]
        assert energy["gpu_wh"] is None and energy["cpu_wh"] is None and energy["cost"] is None
        assert energy["gpu_reason"] == "GPU 0 does not report its power draw"
        assert energy["cpu_reason"] == f"no RAPL package counter under {tmp_path / 'no-powercap'}"
        assert energy["cost_reason"] == "price_per_kwh is not set"
        (tmp_path / "go-dark").touch()
        await wait_run(api, run["id"])

        # A run no sample saw: null, and it says so.
        code, quick = await api.post("projects/dark/runs", {"args": [str(tmp_path / "go-dark")], "gpus": 0})
        quick = await wait_run(api, quick["id"])
        assert quick["energy"]["gpu_wh"] is None and quick["energy"]["cpu_wh"] is None
        assert quick["energy"]["gpu_reason"] == "not measured: no energy sample was taken while the run ran"
