/**
 * The experiment views' arithmetic, kept free of React and JupyterLab so it is unit-tested:
 * which params differ between runs, which metric columns to show by default, the sort query a
 * header click asks for, and TensorBoard-style smoothing of a series.
 */
import { IRun } from '../api';
import { MetricStat, parseMetricColumn } from '../settings';

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

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the first points are not
 * dragged towards zero; `weight` in [0, 1), 0 leaves the series as it is. Nulls and non-finite
 * values stay where they are and do not enter the average.
 */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) {
    return values;
  }
  let last = 0;
  let n = 0;
  return values.map(v => {
    if (v === null || !isFinite(v)) {
      return v;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - Math.pow(weight, n));
  });
}

/** One line of a chart: x values ascending, y values beside them. */
export interface ILine {
  label: string;
  x: number[];
  y: (number | null)[];
}

/**
 * Lines with their own x values → uPlot's table: one shared ascending x column and, per line, its
 * y at each x (null where the line has no point, drawn across with spanGaps).
 */
export function alignLines(lines: ILine[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(lines.flatMap(l => l.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = lines.map(l => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    l.x.forEach((x, i) => {
      col[index.get(x)!] = l.y[i];
    });
    return col;
  });
  return [xs, ...columns];
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
