/**
 * The experiment charts' arithmetic, kept free of React and JupyterLab so it is unit-tested:
 * TensorBoard-style smoothing of a series and lines with their own x values aligned for uPlot.
 * (How runs show in a table is in runcolumns.ts.)
 */

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
