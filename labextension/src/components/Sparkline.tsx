import * as React from 'react';

export interface ISparklineProps {
  /** Values in [0, max]; nulls are gaps. */
  values: (number | null)[];
  max?: number;
  /** How many points the full width holds at most (e.g. 10 minutes of samples). */
  capacity: number;
  /** The least the width holds (e.g. 1 minute), so a fresh panel draws a line, not a dot at the edge. */
  minCapacity?: number;
  label: string;
  value: string;
  title?: string;
  /** The scale: what the top edge means (e.g. "100%"), drawn at the chart's top right. */
  scale?: string;
  /** The time span the full width covers (e.g. "10 min"), drawn at the bottom left. */
  span?: string;
}

const W = 100;
const H = 24;

/** SVG points of the series, right-aligned in a window of `n` slots. */
function linePoints(values: (number | null)[], n: number, max: number): string[] {
  const points: string[] = [];
  const shown = values.slice(-n);
  const offset = n - shown.length;
  shown.forEach((v, i) => {
    if (v === null || v === undefined || !isFinite(v)) {
      return;
    }
    const x = ((offset + i) / (n - 1)) * W;
    const y = H - (Math.min(Math.max(v, 0), max) / max) * (H - 1) - 0.5;
    points.push(`${x.toFixed(2)},${y.toFixed(2)}`);
  });
  return points;
}

/**
 * A tiny filled line chart in plain SVG (the stats panel draws a handful, several times a second),
 * with gridlines at half and full scale and the scale's label, so a glance reads a level.
 */
export function Sparkline(props: ISparklineProps): JSX.Element {
  const { values, capacity, label, value, title } = props;
  const max = props.max || 100;
  // The window grows with the history, from minCapacity up to capacity, then slides.
  const n = Math.max(Math.min(capacity, Math.max(values.length, props.minCapacity ?? capacity)), 2);
  const points = linePoints(values, n, max);
  const line = points.join(' ');
  const area = points.length
    ? `${points[0].split(',')[0]},${H} ${line} ${points[points.length - 1].split(',')[0]},${H}`
    : '';
  return (
    <div className="bk-spark" title={title || `${label}: ${value}`}>
      <div className="bk-spark-head">
        <span className="bk-spark-label">{label}</span>
        <span className="bk-spark-value">{value}</span>
      </div>
      <div className="bk-spark-chart">
        <svg
          className="bk-spark-svg"
          viewBox={`0 0 ${W} ${H}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={label}
        >
          <line className="bk-spark-grid" x1={0} x2={W} y1={0.5} y2={0.5} vectorEffect="non-scaling-stroke" />
          <line
            className="bk-spark-grid"
            x1={0}
            x2={W}
            y1={H / 2}
            y2={H / 2}
            vectorEffect="non-scaling-stroke"
          />
          {area && <polygon className="bk-spark-area" points={area} />}
          {line && <polyline className="bk-spark-line" points={line} vectorEffect="non-scaling-stroke" />}
        </svg>
        {props.scale && <span className="bk-spark-scale">{props.scale}</span>}
        {props.span && <span className="bk-spark-span">{props.span}</span>}
      </div>
    </div>
  );
}
