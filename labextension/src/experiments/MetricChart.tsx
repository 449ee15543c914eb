/**
 * One chart of lines drawn by uPlot (canvas, built for many points): a live legend reads out every
 * line's value under the cursor. Canvas cannot read CSS variables, so the axis and grid colours are
 * taken from JupyterLab's theme variables with getComputedStyle, again whenever the theme changes.
 */
import * as React from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatValue } from '../format';
import { alignLines, ILine } from './data';

/** Line colours legible on light and dark backgrounds (Tableau 10). */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac'
];

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** Grows whenever JupyterLab switches theme (it sets data-jp-theme-name on the body). */
function useThemeVersion(): number {
  const [version, setVersion] = React.useState(0);
  React.useEffect(() => {
    const observer = new MutationObserver(() => setVersion(v => v + 1));
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-name'] });
    return () => observer.disconnect();
  }, []);
  return version;
}

/** The theme's colours and font as a canvas needs them (read when a chart is built). */
export interface IChartTheme {
  text: string;
  grid: string;
  font: string;
  /** An axis in the theme's colours, with its own tick labels when given. */
  axis: (values?: (u: uPlot, splits: number[]) => string[]) => uPlot.Axis;
}

export function chartTheme(): IChartTheme {
  const text = cssVar('--jp-ui-font-color2', '#666');
  const grid = cssVar('--jp-border-color2', '#ddd');
  const font = `11px ${cssVar('--jp-ui-font-family', 'sans-serif')}`;
  return {
    text,
    grid,
    font,
    axis: values => ({
      stroke: text,
      font,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      values
    })
  };
}

/**
 * A uPlot chart in `box`, built by `build` (given the theme and the box's width) again whenever
 * `deps` or the theme change, resized with its box and destroyed with the component: the one
 * place the panel's charts (metric lines, sweep scatters, parallel coordinates) are set up.
 */
/** A chart's options without its size (the box decides that). */
export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

export function useUPlot(
  box: React.RefObject<HTMLDivElement>,
  height: number,
  build: (theme: IChartTheme, width: number) => { opts: ChartOptions; data: uPlot.AlignedData },
  deps: React.DependencyList
): void {
  const theme = useThemeVersion();
  React.useEffect(() => {
    const el = box.current;
    if (!el) {
      return;
    }
    const width = Math.max(el.clientWidth, 200);
    const { opts, data } = build(chartTheme(), width);
    const chart = new uPlot({ ...opts, width, height }, data, el);
    const observer = new ResizeObserver(() => {
      const w = Math.max(el.clientWidth, 200);
      if (w !== chart.width) {
        chart.setSize({ width: w, height });
      }
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
    // `deps` are the caller's inputs to `build`; the theme version rebuilds with new colours.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, height, theme]);
}

export interface IMetricChartProps {
  title: string;
  lines: ILine[];
  xLabel: string;
  logY?: boolean;
  height?: number;
  /** Formats x values on the axis and in the legend (e.g. seconds as a duration). */
  formatX?: (x: number) => string;
}

export function MetricChart(props: IMetricChartProps): JSX.Element {
  const { title, lines, xLabel, logY = false, height = 220, formatX } = props;
  const box = React.useRef<HTMLDivElement>(null);
  useUPlot(
    box,
    height,
    theme => {
      // A log scale has no place for zero or less: those points become gaps.
      const shown = logY
        ? lines.map(l => ({ ...l, y: l.y.map(v => (v !== null && v > 0 ? v : null)) }))
        : lines;
      const opts: ChartOptions = {
        scales: { x: { time: false }, y: { distr: logY ? 3 : 1 } },
        axes: [
          theme.axis(formatX ? (_u, splits) => splits.map(formatX) : undefined),
          { ...theme.axis((_u, splits) => splits.map(v => (v === null ? '' : formatValue(v)))), size: 60 }
        ],
        series: [
          {
            label: xLabel,
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatX ? formatX(v) : String(v))
          },
          ...shown.map((l, i) => ({
            label: l.label,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            spanGaps: true,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatValue(v))
          }))
        ],
        legend: { live: true },
        cursor: { drag: { x: true, y: false } }
      };
      return { opts, data: alignLines(shown) as uPlot.AlignedData };
    },
    [lines, xLabel, logY, formatX]
  );

  return (
    <div className="bk-chart" data-chart={title}>
      <div className="bk-chart-title">{title}</div>
      <div className="bk-chart-plot" ref={box} />
    </div>
  );
}
