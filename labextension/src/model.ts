/**
 * One shared, live view of Beekeeper for every widget of the panel, and the only caller of the API
 * client: projects, their latest runs and run histories, scalars, host metrics and the user's
 * settings, loaded by REST and kept fresh by the events WebSocket (re-listed after each reconnect,
 * so nothing is missed). Components read it through `useModel` and act through its methods.
 */
import { ISignal, Signal } from '@lumino/signaling';
import {
  api,
  apiUrl,
  baseUrl,
  encodePath,
  EventMessage,
  IBranches,
  IExample,
  IExecutor,
  IFileEntry,
  IMetricsSample,
  IProject,
  IPython,
  IRun,
  IRunScalars,
  ITensorBoardStatus,
  IUsageSample,
  LogEnd,
  LogFollower,
  MetricsMessage,
  Scalars,
  Stream
} from './api';
import { SweepsModel } from './sweeps/sweepsmodel';
import {
  loadedRuns,
  mapRows,
  PageLoader,
  placePage,
  removeRow,
  RUN_PAGE,
  RunRows,
  upsertRow
} from './runpages';
import { coalesce } from './coalesce';
import { isActiveRun, isSettingUp } from './format';
import { DEFAULT_SETTINGS, IPanelSettings } from './settings';
import { Observable } from './useModel';
import { NotificationsModel } from './notifications/notificationsmodel';
import { SchedulesModel } from './project/schedulesmodel';

/** Host CPU, memory, disk and GPUs: one metrics stream while any view shows them. */
export class HostMetrics extends Observable {
  samples: IMetricsSample[] = [];
  /** Seconds between samples, as the server says. */
  interval = 2;
  connected = false;
  private _window = DEFAULT_SETTINGS.chartWindow;
  private _users = 0;
  private _stream: Stream<MetricsMessage> | null = null;

  /** How many samples the chart window holds. */
  get capacity(): number {
    return Math.ceil(this._window / this.interval);
  }

  setWindow(seconds: number): void {
    this._window = seconds;
    this.samples = this.samples.slice(-this.capacity);
    this.emitChanged();
  }

  /** Start following (the first user connects); the returned function lets go. */
  acquire(): () => void {
    if (this._users++ === 0) {
      this._stream = new Stream<MetricsMessage>(
        'metrics/stream',
        msg => this._onMessage(msg),
        () => ({}),
        connected => {
          this.connected = connected;
          this.emitChanged();
        }
      );
    }
    return () => {
      if (--this._users === 0) {
        this._stream?.dispose();
        this._stream = null;
      }
    };
  }

  private _onMessage(msg: MetricsMessage): void {
    if (msg.type === 'history') {
      this.interval = msg.interval || 2;
      this.samples = (msg.samples || []).slice(-this.capacity);
    } else if (msg.type === 'sample') {
      this.samples = [...this.samples.slice(-(this.capacity - 1)), msg];
    }
    this.emitChanged();
  }
}

export class BeekeeperModel extends Observable {
  projects: IProject[] = [];
  /** Newest run of each project. */
  latest = new Map<string, IRun>();
  /**
   * Each open project's run history in its table order: a row per run the server has, loaded page
   * by page as the table's window reaches it (`loadRuns`, then `loadRunPages`; see runpages.ts).
   */
  runRows = new Map<string, RunRows>();
  /** The loaded runs of each history, in order (the rows without the ones still to load). */
  runs = new Map<string, IRun[]>();
  runsError = new Map<string, string>();
  /** Each project's Runs table order: the server's sort key ('' = newest first). */
  runSort = new Map<string, string>();
  /** How many runs each open project has (the length of its rows). */
  runsTotal = new Map<string, number>();
  /** Each open project's queued runs in start order (priority, then FIFO unless moved). */
  queue = new Map<string, IRun[]>();
  scalars = new Map<string, Scalars>();
  error: string | null = null;
  loaded = false;
  settings: IPanelSettings = DEFAULT_SETTINGS;
  readonly metrics = new HostMetrics();
  /** The notification sinks, their deliveries and test sends (the Notifications page). */
  readonly notifications = new NotificationsModel();
  /** Each project's cron schedules (the Runs tab's Schedules section). */
  readonly schedules = new SchedulesModel();
  /** Project sweep lists and followed sweeps, kept current by the sweep events below. */
  readonly sweeps = new SweepsModel();

  private _runEnded = new Signal<this, IRun>(this);
  private _setupEnded = new Signal<this, IProject>(this);
  private _events: Stream<EventMessage> | null = null;
  private _scalarTimer: number | null = null;
  private _pages = new Map<string, PageLoader>();
  private _queueLoads = new Map<string, () => Promise<void>>();
  private _saveSetting: ((key: string, value: unknown) => Promise<void>) | null = null;

  /** A run this page saw active has finished (succeeded, failed, stopped, lost). */
  get runEnded(): ISignal<this, IRun> {
    return this._runEnded;
  }

  /** A setup this page saw in progress has finished (ready or failed). */
  get setupEnded(): ISignal<this, IProject> {
    return this._setupEnded;
  }

  start(): void {
    if (this._events) {
      return;
    }
    this._events = new Stream<EventMessage>(
      'events',
      msg => this._onEvent(msg),
      () => ({}),
      connected => {
        if (connected) {
          void this.refresh();
        }
      }
    );
    this._startScalarTimer();
  }

  dispose(): void {
    this._events?.dispose();
    this._stopScalarTimer();
  }

  setSettings(settings: IPanelSettings): void {
    const timerChanged = settings.refreshInterval !== this.settings.refreshInterval;
    this.settings = settings;
    this.metrics.setWindow(settings.chartWindow);
    if (timerChanged && this._scalarTimer !== null) {
      this._stopScalarTimer();
      this._startScalarTimer();
    }
    this.emitChanged();
  }

  /** Where the panel's own choices (the metric column picker) are saved: the setting registry. */
  setSettingsWriter(write: (key: string, value: unknown) => Promise<void>): void {
    this._saveSetting = write;
  }

  /** A choice made in the panel, saved like one made in the Settings Editor (shown at once either way). */
  async saveSetting<K extends keyof IPanelSettings>(key: K, value: IPanelSettings[K]): Promise<void> {
    this.setSettings({ ...this.settings, [key]: value });
    await this._saveSetting?.(key, value);
  }

  project(name: string): IProject | undefined {
    return this.projects.find(p => p.name === name);
  }

  // -- loading -------------------------------------------------------------------------------
  async refresh(): Promise<void> {
    try {
      const projects = await api.projects();
      this.projects = projects.sort((a, b) => a.name.localeCompare(b.name));
      await Promise.all(
        projects.map(async p => {
          try {
            const { runs } = await api.runs(p.name, 1);
            if (runs.length) {
              this.latest.set(p.name, runs[0]);
            } else {
              this.latest.delete(p.name);
            }
          } catch {
            // The runs API may be missing on an older server: the list still shows.
          }
        })
      );
      this.error = null;
    } catch (error) {
      this.error = (error as Error).message;
    }
    this.loaded = true;
    this.emitChanged();
    void this.refreshScalars();
  }

  /** A project's run history (newest first) from its first page, for its page; a sort starts it anew. */
  async loadRuns(name: string, limit = 100, sort?: string): Promise<void> {
    if (sort !== undefined) {
      this.runSort.set(name, sort);
      this.emitChanged();
    }
    const queue = this.loadQueue(name);
    this._pageLoader(name).reset();
    try {
      const { runs, total } = await api.runs(name, limit, this.runSort.get(name) || '');
      this._setRows(name, placePage([], 0, runs, total));
      this.runsError.delete(name);
    } catch (error) {
      this.runsError.set(name, (error as Error).message);
    }
    this.emitChanged();
    await queue;
  }

  /** The pages of a project's history at these offsets, in its current order (the windowed table asks). */
  async loadRunPages(name: string, offsets: number[], limit = RUN_PAGE): Promise<void> {
    if (!this.runRows.has(name)) {
      return;
    }
    const sort = this.runSort.get(name) || '';
    await this._pageLoader(name).load(
      offsets,
      offset => api.runs(name, limit, sort, { offset }),
      (offset, { runs, total }) => {
        const rows = this.runRows.get(name);
        if (rows) {
          this._setRows(name, placePage(rows, offset, runs, total));
          this.emitChanged();
        }
      },
      error => {
        this.runsError.set(name, error.message);
        this.emitChanged();
      }
    );
  }

  private _pageLoader(name: string): PageLoader {
    let loader = this._pages.get(name);
    if (!loader) {
      loader = new PageLoader();
      this._pages.set(name, loader);
    }
    return loader;
  }

  /** The one place a history changes: its rows, loaded runs and total move together. */
  private _setRows(name: string, rows: RunRows): void {
    this.runRows.set(name, rows);
    this.runs.set(name, loadedRuns(rows));
    this.runsTotal.set(name, rows.length);
  }

  /**
   * A project's queued runs in start order. One request at a time: changes meanwhile (a sweep
   * queues hundreds of runs in a burst) ask for one more load after it, not one each.
   */
  loadQueue(name: string): Promise<void> {
    let load = this._queueLoads.get(name);
    if (!load) {
      load = coalesce(() => this._fetchQueue(name));
      this._queueLoads.set(name, load);
    }
    return load();
  }

  private async _fetchQueue(name: string): Promise<void> {
    try {
      const { runs } = await api.runs(name, 1000, '', { state: 'queued' });
      runs.sort((a, b) => (a.queue_position ?? Infinity) - (b.queue_position ?? Infinity));
      this.queue.set(name, runs);
      // The history's "#N" follows the queue's new order.
      const position = new Map(runs.map(r => [r.id, r.queue_position]));
      const history = this.runRows.get(name);
      if (history) {
        this._setRows(
          name,
          mapRows(history, r =>
            position.has(r.id) ? { ...r, queue_position: position.get(r.id) ?? null } : r
          )
        );
      }
    } catch {
      // An older server without queue order: the history still shows the queued runs.
    }
    this.emitChanged();
  }

  /** POST /runs/{id}/move, then the queue as the server now has it. */
  async moveRun(project: string, id: string, body: { before?: string; position?: number }): Promise<void> {
    try {
      await api.moveRun(id, body);
    } finally {
      await this.loadQueue(project);
    }
  }

  /** Latest scalars of projects with an active run (and once for the rest), for the row summary. */
  async refreshScalars(all = false): Promise<void> {
    const names = this.projects
      .filter(p => all || isActiveRun(this.latest.get(p.name)?.state) || !this.scalars.has(p.name))
      .filter(p => p.setup.state === 'ready')
      .map(p => p.name);
    if (!names.length) {
      return;
    }
    await Promise.all(
      names.map(async name => {
        try {
          this.scalars.set(name, await api.scalars(name));
        } catch {
          this.scalars.set(name, {});
        }
      })
    );
    this.emitChanged();
  }

  // -- projects ------------------------------------------------------------------------------
  async createProject(body: Record<string, unknown>): Promise<IProject> {
    const project = await api.createProject(body);
    this.upsert(project);
    return project;
  }

  async updateProject(name: string, body: Record<string, unknown>): Promise<IProject> {
    const project = await api.updateProject(name, body);
    this.upsert(project);
    return project;
  }

  async deleteProject(name: string): Promise<void> {
    await api.deleteProject(name);
    this.forget(name);
  }

  async resync(name: string): Promise<void> {
    this.upsert(await api.resync(name));
  }

  pythons(): Promise<IPython[]> {
    return api.pythons();
  }

  /** A remote's branches for the project form (no clone); `query` comes from fields.branchQuery. */
  branches(query: Parameters<typeof api.branches>[0]): Promise<IBranches> {
    return api.branches(query);
  }

  /** The server's executors with their reachability now (an older server without them: local only). */
  executors(): Promise<{ default: string; executors: IExecutor[] }> {
    return api.executors().catch(() => ({ default: 'local', executors: [] }));
  }

  examples(): Promise<IExample[]> {
    return api.examples();
  }

  /** Creates a project from a bundled example (its own local git repository). */
  async tryExample(example: string): Promise<IProject> {
    const project = await api.tryExample(example);
    await this.refresh();
    return project;
  }

  // -- runs ----------------------------------------------------------------------------------
  async startRun(name: string, body: Record<string, unknown> = {}): Promise<IRun> {
    const run = await api.startRun(name, body);
    this._onRun(run);
    return run;
  }

  async stopRun(id: string): Promise<void> {
    this._onRun(await api.stopRun(id));
  }

  async deleteRun(run: IRun): Promise<void> {
    await api.deleteRun(run.id);
    const history = this.runRows.get(run.project);
    if (history) {
      this._setRows(run.project, removeRow(history, run.id));
    }
    await this.refresh(); // the sidebar's latest run may have been this one
  }

  /** A run's current record (its usage while it runs). */
  run(id: string): Promise<IRun> {
    return api.run(id);
  }

  /** Runs of every project (filtered and sorted by the server), for the All runs view. */
  allRuns(query: Record<string, string>): Promise<{ runs: IRun[]; total: number }> {
    return api.allRuns(query);
  }

  /** One tag of a run, downsampled by the server to at most `maxPoints` (min and max kept). */
  runScalars(id: string, tag: string, maxPoints = 2000): Promise<IRunScalars> {
    return api.runScalars(id, tag, maxPoints);
  }

  /** A run's resource history (one sample every usage_interval seconds while it ran). */
  runUsage(id: string): Promise<{ interval: number; samples: IUsageSample[] }> {
    return api.runUsage(id);
  }

  /** Follows a run's log, or a project's setup log, from the start. */
  followRunLog(id: string, onData: (text: string) => void, onEnd: (end: LogEnd) => void): LogFollower {
    return new LogFollower(`runs/${encodeURIComponent(id)}/log/stream`, onData, onEnd);
  }

  followSetupLog(name: string, onData: (text: string) => void): LogFollower {
    return new LogFollower(`projects/${encodeURIComponent(name)}/setup/log/stream`, onData, () => undefined);
  }

  /** Where a run's whole log downloads from. */
  runLogUrl(id: string): string {
    return apiUrl(`runs/${encodeURIComponent(id)}/log`, { download: '1' });
  }

  // -- files and TensorBoard -------------------------------------------------------------------
  /** A project file's (or, with format=zip, a folder's) download URL. */
  fileUrl(name: string, path: string, query: Record<string, string> = {}): string {
    return apiUrl(`projects/${encodeURIComponent(name)}/files/${encodePath(path)}`, query);
  }

  /** The TensorBoard iframe's URL: the server's `url` (it carries the base_url, e.g. /user/alice/). */
  tensorboardUrl(name: string, status: ITensorBoardStatus | null): string {
    return status?.url || baseUrl(`beekeeper/tensorboard/${encodeURIComponent(name)}/`);
  }

  async files(name: string, path: string): Promise<IFileEntry[]> {
    const { entries } = await api.files(name, path);
    return [...(entries || [])].sort((a, b) =>
      a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : b.kind === 'dir' ? 1 : 0
    );
  }

  /** Refused with 409 when the file exists, unless `overwrite` (the user confirmed replacing it). */
  upload(name: string, path: string, file: Blob, overwrite = false): Promise<IFileEntry> {
    return api.upload(name, path, file, overwrite);
  }

  tensorboard(name: string): Promise<ITensorBoardStatus> {
    return api.tensorboard(name);
  }

  startTensorboard(name: string): Promise<ITensorBoardStatus> {
    return api.startTensorboard(name);
  }

  // -- events --------------------------------------------------------------------------------
  private _onEvent(msg: EventMessage): void {
    if (msg.type === 'project' && 'deleted' in msg.project && msg.project.deleted) {
      this.forget(msg.project.name); // deleted here or in another tab, by the client or the CLI
    } else if (msg.type === 'project' && msg.project) {
      this.upsert(msg.project as IProject);
    } else if (msg.type === 'run' && msg.run) {
      this._onRun(msg.run);
    } else if (msg.type === 'sweep' && msg.sweep) {
      this.sweeps.onEvent(msg.sweep);
    }
  }

  private _onRun(run: IRun): void {
    const known = this.latest.get(run.project);
    if (!known || known.id === run.id || run.created >= known.created) {
      const wasActive = known && known.id === run.id && isActiveRun(known.state);
      this.latest.set(run.project, run);
      if (wasActive && !isActiveRun(run.state)) {
        this._runEnded.emit(run);
        void this.refreshScalars(true);
      }
    }
    const history = this.runRows.get(run.project);
    if (history) {
      this._setRows(run.project, upsertRow(history, run));
    }
    const queue = this.queue.get(run.project);
    if (queue && (run.state === 'queued' || queue.some(r => r.id === run.id))) {
      void this.loadQueue(run.project); // positions of the others change too
    }
    this.emitChanged();
  }

  /** A project the server just returned (after create or edit), ahead of its event. */
  upsert(project: IProject): void {
    const i = this.projects.findIndex(x => x.name === project.name);
    if (i >= 0) {
      const before = this.projects[i];
      this.projects[i] = { ...before, ...project };
      if (isSettingUp(before.setup?.state) && !isSettingUp(project.setup?.state)) {
        this._setupEnded.emit(this.projects[i]);
      }
    } else {
      this.projects.push(project);
      this.projects.sort((a, b) => a.name.localeCompare(b.name));
    }
    this.emitChanged();
  }

  /** After a delete (the server may not announce it). */
  forget(name: string): void {
    this.projects = this.projects.filter(p => p.name !== name);
    this.latest.delete(name);
    this.scalars.delete(name);
    this.runRows.delete(name);
    this.runs.delete(name);
    this.runsTotal.delete(name);
    this._pages.delete(name);
    this.queue.delete(name);
    this._queueLoads.delete(name);
    this.schedules.forget(name);
    this.emitChanged();
  }

  private _startScalarTimer(): void {
    this._scalarTimer = window.setInterval(
      () => void this.refreshScalars(),
      this.settings.refreshInterval * 1000
    );
  }

  private _stopScalarTimer(): void {
    if (this._scalarTimer !== null) {
      window.clearInterval(this._scalarTimer);
      this._scalarTimer = null;
    }
  }
}
