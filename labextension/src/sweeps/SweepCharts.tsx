/**
 * The sweep view's two charts, drawn by uPlot through the panel's one chart setup (useUPlot):
 * the objective against one parameter (a points-only series, the best trial on top), and
 * parallel coordinates (one series per trial over x = axis index, y normalised to [0, 1], each
 * axis's own labels written at its ends).
 */
import * as React from 'react';
import uPlot from 'uplot';
import { formatValue } from '../format';
import { ChartOptions, PALETTE, useUPlot } from '../experiments/MetricChart';
import { axisLabels, IParallel, IScatter } from './data';

const BEST = PALETTE[2];
const POINT = PALETTE[0];

/** Tick labels of a parameter axis: its own numbers, or the category names at their indexes. */
function tickText(categories: string[], v: number): string {
  if (categories.length) {
    return Number.isInteger(v) && v >= 0 && v < categories.length ? categories[v] : '';
  }
  return formatValue(v);
}

function padRange(min: number, max: number, log: boolean): uPlot.Range.MinMax {
  if (log) {
    return [min / 1.25, max * 1.25];
  }
  const span = max - min || Math.abs(max) || 1;
  return [min - span * 0.08, max + span * 0.08];
}

/** A titled chart drawn by useUPlot; `attrs` are its data- attributes (the tests read them). */
function ChartBox(props: {
  className: string;
  title: string;
  attrs: Record<`data-${string}`, string | number>;
  height: number;
  build: Parameters<typeof useUPlot>[2];
  deps: React.DependencyList;
}): JSX.Element {
  const box = React.useRef<HTMLDivElement>(null);
  useUPlot(box, props.height, props.build, props.deps);
  return (
    <div className={`bk-chart ${props.className}`} {...props.attrs}>
      <div className="bk-chart-title">{props.title}</div>
      <div className="bk-chart-plot" ref={box} />
    </div>
  );
}

/** The objective against one parameter: a point per trial, the best one ringed. */
export function ScatterChart(props: { name: string; metric: string; data: IScatter }): JSX.Element {
  const { name, metric, data } = props;
  return (
    <ChartBox
      className="bk-sweep-scatter"
      title={`${metric} / ${name}`}
      attrs={{ 'data-chart': name, 'data-points': data.x.length }}
      height={200}
      deps={[data, name, metric]}
      build={theme => {
        const { axis } = data;
        const cats = axis.categories;
        const pad = cats.length ? 0.5 : 0;
        const opts: ChartOptions = {
          scales: {
            x: {
              time: false,
              distr: axis.log ? 3 : 1,
              // Room either side, so the first and last points are not on the plot's edge: half a
              // slot for categories, a little of the span (or a factor on a log axis) for numbers.
              range: cats.length
                ? () => [-pad, cats.length - 1 + pad]
                : (_u, min, max) => padRange(min, max, axis.log)
            }
          },
          axes: [
            {
              ...theme.axis((_u, splits) => splits.map(v => tickText(cats, v))),
              splits: cats.length ? () => cats.map((_c, i) => i) : undefined
            },
            { ...theme.axis((_u, splits) => splits.map(v => (v === null ? '' : formatValue(v)))), size: 60 }
          ],
          series: [
            { label: name, value: (_u: uPlot, v: number | null) => (v === null ? '—' : tickText(cats, v)) },
            {
              label: metric,
              stroke: POINT,
              fill: POINT,
              paths: () => null,
              points: { show: true, size: 7, stroke: POINT, fill: POINT },
              value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatValue(v))
            },
            {
              label: 'best',
              stroke: BEST,
              paths: () => null,
              points: { show: true, size: 11, stroke: BEST, fill: BEST, width: 2 },
              value: (_u: uPlot, v: number | null) => (v === null ? '' : formatValue(v))
            }
          ],
          legend: { live: true },
          cursor: { drag: { x: false, y: false } }
        };
        return { opts, data: [data.x, data.y, data.best] as uPlot.AlignedData };
      }}
    />
  );
}

/** Parallel coordinates: a line per trial across the parameter axes and the objective's. */
export function ParallelChart(props: { data: IParallel; bestId: string | null; title: string }): JSX.Element {
  const { data, bestId, title } = props;
  return (
    <ChartBox
      className="bk-sweep-parallel"
      title={title}
      attrs={{ 'data-chart': 'parallel', 'data-lines': data.lines.length }}
      height={260}
      deps={[data, bestId]}
      build={theme => {
        const xs = data.names.map((_n, i) => i);
        const labels = data.axes.map(a => axisLabels(a, formatValue));
        // The best trial is drawn last, so it is on top.
        const lines = [...data.lines].sort((a, b) => (a.id === bestId ? 1 : 0) - (b.id === bestId ? 1 : 0));
        const opts: ChartOptions = {
          padding: [16, 24, 0, 24],
          scales: { x: { time: false, range: [-0.05, xs.length - 0.95] }, y: { range: [-0.08, 1.08] } },
          axes: [
            {
              ...theme.axis((_u, splits) =>
                splits.map(v => (Number.isInteger(v) ? (data.names[v] ?? '') : ''))
              ),
              splits: () => xs
            },
            { show: false }
          ],
          series: [
            { label: 'axis' },
            ...lines.map(l => ({
              label: l.id,
              stroke: l.id === bestId ? BEST : POINT,
              alpha: l.id === bestId ? 1 : 0.55,
              width: l.id === bestId ? 3 : 1.25,
              spanGaps: false,
              points: { show: false }
            }))
          ],
          legend: { show: false },
          cursor: { show: false },
          hooks: {
            // Each axis's own scale: a vertical line, and its ends (or categories) written beside it.
            draw: [
              (u: uPlot) => {
                const ctx = u.ctx;
                ctx.save();
                ctx.font = theme.font.replace(/^\d+px/, `${Math.round(11 * devicePixelRatio)}px`);
                ctx.fillStyle = theme.text;
                ctx.strokeStyle = theme.grid;
                ctx.lineWidth = devicePixelRatio;
                ctx.textBaseline = 'middle';
                xs.forEach(i => {
                  const x = u.valToPos(i, 'x', true);
                  ctx.beginPath();
                  ctx.moveTo(x, u.valToPos(0, 'y', true));
                  ctx.lineTo(x, u.valToPos(1, 'y', true));
                  ctx.stroke();
                  ctx.textAlign = i === xs.length - 1 ? 'right' : 'left';
                  const dx = (i === xs.length - 1 ? -4 : 4) * devicePixelRatio;
                  for (const label of labels[i]) {
                    ctx.fillText(label.text, x + dx, u.valToPos(label.at, 'y', true));
                  }
                });
                ctx.restore();
              }
            ]
          }
        };
        return { opts, data: [xs, ...lines.map(l => l.y)] as uPlot.AlignedData };
      }}
    />
  );
}
