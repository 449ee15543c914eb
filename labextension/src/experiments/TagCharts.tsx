/**
 * Charts of some runs' tags, one chart per tag with one line per run, under one set of controls
 * (smoothing, step or relative time on x, log scale): the Compare view's, a run's own page's and
 * a sweep's objective curves.
 */
import * as React from 'react';
import { IRun, IRunScalars } from '../api';
import { BeekeeperModel } from '../model';
import { formatDuration } from '../format';
import { useTrans } from '../i18n';
import { ILine, smooth } from './data';
import { MetricChart } from './MetricChart';

export type XAxis = 'step' | 'relative';

/** Each tag's series of each run ("tag" → run id → points); a run without the tag has no entry. */
export function useSeries(
  model: BeekeeperModel,
  runs: IRun[],
  tags: string[]
): Map<string, Map<string, IRunScalars>> {
  const [series, setSeries] = React.useState(() => new Map<string, Map<string, IRunScalars>>());
  // A run's point counts are in the key, so an active run's new points are fetched when its record says so.
  const key = JSON.stringify([runs.map(r => [r.id, ...tags.map(t => r.metrics?.[t]?.count ?? 0)]), tags]);
  React.useEffect(() => {
    let alive = true;
    const wanted = tags.flatMap(tag =>
      runs.filter(r => !r.metrics || tag in r.metrics).map(r => ({ tag, id: r.id }))
    );
    void Promise.allSettled(wanted.map(w => model.runScalars(w.id, w.tag))).then(results => {
      if (!alive) {
        return;
      }
      const next = new Map<string, Map<string, IRunScalars>>();
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') {
          const { tag, id } = wanted[i];
          if (!next.has(tag)) {
            next.set(tag, new Map());
          }
          next.get(tag)!.set(id, r.value);
        }
      });
      setSeries(next);
    });
    return () => {
      alive = false;
    };
    // `key` stands for `runs` and `tags` (new arrays of the same runs and tags ask nothing new).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, key]);
  return series;
}

/** The lines of one tag: x as steps or seconds since the run's first point, y smoothed. */
export function tagLines(
  runs: IRun[],
  byRun: Map<string, IRunScalars> | undefined,
  labels: Map<string, string>,
  x: XAxis,
  weight: number
): ILine[] {
  return runs.map(run => {
    const points = byRun?.get(run.id)?.points || [];
    const t0 = points.length ? points[0][1] : 0;
    return {
      label: labels.get(run.id) || run.id,
      x: points.map(p => (x === 'step' ? p[0] : p[1] - t0)),
      y: smooth(
        points.map(p => p[2]),
        weight
      )
    };
  });
}

/** How the charts draw their lines; one value, so the controls change it in one place. */
export interface IChartView {
  smoothing: number;
  x: XAxis;
  logY: boolean;
}

const DEFAULT_VIEW: IChartView = { smoothing: 0, x: 'step', logY: false };

/** Smoothing, x axis (steps or time since each run's first point) and log scale. */
export function ChartControls(props: {
  view: IChartView;
  onChange: (view: IChartView) => void;
}): JSX.Element {
  const { view } = props;
  const trans = useTrans();
  const set = (change: Partial<IChartView>) => props.onChange({ ...view, ...change });
  return (
    <div className="bk-chart-controls">
      <label>
        {trans.__('Smoothing')}
        <input
          type="range"
          className="bk-smoothing"
          min={0}
          max={0.99}
          step={0.01}
          value={view.smoothing}
          onChange={e => set({ smoothing: Number(e.target.value) })}
        />
        <span className="bk-muted">{view.smoothing.toFixed(2)}</span>
      </label>
      <label>
        {trans.__('X axis')}
        <select
          className="jp-mod-styled bk-x-axis"
          value={view.x}
          onChange={e => set({ x: e.target.value as XAxis })}
        >
          <option value="step">{trans.__('step')}</option>
          <option value="relative">{trans.__('relative time')}</option>
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          className="bk-log-scale"
          checked={view.logY}
          onChange={e => set({ logY: e.target.checked })}
        />
        {trans.__('log scale')}
      </label>
    </div>
  );
}

/** The controls and one chart per tag; `children` go between them (e.g. a tag picker). */
export function TagCharts(props: {
  model: BeekeeperModel;
  runs: IRun[];
  /** The tags charted, in order. */
  tags: string[];
  /** The tags whose series to fetch (default: `tags`), so hiding a chart asks nothing new. */
  fetchTags?: string[];
  labels: Map<string, string>;
  height?: number;
  children?: React.ReactNode;
}): JSX.Element {
  const { model, runs, tags, labels } = props;
  const trans = useTrans();
  const series = useSeries(model, runs, props.fetchTags || tags);
  const [view, setView] = React.useState(DEFAULT_VIEW);
  const { x, smoothing } = view;
  const lines = React.useMemo(
    () => new Map(tags.map(tag => [tag, tagLines(runs, series.get(tag), labels, x, smoothing)])),
    [tags, runs, series, labels, x, smoothing]
  );
  const formatX = React.useMemo(() => (x === 'relative' ? formatDuration : undefined), [x]);
  return (
    <>
      <ChartControls view={view} onChange={setView} />
      {props.children}
      <div className="bk-charts">
        {tags.map(tag => (
          <MetricChart
            key={tag}
            title={tag}
            lines={lines.get(tag) || []}
            xLabel={x === 'step' ? trans.__('step') : trans.__('time')}
            logY={view.logY}
            formatX={formatX}
            height={props.height}
          />
        ))}
      </div>
    </>
  );
}
