/** The sweeps part of the REST API: list, create, inspect, stop; and a sweep's trial runs. */
import { IRun, request } from '../api';

/** A sweep's parameter as the server normalised it. */
export interface ISweepParameter {
  values?: unknown[];
  min?: number;
  max?: number;
  log?: boolean;
  integer?: boolean;
}

export interface ISweepObjective {
  metric: string;
  goal: 'min' | 'max';
  summary: 'last' | 'min' | 'max';
}

/** One trial in GET /sweeps/{id}: its run, params and objective value so far. */
export interface ISweepTrial {
  id: string;
  state: string;
  params: Record<string, unknown>;
  value?: number | null;
  early_stopped?: boolean;
  message?: string | null;
  started?: string | null;
  ended?: string | null;
}

export interface ISweep {
  id: string;
  project: string;
  state: 'running' | 'finished' | 'stopped';
  method: 'grid' | 'random';
  parameters: Record<string, ISweepParameter>;
  seed?: number;
  as?: string;
  args_template?: string[] | null;
  max_parallel?: number | null;
  objective?: ISweepObjective | null;
  early_stop?: { rule: string; min_steps: number; min_trials?: number } | null;
  run?: Record<string, unknown>;
  /** total, then trials per run state, and early_stopped. */
  trials: Record<string, number>;
  best?: { run: string; value: number } | null;
  message?: string | null;
  created: string;
  ended?: string | null;
  /** The trials in order (GET /sweeps/{id} only). */
  runs?: ISweepTrial[];
}

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
