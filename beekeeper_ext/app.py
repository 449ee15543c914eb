"""BeekeeperApp: the Jupyter Server extension — configuration, service wiring, handler table.

Configure with `c.BeekeeperApp.<trait>` in jupyter_server_config.py (or any file passed with
`--config=FILE`). Services are built here once, in dependency order, each given its
collaborators in its constructor and its settings as its own traits (linked to the app's
traits of the same meaning); handlers get them as one `Services` object in the tornado
settings. Background work starts when the event loop runs and stops in `stop_extension`.
Nothing starts on import.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Dict, Float, Int, List, Type, Unicode, default, dlink, link, validate

from . import handlers
from .environments import Environments, Interpreters, find_uv
from .executors import Executor
from .git import GitOps
from .energy import EnergyMeter
from .examples import Examples
from .files import FileService
from .logs import LogHub
from .logmask import TokenMask, beekeeper_loggers, install
from .metrics import MetricsService
from .notifications import NotificationService, latest_metrics, tail_lines
from .processes import Helpers
from .projects import ProjectService
from .run_metrics import RunMetricsService
from .runs import RunService
from .schedules import ScheduleService
from .services import Services
from .store import Store
from .sweeps import SweepService, read_series
from .tensorboard import TensorBoardService
from .usage_history import UsageRecorder
from .watchdog import StallWatchdog, scalar_steps


class BeekeeperApp(ExtensionApp):
    """Training control room for JupyterLab."""

    name = "beekeeper_ext"
    load_other_extensions = True

    # -- where data lives ---------------------------------------------------------------------
    home = Unicode(
        help="BEEKEEPER_HOME: projects, runs and beekeeper.db live here. "
        "Default: $BEEKEEPER_HOME, else <jupyter data dir>/beekeeper.",
    ).tag(config=True)

    @default("home")
    def _default_home(self):
        return os.environ.get("BEEKEEPER_HOME") or os.path.join(jupyter_data_dir(), "beekeeper")

    @validate("home")
    def _validate_home(self, proposal):
        return os.path.abspath(os.path.expanduser(proposal["value"]))

    # -- environments -------------------------------------------------------------------------
    pythons = List(Unicode(), help="Extra interpreter paths offered for project venvs.").tag(config=True)
    uv_path = Unicode("", help="The uv binary; default: the one from the `uv` package.").tag(config=True)
    setup_install_timeout = Float(
        1800.0, help="Seconds each uv step of a setup (venv, pip install, freeze) may take before it is "
        "stopped and setup fails with 'timed out'; 0 for no limit.",
    ).tag(config=True)
    git_timeout = Float(
        600.0, help="Seconds each git command (clone, fetch, checkout) may take before it is stopped and "
        "the setup or run fails with 'timed out'; 0 for no limit.",
    ).tag(config=True)

    # -- runs and executors -------------------------------------------------------------------
    executor_class = Type(
        default_value="beekeeper_ext.executors.local.LocalExecutor",
        klass=Executor,
        help="The executor behind the name 'local': runs processes on this host.",
    ).tag(config=True)
    ray_executor_class = Type(
        default_value="beekeeper_ext.executors.ray.RayExecutor",
        klass=Executor,
        help="The executor behind the name 'ray', enabled when ray_address is set.",
    ).tag(config=True)
    ray_address = Unicode("", help="Ray dashboard/Jobs API address, e.g. http://HEAD:8265.").tag(config=True)
    default_executor = Unicode("local", help="Executor used when neither run nor project names one.").tag(
        config=True
    )
    gpus = List(
        Int(), default_value=None, allow_none=True,
        help="GPU indices runs may be given (CUDA_VISIBLE_DEVICES). Default: every GPU NVML sees.",
    ).tag(config=True)
    max_concurrent_runs = Int(
        2, help="How many runs that use no GPU may be active at once; more wait queued."
    ).tag(config=True)
    stop_grace_period = Float(10.0, help="Seconds between SIGTERM and SIGKILL when stopping a run.").tag(
        config=True
    )

    # -- observing ----------------------------------------------------------------------------
    metrics_interval = Float(1.0, help="Seconds between metric samples while someone listens.").tag(
        config=True
    )
    metrics_history = Float(600.0, help="Seconds of samples kept for new listeners.").tag(config=True)
    tensorboard_idle_timeout = Float(
        1800.0, help="Stop a project's TensorBoard after this many seconds without a request."
    ).tag(config=True)
    tensorboard_reload_interval = Int(5, help="TensorBoard --reload_interval, in seconds.").tag(config=True)
    usage_interval = Float(5.0, help="Seconds between samples of a running run's resource usage, kept in "
                           "its folder (usage.jsonl).").tag(config=True)
    scalars_interval = Float(2.0, help="Seconds between passes that read running runs' new event-file "
                             "scalars and printed metrics.").tag(config=True)
    log_poll_interval = Float(0.01, help="Seconds between size checks of a followed log file.").tag(
        config=True
    )

    # -- unattended training ------------------------------------------------------------------
    public_url = Unicode(
        "", help="The URL people open JupyterLab at, for links in notifications. Default: the local server URL."
    ).tag(config=True)
    notification_sinks = List(
        Dict(), help="Notification sinks from configuration (read-only over the API), each like the body of "
        "POST /beekeeper/api/notifications/sinks, e.g. {'kind': 'ntfy', 'url': 'https://ntfy.sh/TOPIC'}.",
    ).tag(config=True)
    notification_backoff = Float(2.0, help="Seconds before the 2nd delivery try; doubled before the 3rd.").tag(
        config=True
    )

    sweep_interval = Float(2.0, help="Seconds between looks at running sweeps (best trial, median rule).").tag(
        config=True
    )

    watchdog_interval = Float(30.0, help="Seconds between stall-watchdog checks of the running runs.").tag(
        config=True
    )

    schedule_grace = Float(
        3600.0, help="A scheduled fire missed while the server was down still runs at start-up if it is at "
        "most this many seconds old; older ones are recorded as missed.",
    ).tag(config=True)
    schedule_interval = Float(10.0, help="Seconds between checks for schedules that came due.").tag(config=True)

    energy_interval = Float(
        None, allow_none=True, help="Seconds between energy samples. Default: usage_interval (the usage "
        "history's), else 5.",
    ).tag(config=True)
    rapl_path = Unicode(
        "/sys/class/powercap", help="The powercap folder holding the RAPL package counters (intel-rapl:N)."
    ).tag(config=True)
    price_per_kwh = Float(None, allow_none=True, help="Electricity price per kWh; set it to see each run's cost.").tag(
        config=True
    )
    currency = Unicode("", help="The currency of price_per_kwh, e.g. EUR (shown next to costs).").tag(config=True)

    # -- files --------------------------------------------------------------------------------
    upload_max_bytes = Int(50 * 1024**3, help="Largest accepted upload, in bytes.").tag(config=True)

    # -- requests -----------------------------------------------------------------------------
    max_json_body_bytes = Int(
        1024 * 1024, help="Largest JSON request body, in bytes: a larger one is refused (413) before it is read."
    ).tag(config=True)
    _started = Bool(False)

    # -------------------------------------------------------------------------------------------
    @property
    def home_path(self) -> Path:
        return Path(self.home)

    def initialize_settings(self):
        self._mask_tokens()
        home = self.home_path
        home.mkdir(parents=True, exist_ok=True)
        os.chmod(home, 0o700)
        (home / "projects").mkdir(exist_ok=True)
        uv = self.uv_path or find_uv()
        self.store = Store(home / "beekeeper.db")
        self.interpreters = Interpreters(self.pythons, uv=uv)
        # Helper processes (uv, git, TensorBoard) die with this server; a crashed one's are ended now.
        self.helpers = Helpers(home)
        self.helpers.sweep()
        self.environments = Environments(uv, self.helpers, lambda: self.setup_install_timeout)
        self.gitops = GitOps(home, self.helpers, lambda: self.git_timeout)
        self.executors: dict[str, Executor] = {"local": self.executor_class(parent=self, home=home)}
        if self.ray_address:
            self.executors["ray"] = self.ray_executor_class(parent=self, home=home, address=self.ray_address)
        if self.default_executor not in self.executors:
            # e.g. default_executor = "ray" with no ray_address: say so once, and keep runs working.
            self.log.error("Beekeeper: default_executor %r is not configured (have: %s); using 'local'",
                           self.default_executor, ", ".join(self.executors))
            self.default_executor = "local"
        self.projects = ProjectService(home, self.store, self.interpreters, self.environments, self.gitops,
                                       self.executors)
        self.projects.recover()
        self.metrics = self._configured(MetricsService(home, self.store, parent=self),
                                        interval="metrics_interval", history_seconds="metrics_history")
        self.runs = self._configured(
            RunService(home, self.store, self.projects, self.executors, usage_provider=self.metrics.run_usage,
                       parent=self),
            max_concurrent_runs="max_concurrent_runs", stop_grace_period="stop_grace_period",
            default_executor="default_executor")
        # Both ways: the app shows the pool NVML found, and setting it back to None asks NVML again.
        link((self, "gpus"), (self.runs, "gpus"))
        self.run_metrics = RunMetricsService(self.store, self.projects, lambda: self.scalars_interval)
        self.runs.metrics_provider = self.run_metrics.summaries
        self.runs.listeners.append(self.run_metrics.on_run)
        self.runs.forget_hooks.append(self.run_metrics.forget_run)
        self.usage = UsageRecorder(self.store, self.projects, self.metrics.nvml, lambda: self.usage_interval,
                                   on_pids=self.run_metrics.note_pids)
        self.logs = self._configured(LogHub(parent=self), poll_interval="log_poll_interval")
        self.tensorboards = self._configured(TensorBoardService(self.projects, self.helpers, parent=self),
                                             idle_timeout="tensorboard_idle_timeout",
                                             reload_interval="tensorboard_reload_interval")
        self.files = self._configured(FileService(self.projects, self.store, parent=self),
                                      upload_max_bytes="upload_max_bytes")
        self.example_projects = Examples(home, self.projects)
        self.notifications = NotificationService(
            self.store, lambda: self.notification_sinks, self._public_url, lambda: self.notification_backoff,
            log_tail=lambda run: tail_lines(self.runs.log_path(run)),
            metrics=lambda run: latest_metrics(self.tensorboards, run, getattr(self, "run_metrics", None)))
        self.runs.listeners.append(self.notifications.on_run)
        self.projects.listeners.append(self.notifications.on_project)
        # Samples at the usage-history interval (usage_interval, when the usage history is there).
        self.energy = EnergyMeter(self.store, self.projects, self.metrics.nvml,
                                  lambda: self.energy_interval or getattr(self, "usage_interval", 5.0),
                                  lambda: self.rapl_path,
                                  lambda: self.price_per_kwh, lambda: self.currency)
        self.runs.energy_provider = self.energy.render
        self.schedules = ScheduleService(self.store, self.runs, self.projects, lambda: self.schedule_grace,
                                         lambda: self.schedule_interval)
        self.watchdog = StallWatchdog(self.store, self.runs, lambda: self.watchdog_interval,
                                      gpus=lambda: self.metrics.nvml.read()[0],
                                      steps=lambda name: scalar_steps(self.tensorboards, name),
                                      emit=self.notifications.emit, home=home)
        self.sweeps = SweepService(
            self.store, self.projects, self.runs, summaries=self.run_metrics.summaries,
            series=lambda run, tag, count: read_series(self.projects.paths(run["project"]).run_dir(run["id"]),
                                                       tag, count),
            interval=lambda: self.sweep_interval)
        self.sweeps.finished_listeners.append(self.notifications.on_sweep_finished)
        self.settings["beekeeper"] = Services(
            home_path=home, store=self.store, interpreters=self.interpreters, executors=self.executors,
            projects=self.projects, runs=self.runs, run_metrics=self.run_metrics, usage=self.usage,
            logs=self.logs, metrics=self.metrics,
            tensorboards=self.tensorboards, files=self.files, example_projects=self.example_projects,
            routes=self.routes, notifications=self.notifications,
            schedules=self.schedules, sweeps=self.sweeps)
        self.settings["beekeeper_max_json_body_bytes"] = self.max_json_body_bytes
        self.log.info("Beekeeper home: %s", home)
        # Under pytest-jupyter the loop already runs and the start hook is not called.
        try:
            asyncio.get_running_loop().create_task(self.start_services())
        except RuntimeError:
            pass

    def _public_url(self) -> str:
        if self.public_url:
            return self.public_url
        serverapp = getattr(self, "serverapp", None)
        return getattr(serverapp, "connection_url", "") or "http://localhost:8888/"

    def _mask_tokens(self) -> None:
        """No log line Beekeeper writes shows the server's token (or any ?token= / Authorization)."""
        server = self.serverapp
        token = getattr(getattr(server, "identity_provider", None), "token", "") or getattr(server, "token", "")
        mask = TokenMask([token, os.environ.get("JUPYTERHUB_API_TOKEN", "")])
        install(mask, beekeeper_loggers(server.log if server is not None else self.log))

    def _configured(self, service, **names: str):
        """Give a service the values of this app's traits (`service_trait="app_trait"`), now and
        whenever they change: users keep configuring `c.BeekeeperApp.<name>`."""
        for target, source in names.items():
            dlink((self, source), (service, target))
        return service

    def routes(self) -> list[tuple]:
        return handlers.routes()

    def initialize_handlers(self):
        self.handlers.extend(self.routes())

    async def start_services(self) -> None:
        """Start background work once; safe to call from both start paths."""
        if self._started:
            return
        self._started = True
        for executor in self.executors.values():
            await executor.start()
        await self.runs.start()  # re-attach to runs that outlived the last server, then supervise
        self.watchdog.start()
        self.energy.start()
        await self.schedules.start()  # after the runs: a missed fire's run joins a recovered queue
        await self.sweeps.start()
        await self.run_metrics.start()
        await self.usage.start()

    async def _start_jupyter_server_extension(self, serverapp):
        await self.start_services()
        self.interpreters.warm()  # a real server start: scan interpreters before anyone asks

    async def stop_extension(self):
        await self.runs.stop_supervisor()  # the runs themselves keep going
        await self.watchdog.stop()
        await self.energy.stop()
        await self.schedules.stop()
        await self.sweeps.stop_loop()
        await self.notifications.close()
        await self.usage.stop()
        await self.run_metrics.stop()
        await self.logs.close()
        await self.metrics.stop()
        await self.tensorboards.close()
        await self.projects.stop()
        await self.interpreters.close()
        for executor in self.executors.values():
            await executor.close()
        self.store.close()
