/**
 * The typed client of Beekeeper's REST API and WebSockets. Requests go through ServerConnection so
 * the base URL, token and XSRF cookie are handled the way the rest of JupyterLab does it.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { components } from './generated/api';
import type { IDeliveryList, ISink, ISinkBody, ISinkList, ITestResult } from './notifications/data';
import type { ISchedule, IScheduleBody, IScheduleList, IScheduleUpdate } from './project/schedules';

type Schemas = components['schemas'];

/** The resources the OpenAPI document describes, as the server renders them (src/generated/). */
export type IProject = Schemas['Project'];
export type ISetup = IProject['setup'];
export type IRun = Schemas['Run'];
export type IPython = Schemas['Python'];
export type IExecutor = Schemas['ExecutorStatus'];

/** A remote's branches and the one its HEAD names (null when it names none), as ls-remote sees them. */
export type IBranches = Schemas['RemoteBranches'];

export type IMetricSummary = Schemas['MetricSummary'];
export type IEnergy = NonNullable<IRun['energy']>;

/** One tag of one run: points are [step, wall_time, value] in step order. */
export type IRunScalars = Schemas['Scalars'];

/** One sample of a run's usage history (Schemas['UsageHistory'], its time always set). */
export type IUsageSample = Schemas['UsageHistory']['samples'][number] & { time: number };

/** A host metrics sample (GET /metrics, /metrics/stream) and one GPU of it. */
export type IMetricsSample = Schemas['HostSample'];
export type IGpuSample = Schemas['GpuReading'];

/** What the log streams (run and setup) send: chunks in order, then one `end`. */
/** What the log streams send: data messages, then one end message (models/streams.py). */
export type LogMessage = Schemas['LogData'] | Schemas['LogEnd'];

export type LogEnd = Schemas['LogEnd'];

/** What /events sends: a project changed (or was deleted), a run changed state, a sweep changed. */
export type EventMessage = Schemas['RunEvent'] | Schemas['ProjectEvent'] | Schemas['SweepEvent'];

/** What /metrics/stream sends: the kept history once, then one sample per interval. */
export type MetricsMessage = Schemas['MetricsHistory'] | Schemas['MetricsSample'];

export type ITensorBoardStatus = Schemas['TensorBoardStatus'];
export type IFileEntry = Schemas['FileEntry'];
export type IExample = Schemas['Example'];

/** A project's latest scalars: run folder → tag → point. */
export type Scalars = Schemas['LatestScalars']['runs'];

/** A failed call: the server's message and, when it blames one input, that field. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field: string | null = null
  ) {
    super(message);
  }
}

const API = 'beekeeper/api';

let _settings: ServerConnection.ISettings | null = null;

export function settings(): ServerConnection.ISettings {
  if (!_settings) {
    _settings = ServerConnection.makeSettings();
  }
  return _settings;
}

/** Absolute URL of an API path (for links: downloads, iframes). */
export function apiUrl(path: string, query: Record<string, string> = {}): string {
  const s = settings();
  const url = URLExt.join(s.baseUrl, API, path);
  const q = URLExt.objectToQueryString(query);
  return q ? url + q : url;
}

export function baseUrl(path: string): string {
  return URLExt.join(settings().baseUrl, path);
}

/** Encode a project-relative path segment by segment, keeping the slashes. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map(p => encodeURIComponent(p))
    .join('/');
}

export async function request<T = any>(
  path: string,
  init: RequestInit & { query?: Record<string, string> } = {}
): Promise<T> {
  const { query, ...rest } = init;
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(apiUrl(path, query || {}), rest, settings());
  } catch (error) {
    throw new ApiError(`Cannot reach the server: ${(error as Error).message}`, 0);
  }
  const text = await response.text();
  let body: any = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!response.ok) {
    const message =
      (body && typeof body === 'object' && body.message) ||
      (response.status === 404 ? 'Not found (is the Beekeeper server extension up to date?)' : '') ||
      `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, (body && body.field) || null);
  }
  return body as T;
}

function json(method: string, body?: unknown): RequestInit {
  return body === undefined ? { method } : { method, body: JSON.stringify(body) };
}

export const api = {
  projects: () => request<Schemas['ProjectList']>('projects').then(r => r.projects),
  project: (name: string) => request<IProject>(`projects/${encodeURIComponent(name)}`),
  createProject: (body: Record<string, unknown>) => request<IProject>('projects', json('POST', body)),
  updateProject: (name: string, body: Record<string, unknown>) =>
    request<IProject>(`projects/${encodeURIComponent(name)}`, json('PATCH', body)),
  deleteProject: (name: string) => request(`projects/${encodeURIComponent(name)}`, json('DELETE')),
  resync: (name: string) => request<IProject>(`projects/${encodeURIComponent(name)}/setup`, json('POST', {})),
  pythons: () => request<Schemas['PythonList']>('pythons').then(r => r.pythons),
  /** GET for a bare URL; POST when credentials go along (a token never rides in a URL). */
  branches: (q: { method: 'GET'; url: string } | { method: 'POST'; body: Record<string, unknown> }) =>
    q.method === 'GET'
      ? request<IBranches>('git/branches', { query: { url: q.url } })
      : request<IBranches>('git/branches', json('POST', q.body)),
  runs: (name: string, limit = 100, sort = '', extra: { offset?: number; state?: string } = {}) =>
    request<Schemas['RunList']>(`projects/${encodeURIComponent(name)}/runs`, {
      query: {
        limit: String(limit),
        ...(sort ? { sort } : {}),
        ...(extra.offset ? { offset: String(extra.offset) } : {}),
        ...(extra.state ? { state: extra.state } : {})
      }
    }),
  runScalars: (id: string, tag: string, maxPoints = 2000) =>
    request<IRunScalars>(`runs/${encodeURIComponent(id)}/scalars/${encodePath(tag)}`, {
      query: { max_points: String(maxPoints) }
    }),
  runUsage: (id: string) =>
    request<{ interval: number; samples: IUsageSample[] }>(`runs/${encodeURIComponent(id)}/usage`),
  allRuns: (query: Record<string, string> = {}) => request<Schemas['RunList']>('runs', { query }),
  run: (id: string) => request<IRun>(`runs/${encodeURIComponent(id)}`),
  startRun: (name: string, body: Record<string, unknown> = {}) =>
    request<IRun>(`projects/${encodeURIComponent(name)}/runs`, json('POST', body)),
  moveRun: (id: string, body: { before?: string; position?: number; priority?: number }) =>
    request<IRun>(`runs/${encodeURIComponent(id)}/move`, json('POST', body)),
  stopRun: (id: string) => request<IRun>(`runs/${encodeURIComponent(id)}/stop`, json('POST', {})),
  deleteRun: (id: string) => request(`runs/${encodeURIComponent(id)}`, json('DELETE')),
  // sweeps
  sweeps: (name: string) =>
    request<Schemas['SweepList']>(`projects/${encodeURIComponent(name)}/sweeps`).then(r => r.sweeps),
  sweep: (id: string) => request<Schemas['Sweep']>(`sweeps/${encodeURIComponent(id)}`),
  createSweep: (name: string, body: Record<string, unknown>) =>
    request<Schemas['Sweep']>(`projects/${encodeURIComponent(name)}/sweeps`, json('POST', body)),
  stopSweep: (id: string) =>
    request<Schemas['Sweep']>(`sweeps/${encodeURIComponent(id)}/stop`, json('POST', {})),
  /** A sweep's trials as full runs (params, metrics, duration), via GET /runs?sweep=. */
  sweepRuns: (id: string) =>
    request<Schemas['RunList']>('runs', { query: { sweep: id, limit: '1000' } }).then(r => r.runs),
  scalars: (name: string) =>
    request<Schemas['LatestScalars']>(`projects/${encodeURIComponent(name)}/scalars`).then(r => r.runs || {}),
  tensorboard: (name: string) =>
    request<ITensorBoardStatus>(`projects/${encodeURIComponent(name)}/tensorboard`),
  startTensorboard: (name: string) =>
    request<ITensorBoardStatus>(`projects/${encodeURIComponent(name)}/tensorboard`, json('POST', {})),
  files: (name: string, path: string) =>
    request<Schemas['FileListing']>(`projects/${encodeURIComponent(name)}/files/${encodePath(path)}`),
  /** Refused with 409 when the file exists, unless `overwrite` (the user confirmed replacing it). */
  upload: (name: string, path: string, file: Blob, overwrite = false) =>
    request<IFileEntry>(`projects/${encodeURIComponent(name)}/files/${encodePath(path)}`, {
      method: 'PUT',
      body: file,
      query: overwrite ? { overwrite: '1' } : {}
    }),
  executors: () => request<Schemas['ExecutorList']>('executors'),
  examples: () => request<Schemas['ExampleList']>('examples').then(r => r.examples),
  /** Creates a project from a bundled example (its own local git repository). */
  tryExample: (example: string, body: Partial<Schemas['ExampleCreate']> = {}) =>
    request<IProject>(`examples/${encodeURIComponent(example)}`, json('POST', body)),
  // -- notifications: the sinks, a test send, the delivery record --------------------------------
  sinks: () => request<ISinkList>('notifications/sinks').then(r => r.sinks || []),
  createSink: (body: ISinkBody) => request<ISink>('notifications/sinks', json('POST', body)),
  updateSink: (id: string, body: ISinkBody) =>
    request<ISink>(`notifications/sinks/${encodeURIComponent(id)}`, json('PATCH', body)),
  deleteSink: (id: string) => request(`notifications/sinks/${encodeURIComponent(id)}`, json('DELETE')),
  /** One message to the sink now, with the sink's retries: what each attempt got. */
  testSink: (id: string) => request<ITestResult>('notifications/test', json('POST', { sink: id })),
  deliveries: (limit = 50) =>
    request<IDeliveryList>('notifications/deliveries', { query: { limit: String(limit) } }).then(
      r => r.deliveries || []
    ),
  // -- schedules: a project's cron schedules (one schedule by its id) ----------------------------
  schedules: (name: string) =>
    request<IScheduleList>(`projects/${encodeURIComponent(name)}/schedules`).then(r => r.schedules || []),
  createSchedule: (name: string, body: IScheduleBody) =>
    request<ISchedule>(`projects/${encodeURIComponent(name)}/schedules`, json('POST', body)),
  /** A PATCH: only the fields sent change. */
  updateSchedule: (id: string, body: IScheduleUpdate) =>
    request<ISchedule>(`schedules/${encodeURIComponent(id)}`, json('PATCH', body)),
  deleteSchedule: (id: string) => request(`schedules/${encodeURIComponent(id)}`, json('DELETE'))
};

/** ws(s)://…/beekeeper/api/<path>?…&token=… — browsers cannot set headers on WebSockets. */
export function wsUrl(path: string, query: Record<string, string> = {}): string {
  const s = settings();
  const q: Record<string, string> = { ...query };
  if (s.token) {
    q.token = s.token;
  }
  return URLExt.join(s.wsUrl, API, path) + URLExt.objectToQueryString(q);
}

/**
 * A JSON WebSocket that reconnects (with backoff) until disposed; `query()` is asked again on each
 * connect so a log stream resumes from the last offset it saw, losing and repeating nothing.
 */
export class Stream<T extends { type: string }> {
  private _ws: WebSocket | null = null;
  private _disposed = false;
  private _retry = 500;
  private _timer: number | null = null;

  constructor(
    private _path: string,
    private _onMessage: (msg: T) => void,
    private _query: () => Record<string, string> = () => ({}),
    private _onState?: (connected: boolean) => void
  ) {
    this._connect();
  }

  /** Stop for good (e.g. the log ended): no reconnect. */
  dispose(): void {
    this._disposed = true;
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
    }
    if (this._ws) {
      this._ws.onclose = null;
      this._ws.close();
      this._ws = null;
    }
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  private _connect(): void {
    if (this._disposed) {
      return;
    }
    const ws = new WebSocket(wsUrl(this._path, this._query()));
    this._ws = ws;
    ws.onopen = () => {
      this._retry = 500;
      this._onState?.(true);
    };
    ws.onmessage = event => {
      try {
        this._onMessage(JSON.parse(event.data) as T);
      } catch (error) {
        console.error('Beekeeper: bad stream message', error);
      }
    };
    ws.onclose = () => {
      this._onState?.(false);
      if (this._disposed) {
        return;
      }
      this._timer = window.setTimeout(() => this._connect(), this._retry);
      this._retry = Math.min(this._retry * 2, 10000);
    };
  }
}

/**
 * Follows a log (run or setup) from offset 0: `data` chunks in order, then `end` once.
 * Reconnects with the last next_offset after a drop.
 */
export class LogFollower {
  private _offset = 0;
  private _stream: Stream<LogMessage>;
  private _ended = false;

  constructor(path: string, onData: (text: string) => void, onEnd: (end: LogEnd) => void) {
    this._stream = new Stream<LogMessage>(
      path,
      msg => {
        if (msg.type === 'data') {
          if (msg.offset !== this._offset && msg.offset < this._offset) {
            return; // already seen (never expected, but harmless)
          }
          this._offset = msg.next_offset;
          onData(msg.data);
        } else if (msg.type === 'end') {
          this._ended = true;
          this._stream.dispose();
          onEnd(msg);
        }
      },
      () => ({ offset: String(this._offset) })
    );
  }

  get ended(): boolean {
    return this._ended;
  }

  dispose(): void {
    this._stream.dispose();
  }
}
