/**
 * The sweep view's arithmetic, free of React so it is unit-tested: trials in objective order,
 * a parameter as a chart axis (numbers as they are, anything else as evenly spaced categories),
 * the scatter of objective against one parameter, and the parallel-coordinates lines (every axis
 * normalised to [0, 1]).
 */
import { paramText } from '../runcolumns';
import { ISweep, ISweepTrial } from './types';

/** Trials by objective (best first for the goal); trials without a value last, in trial order. */
export function sortTrials(trials: ISweepTrial[], goal: 'min' | 'max' = 'min'): ISweepTrial[] {
  const valued = (t: ISweepTrial) => typeof t.value === 'number' && isFinite(t.value);
  const order = trials.map((t, i) => ({ t, i }));
  order.sort((a, b) => {
    const va = valued(a.t);
    const vb = valued(b.t);
    if (va && vb) {
      const d = (a.t.value as number) - (b.t.value as number);
      return (goal === 'min' ? d : -d) || a.i - b.i;
    }
    return va === vb ? a.i - b.i : va ? -1 : 1;
  });
  return order.map(o => o.t);
}

/** A parameter's values as positions on an axis, with the labels to show there. */
export interface IAxis {
  /** One position per input value (null where the value is missing). */
  positions: (number | null)[];
  /** Categories' names at their positions (empty for a numeric axis). */
  categories: string[];
  /** Whether the positions are the values themselves (numbers) or category indexes. */
  numeric: boolean;
  log: boolean;
}

/**
 * Numbers stay numbers; a parameter with any other value (strings, booleans) becomes categories
 * in first-seen order at 0, 1, 2…. `log` (the spec's log scale) is kept when every value is > 0.
 */
export function paramAxis(values: unknown[], log = false): IAxis {
  const present = values.filter(v => v !== undefined && v !== null);
  const numeric = present.length > 0 && present.every(v => typeof v === 'number' && isFinite(v));
  if (numeric) {
    return {
      positions: values.map(v => (typeof v === 'number' ? v : null)),
      categories: [],
      numeric: true,
      log: log && present.every(v => (v as number) > 0)
    };
  }
  const categories: string[] = [];
  for (const v of present) {
    const text = paramText(v);
    if (!categories.includes(text)) {
      categories.push(text);
    }
  }
  return {
    positions: values.map(v => (v === undefined || v === null ? null : categories.indexOf(paramText(v)))),
    categories,
    numeric: false,
    log: false
  };
}

/**
 * Positions → [0, 1] over their own range (log-spaced on a log axis); a single value (or every
 * value the same) sits in the middle. Categories spread evenly, the first at 0 and the last at 1.
 */
export function normalize(axis: IAxis): (number | null)[] {
  const lift = (v: number) => (axis.log ? Math.log10(v) : v);
  if (!axis.numeric) {
    const n = axis.categories.length;
    return axis.positions.map(p => (p === null ? null : n > 1 ? p / (n - 1) : 0.5));
  }
  const present = axis.positions.filter((p): p is number => p !== null).map(lift);
  if (!present.length) {
    return axis.positions.map(() => null);
  }
  const lo = Math.min(...present);
  const hi = Math.max(...present);
  return axis.positions.map(p => (p === null ? null : hi > lo ? (lift(p) - lo) / (hi - lo) : 0.5));
}

/** Objective against one parameter: points sorted by x (uPlot's x must ascend), best marked. */
export interface IScatter {
  x: number[];
  y: (number | null)[];
  /** The best trial's y at its own point, null elsewhere (drawn on top as a second series). */
  best: (number | null)[];
  /** Run id of each point, for the hover read-out. */
  ids: string[];
  axis: IAxis;
}

export function scatter(trials: ISweepTrial[], name: string, bestId: string | null, log = false): IScatter {
  const axis = paramAxis(
    trials.map(t => t.params?.[name]),
    log
  );
  const points = trials
    .map((t, i) => ({ t, x: axis.positions[i] }))
    .filter(p => p.x !== null && typeof p.t.value === 'number' && isFinite(p.t.value))
    .sort((a, b) => (a.x as number) - (b.x as number));
  return {
    x: points.map(p => p.x as number),
    y: points.map(p => p.t.value as number),
    best: points.map(p => (p.t.id === bestId ? (p.t.value as number) : null)),
    ids: points.map(p => p.t.id),
    axis
  };
}

/** Parallel coordinates: one axis per parameter and the objective last, one line per trial. */
export interface IParallel {
  /** Axis names: the parameters, then the objective's metric. */
  names: string[];
  axes: IAxis[];
  /** Per trial: its normalised position on each axis. */
  lines: { id: string; y: (number | null)[] }[];
}

export function parallel(sweep: ISweep, trials: ISweepTrial[]): IParallel {
  const params = Object.keys(sweep.parameters || {});
  const specs = sweep.parameters as Record<string, { log?: boolean }>;
  const axes = params.map(p =>
    paramAxis(
      trials.map(t => t.params?.[p]),
      !!specs[p]?.log
    )
  );
  const names = [...params];
  if (sweep.objective) {
    axes.push(paramAxis(trials.map(t => (typeof t.value === 'number' ? t.value : null))));
    names.push(sweep.objective.metric);
  }
  const normalised = axes.map(normalize);
  return {
    names,
    axes,
    lines: trials.map((t, i) => ({ id: t.id, y: normalised.map(column => column[i]) }))
  };
}

/** What an axis shows at its ends (numbers) or at each category. */
export function axisLabels(axis: IAxis, format: (v: number) => string): { at: number; text: string }[] {
  if (!axis.numeric) {
    const n = axis.categories.length;
    return axis.categories.map((c, i) => ({ at: n > 1 ? i / (n - 1) : 0.5, text: c }));
  }
  const present = axis.positions.filter((p): p is number => p !== null);
  if (!present.length) {
    return [];
  }
  const lo = Math.min(...present);
  const hi = Math.max(...present);
  return hi > lo
    ? [
        { at: 0, text: format(lo) },
        { at: 1, text: format(hi) }
      ]
    : [{ at: 0.5, text: format(lo) }];
}
