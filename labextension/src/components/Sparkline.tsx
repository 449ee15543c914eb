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
}

/** A tiny filled line chart in plain SVG: the stats panel draws a handful, several times a second. */
export function Sparkline(props: ISparklineProps): JSX.Element {
  const { values, capacity, label, value, title } = props;
  const max = props.max || 100;
  const w = 100;
  const h = 24;
  // The window grows with the history, from minCapacity up to capacity, then slides.
  const n = Math.max(Math.min(capacity, Math.max(values.length, props.minCapacity ?? capacity)), 2);
  const points: string[] = [];
  const shown = values.slice(-n);
  const offset = n - shown.length;
  shown.forEach((v, i) => {
    if (v === null || v === undefined || !isFinite(v)) {
      return;
    }
    const x = ((offset + i) / (n - 1)) * w;
    const y = h - (Math.min(Math.max(v, 0), max) / max) * (h - 1) - 0.5;
    points.push(`${x.toFixed(2)},${y.toFixed(2)}`);
  });
  const line = points.join(' ');
  const area = points.length
    ? `${points[0].split(',')[0]},${h} ${line} ${points[points.length - 1].split(',')[0]},${h}`
    : '';
  return (
    <div className="bk-spark" title={title || `${label}: ${value}`}>
      <div className="bk-spark-head">
        <span className="bk-spark-label">{label}</span>
        <span className="bk-spark-value">{value}</span>
      </div>
      <svg
        className="bk-spark-svg"
        viewBox={`0 0 ${w} ${h}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={label}
      >
        {area && <polygon className="bk-spark-area" points={area} />}
        {line && <polyline className="bk-spark-line" points={line} vectorEffect="non-scaling-stroke" />}
      </svg>
    </div>
  );
}
