"""BeekeeperApp: the Jupyter Server extension — configuration, service wiring, handler table.

Configure with `c.BeekeeperApp.<trait>` in jupyter_server_config.py (or any file passed with
`--config=FILE`), or with a service's own trait (`c.UsageRecorder.interval`, ...). Services are
built here once, in dependency order, each given its collaborators in its constructor; each
configurable one is a `LoggingConfigurable(parent=app)` with its own traits, and an app-level
setting the user set is handed to it once, at construction (`FORWARDED`, `_given`). Services that react to
runs are listed for RunService in one place (see listeners.RunListener). Handlers get the services
as one `Services` object in the tornado settings. Background work starts when the event loop
runs and stops in `stop_extension`. Nothing starts on import.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Dict, Float, Int, List, Type, Unicode, default, validate

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
from .notifications import NotificationService
from .processes import Helpers
from .projects import ProjectService
from .run_metrics import RunMetricsService
from .listeners import RunListener
from .runs import RunService
from .schedules import ScheduleService
from .services import Services
from .store import Store
from .sweeps import SweepService
from .tensorboard import TensorBoardService
from .usage_history import UsageRecorder
from .watchdog import StallWatchdog


#: The documented c.BeekeeperApp settings that belong to one service: app trait → (service, its trait).
FORWARDED: dict[str, tuple[type, str]] = {
    "setup_install_timeout": (Environments, "install_timeout"),
    "git_timeout": (GitOps, "timeout"),
    "gpus": (RunService, "gpus"),
    "max_concurrent_runs": (RunService, "max_concurrent_runs"),
    "stop_grace_period": (RunService, "stop_grace_period"),
    "default_executor": (RunService, "default_executor"),
    "metrics_interval": (MetricsService, "interval"),
    "metrics_history": (MetricsService, "history_seconds"),
    "log_poll_interval": (LogHub, "poll_interval"),
    "tensorboard_idle_timeout": (TensorBoardService, "idle_timeout"),
    "tensorboard_reload_interval": (TensorBoardService, "reload_interval"),
    "upload_max_bytes": (FileService, "upload_max_bytes"),
    "scalars_interval": (RunMetricsService, "interval"),
    "usage_interval": (UsageRecorder, "interval"),
    "energy_interval": (EnergyMeter, "interval"),
    "rapl_path": (EnergyMeter, "rapl_path"),
    "price_per_kwh": (EnergyMeter, "price_per_kwh"),
    "currency": (EnergyMeter, "currency"),
    "public_url": (NotificationService, "public_url"),
    "notification_sinks": (NotificationService, "sinks"),
    "notification_backoff": (NotificationService, "backoff"),
    "smtp_ca_file": (NotificationService, "smtp_ca_file"),
    "schedule_grace": (ScheduleService, "grace"),
    "schedule_interval": (ScheduleService, "interval"),
    "watchdog_interval": (StallWatchdog, "interval"),
    "sweep_interval": (SweepService, "interval"),
}


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
    smtp_ca_file = Unicode("", help="A PEM file of CA certificates that e-mail sinks trust for STARTTLS and SSL "
                           "instead of the system's.").tag(config=True)

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
        self.environments = Environments(uv, self.helpers, parent=self, **self._given(Environments))
        self.gitops = GitOps(home, self.helpers, parent=self, **self._given(GitOps))
        self.executors: dict[str, Executor] = {"local": self.executor_class(parent=self, home=home)}
        if self.ray_address:
            self.executors["ray"] = self.ray_executor_class(parent=self, home=home, address=self.ray_address)
        self.projects = ProjectService(home, self.store, self.interpreters, self.environments, self.gitops,
                                       self.executors)
        self.projects.recover()
        run_listeners: list[RunListener] = []  # filled below, once every listener exists
        self._build_observers(home)
        self.runs = RunService(
            home, self.store, self.projects, self.executors, usage=self.metrics, run_metrics=self.run_metrics,
            energy=self.energy, listeners=run_listeners, parent=self, **self._given(RunService))
        if self.runs.default_executor not in self.executors:
            # e.g. default_executor = "ray" with no ray_address: say so once, and keep runs working.
            self.log.error("Beekeeper: default_executor %r is not configured (have: %s); using 'local'",
                      self.runs.default_executor, ", ".join(self.executors))
            self.runs.default_executor = "local"
        self.logs = LogHub(parent=self, **self._given(LogHub))
        self.tensorboards = TensorBoardService(self.projects, self.helpers, parent=self,
                                               **self._given(TensorBoardService))
        self.files = FileService(self.projects, self.store, parent=self, **self._given(FileService))
        self.example_projects = Examples(home, self.projects)
        self._build_unattended(home)
        # Who hears of runs and projects, in one place (RunListener says why a list).
        run_listeners.extend([self.run_metrics, self.notifications, self.sweeps])
        self.projects.listeners.append(self.notifications.on_project)
        self.settings["beekeeper"] = Services(
            home_path=home, interpreters=self.interpreters, executors=self.executors,
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

    def _build_observers(self, home: Path) -> None:
        """What watches running runs without changing them: live metrics, per-run metrics, the
        usage history and energy. Built before RunService, which shows what they measure."""
        self.metrics = MetricsService(home, self.store, parent=self, **self._given(MetricsService))
        self.run_metrics = RunMetricsService(self.store, self.projects, parent=self, **self._given(RunMetricsService))
        self.usage = UsageRecorder(self.store, self.projects, self.metrics.nvml, on_pids=self.run_metrics.note_pids,
                                   parent=self, **self._given(UsageRecorder))
        self.energy = EnergyMeter(self.store, self.projects, self.metrics.nvml, usage=self.usage, parent=self,
                                  **self._given(EnergyMeter))

    def _build_unattended(self, home: Path) -> None:
        """Notifications, schedules, the stall watchdog and sweeps: they act on runs through RunService."""
        self.notifications = NotificationService(
            self.store, runs=self.runs, tensorboards=self.tensorboards, run_metrics=self.run_metrics,
            server_url=self._server_url, parent=self, **self._given(NotificationService))
        self.schedules = ScheduleService(self.store, self.runs, self.projects, parent=self,
                                         **self._given(ScheduleService))
        self.watchdog = StallWatchdog(self.store, self.runs, self.metrics, self.tensorboards, self.notifications,
                                      home, parent=self, **self._given(StallWatchdog))
        self.sweeps = SweepService(self.store, self.projects, self.runs, self.run_metrics,
                                   finished_listeners=[self.notifications.on_sweep_finished], parent=self,
                                   **self._given(SweepService))

    def _given(self, service: type) -> dict:
        """The app-level settings of `service` (FORWARDED) that the user set, as keyword arguments
        for its constructor: handed over once, so `c.BeekeeperApp.<name>` keeps working (and wins
        over the service's own trait when both are set), while one left unset leaves
        `c.<Service>.<trait>`, or the service's default (the same value), in charge."""
        sections = [self.config.get(name, {}) for name in dict.fromkeys(("BeekeeperApp", type(self).__name__))]
        return {trait: getattr(self, name) for name, (owner, trait) in FORWARDED.items()
                if owner is service and any(name in section for section in sections)}

    def _server_url(self) -> str:
        """This server's own URL (known once it listens): notification links when public_url is unset."""
        serverapp = getattr(self, "serverapp", None)
        return getattr(serverapp, "connection_url", "") or "http://localhost:8888/"

    def _mask_tokens(self) -> None:
        """No log line Beekeeper writes shows the server's token (or any ?token= / Authorization)."""
        server = self.serverapp
        token = getattr(getattr(server, "identity_provider", None), "token", "") or getattr(server, "token", "")
        mask = TokenMask([token, os.environ.get("JUPYTERHUB_API_TOKEN", "")])
        install(mask, beekeeper_loggers(server.log if server is not None else self.log))

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
