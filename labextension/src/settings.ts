/**
 * The panel's user choices (schema/plugin.json, edited in JupyterLab's Settings Editor): read from
 * the setting registry's composite, checked and completed with defaults here, so a hand-edited
 * value that does not fit falls back instead of breaking the panel. No JupyterLab imports.
 */

export const RUN_COLUMNS = [
  'started',
  'duration',
  'exit',
  'commit',
  'gpus',
  'where',
  'args',
  'energy'
] as const;
export type RunColumn = (typeof RUN_COLUMNS)[number];
export type NotifyRunEnds = 'all' | 'failures' | 'none';
export type MetricStat = 'last' | 'min' | 'max';

export interface IPanelSettings {
  /** "TAG" or "TAG:STAT" (STAT last, min or max). */
  metricColumns: string[];
  runColumns: RunColumn[];
  /** Seconds between scalar refreshes of projects with an active run. */
  refreshInterval: number;
  /** Seconds of host stats the sparklines hold. */
  chartWindow: number;
  notifyRunEnds: NotifyRunEnds;
}

export const DEFAULT_SETTINGS: IPanelSettings = {
  metricColumns: [],
  runColumns: [...RUN_COLUMNS],
  refreshInterval: 15,
  chartWindow: 600,
  notifyRunEnds: 'all'
};

function clamp(value: unknown, low: number, high: number, fallback: number): number {
  return typeof value === 'number' && isFinite(value) ? Math.min(Math.max(value, low), high) : fallback;
}

/** The registry's composite (any JSON) → complete, valid settings. */
export function readSettings(raw: Record<string, unknown> | null | undefined): IPanelSettings {
  const r = raw || {};
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null;
  const metrics = strings(r.metricColumns);
  const columns = strings(r.runColumns);
  const notify = r.notifyRunEnds;
  return {
    metricColumns: metrics
      ? metrics.filter(m => parseMetricColumn(m) !== null)
      : DEFAULT_SETTINGS.metricColumns,
    runColumns: columns ? RUN_COLUMNS.filter(c => columns.includes(c)) : DEFAULT_SETTINGS.runColumns,
    refreshInterval: clamp(r.refreshInterval, 2, 3600, DEFAULT_SETTINGS.refreshInterval),
    chartWindow: clamp(r.chartWindow, 60, 86400, DEFAULT_SETTINGS.chartWindow),
    notifyRunEnds:
      notify === 'all' || notify === 'failures' || notify === 'none' ? notify : DEFAULT_SETTINGS.notifyRunEnds
  };
}

/** "loss/test:min" → {tag: "loss/test", stat: "min"}; "loss" → last; null when malformed. */
export function parseMetricColumn(spec: string): { tag: string; stat: MetricStat } | null {
  const m = /^([^:]+?)(?::(last|min|max))?$/.exec(spec.trim());
  return m ? { tag: m[1], stat: (m[2] as MetricStat) || 'last' } : null;
}

/** Whether a run that ended in `state` is worth a notification under the user's choice. */
export function shouldNotify(choice: NotifyRunEnds, state: string): boolean {
  if (choice === 'none') {
    return false;
  }
  return choice === 'all' || state === 'failed' || state === 'lost';
}
