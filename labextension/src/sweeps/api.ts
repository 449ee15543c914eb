/** The sweeps part of the REST API: list, create, inspect, stop; and a sweep's trial runs. */
import { IRun, request } from '../api';
import type { components } from '../generated/api';

type Schemas = components['schemas'];

/** A sweep as the server renders it (GET /sweeps lists it, GET /sweeps/{id} adds `runs`). */
export type ISweep = Schemas['Sweep'];
/** A sweep's parameter as the server normalised it. */
export type ISweepParameter = ISweep['parameters'][string];
/** One trial in GET /sweeps/{id}: its run, params and objective value so far. */
export type ISweepTrial = NonNullable<ISweep['runs']>[number];

function json(method: string, body?: unknown): RequestInit {
  return body === undefined ? { method } : { method, body: JSON.stringify(body) };
}

export const sweepsApi = {
  list: (project: string) =>
    request<{ sweeps: ISweep[] }>(`projects/${encodeURIComponent(project)}/sweeps`).then(r => r.sweeps),
  get: (id: string) => request<ISweep>(`sweeps/${encodeURIComponent(id)}`),
  create: (project: string, body: Record<string, unknown>) =>
    request<ISweep>(`projects/${encodeURIComponent(project)}/sweeps`, json('POST', body)),
  stop: (id: string) => request<ISweep>(`sweeps/${encodeURIComponent(id)}/stop`, json('POST', {})),
  /** The trials as full runs (params, metrics, duration), via GET /runs?sweep=. */
  runs: (id: string) =>
    request<{ runs: IRun[]; total: number }>('runs', { query: { sweep: id, limit: '1000' } }).then(
      r => r.runs
    )
};
