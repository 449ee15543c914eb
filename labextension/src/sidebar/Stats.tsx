import * as React from 'react';
import { IMetricsSample, Stream } from '../api';
import { formatBytes } from '../format';
import { Sparkline } from '../components/Sparkline';

const HISTORY_SECONDS = 600;

/** Host CPU, memory and each GPU as live sparklines over the last 10 minutes (one shared stream). */
export function Stats(): JSX.Element {
  const [samples, setSamples] = React.useState<IMetricsSample[]>([]);
  const [interval, setInterval_] = React.useState(2);
  const [connected, setConnected] = React.useState(false);

  React.useEffect(() => {
    let capacity = 300;
    const stream = new Stream(
      'metrics/stream',
      msg => {
        if (msg.type === 'history') {
          const every = msg.interval || 2;
          capacity = Math.ceil(HISTORY_SECONDS / every);
          setInterval_(every);
          setSamples((msg.samples || []).slice(-capacity));
        } else if (msg.type === 'sample') {
          setSamples(old => [...old.slice(-(capacity - 1)), msg as IMetricsSample]);
        }
      },
      () => ({}),
      setConnected
    );
    return () => stream.dispose();
  }, []);

  const capacity = Math.ceil(HISTORY_SECONDS / interval);
  const last = samples[samples.length - 1];
  if (!last) {
    return <div className="bk-stats bk-muted">{connected ? 'Collecting host stats…' : 'Host stats unavailable'}</div>;
  }
  const gpuIndices = (last.gpus || []).map(g => g.index);
  return (
    <div className="bk-stats" data-samples={samples.length}>
      <Sparkline
        label="CPU"
        value={`${Math.round(last.cpu.percent)}%`}
        values={samples.map(s => s.cpu?.percent ?? null)}
        capacity={capacity}
        title={`CPU: ${last.cpu.percent.toFixed(0)}% of ${last.cpu.count} cores`}
      />
      <Sparkline
        label="Memory"
        value={`${formatBytes(last.memory.used)} / ${formatBytes(last.memory.total)}`}
        values={samples.map(s => s.memory?.percent ?? null)}
        capacity={capacity}
      />
      {gpuIndices.map(index => {
        const gpu = last.gpus.find(g => g.index === index)!;
        if (gpu.error) {
          return (
            <div key={index} className="bk-spark bk-muted" title={gpu.error}>
              GPU {index}: {gpu.error}
            </div>
          );
        }
        const series = (pick: (g: any) => number | null) =>
          samples.map(s => {
            const g = (s.gpus || []).find(x => x.index === index);
            return g && !g.error ? pick(g) : null;
          });
        const memPct = (g: any) => (g.memory_total ? (100 * g.memory_used) / g.memory_total : null);
        return (
          <React.Fragment key={index}>
            <Sparkline
              label={`GPU ${index}`}
              value={`${gpu.utilization ?? '—'}%`}
              values={series(g => g.utilization ?? null)}
              capacity={capacity}
              title={`${gpu.name || 'GPU'} ${index} utilisation`}
            />
            <Sparkline
              label={`GPU ${index} mem`}
              value={`${formatBytes(gpu.memory_used)} / ${formatBytes(gpu.memory_total)}`}
              values={series(memPct)}
              capacity={capacity}
            />
          </React.Fragment>
        );
      })}
      {!gpuIndices.length && last.gpu_status && <div className="bk-muted bk-stats-note">{last.gpu_status}</div>}
    </div>
  );
}
