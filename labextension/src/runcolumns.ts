/**
 * How runs show in a table, in any view (the Runs tab, All runs, Compare, the run page, a sweep):
 * a param's text, which params differ, a metric's value and the default metric columns, the sort
 * key a header click asks the server for, the metric column picker's edits and an energy cell.
 * Free of React and JupyterLab so they are unit-tested.
 */
import { IEnergy, IRun } from './api';
import { MetricStat, parseMetricColumn } from './settings';

/** A param's value as a cell shows it (and as runs are compared: two runs differ when these do). */
export function paramText(value: unknown): string {
  if (value === undefined || value === null) {
    return '—';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Every param name of the runs, sorted. */
export function paramNames(runs: IRun[]): string[] {
  const names = new Set<string>();
  for (const r of runs) {
    Object.keys(r.params || {}).forEach(k => names.add(k));
  }
  return [...names].sort();
}

/** The params whose values are not the same in every run (a missing param differs from a set one). */
export function differingParams(runs: IRun[]): string[] {
  if (runs.length < 2) {
    return [];
  }
  return paramNames(runs).filter(name => new Set(runs.map(r => paramText(r.params?.[name]))).size > 1);
}

/** The metric columns to show: the user's choice, else up to three tags of the newest run (last). */
export function defaultMetricColumns(chosen: string[], runs: IRun[]): string[] {
  if (chosen.length) {
    return chosen;
  }
  const newest = runs.find(r => r.metrics && Object.keys(r.metrics).length);
  return newest ? Object.keys(newest.metrics || {}).slice(0, 3) : [];
}

/** The server's sort key of a column: "metric:loss:min", "param:lr" or "created". */
export function sortKey(column: { metric?: string; param?: string }): string {
  if (column.metric) {
    const parsed = parseMetricColumn(column.metric);
    return parsed ? `metric:${parsed.tag}:${parsed.stat}` : 'created';
  }
  return column.param ? `param:${column.param}` : 'created';
}

/** A header clicked again flips the direction; a new one starts ascending (newest first for created). */
export function nextSort(current: string, key: string): string {
  const cur = current || '-created'; // the server's default: newest first
  const bare = cur.replace(/^-/, '');
  if (bare !== key) {
    return key === 'created' ? '-created' : key;
  }
  return cur.startsWith('-') ? bare : `-${bare}`;
}

export function metricValue(run: IRun, tag: string, stat: MetricStat): number | null {
  const v = run.metrics?.[tag]?.[stat];
  return typeof v === 'number' ? v : null;
}

/** Every tag of the runs, in first-seen order. */
export function runTags(runs: IRun[]): string[] {
  const tags: string[] = [];
  for (const r of runs) {
    for (const t of Object.keys(r.metrics || {})) {
      if (!tags.includes(t)) {
        tags.push(t);
      }
    }
  }
  return tags;
}

/** The metric columns with one TAG:STAT switched on or off (the picker's checkbox), in a stable order. */
export function toggleMetricColumn(columns: string[], tag: string, stat: MetricStat, on: boolean): string[] {
  const spec = (s: MetricStat) => (s === 'last' ? tag : `${tag}:${s}`);
  const same = (c: string) => {
    const p = parseMetricColumn(c);
    return p !== null && p.tag === tag && p.stat === stat;
  };
  const rest = columns.filter(c => !same(c));
  return on ? [...rest, spec(stat)] : rest;
}

/** Whether TAG:STAT is among the columns ("loss" and "loss:last" are the same column). */
export function hasMetricColumn(columns: string[], tag: string, stat: MetricStat): boolean {
  return columns.some(c => {
    const p = parseMetricColumn(c);
    return p !== null && p.tag === tag && p.stat === stat;
  });
}

export type EnergyField = 'gpu_wh' | 'cpu_wh' | 'cost';

const REASONS: Record<EnergyField, keyof IEnergy> = {
  gpu_wh: 'gpu_reason',
  cpu_wh: 'cpu_reason',
  cost: 'cost_reason'
};

/** An energy cell: the figure, or "—" with the server's reason why there is none (never a made-up number). */
export function energyCell(
  energy: IEnergy | null | undefined,
  field: EnergyField
): { text: string; title: string } {
  if (!energy) {
    return { text: '—', title: '' };
  }
  const value = energy[field];
  if (typeof value !== 'number') {
    return { text: '—', title: String(energy[REASONS[field]] || '') };
  }
  if (field === 'cost') {
    return {
      text: `${value.toFixed(value < 1 ? 4 : 2)}${energy.currency ? ' ' + energy.currency : ''}`,
      title: ''
    };
  }
  return { text: `${value < 10 ? value.toFixed(2) : value.toFixed(1)} Wh`, title: '' };
}
