import * as React from 'react';
import { IGpuSample, IMetricsSample, Stream } from '../api';
import { formatBytes } from '../format';
import { Sparkline } from '../components/Sparkline';

const HISTORY_SECONDS = 600;
const MIN_WINDOW_SECONDS = 60;

/** "NVIDIA H100 (GPU 0): 37% · 54 °C · 123/700 W" — what does not fit in the row, on hover. */
function gpuTitle(index: number, gpu: IGpuSample): string {
  const parts = [`${gpu.utilization ?? '—'}%`];
  if (typeof gpu.temperature === 'number') {
    parts.push(`${gpu.temperature} °C`);
  }
  if (typeof gpu.power_watts === 'number') {
    const limit = typeof gpu.power_limit_watts === 'number' ? `/${Math.round(gpu.power_limit_watts)}` : '';
    parts.push(`${Math.round(gpu.power_watts)}${limit} W`);
  }
  return `${gpu.name || 'GPU'} (GPU ${index}): ${parts.join(' · ')}`;
}

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
  const minCapacity = Math.ceil(MIN_WINDOW_SECONDS / interval);
  const last = samples[samples.length - 1];
  if (!last) {
    return (
      <div className="bk-stats bk-muted">
        {connected ? 'Collecting host stats…' : 'Host stats unavailable'}
      </div>
    );
  }
  const gpuIndices = (last.gpus || []).map(g => g.index);
  return (
    <div className="bk-stats" data-samples={samples.length}>
      <Sparkline
        label="CPU"
        value={`${Math.round(last.cpu.percent)}%`}
        values={samples.map(s => s.cpu?.percent ?? null)}
        capacity={capacity}
        minCapacity={minCapacity}
        title={`CPU: ${last.cpu.percent.toFixed(0)}% of ${last.cpu.count} cores`}
      />
      <Sparkline
        label="Memory"
        value={`${formatBytes(last.memory.used)} / ${formatBytes(last.memory.total)}`}
        values={samples.map(s => s.memory?.percent ?? null)}
        capacity={capacity}
        minCapacity={minCapacity}
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
              minCapacity={minCapacity}
              title={gpuTitle(index, gpu)}
            />
            <Sparkline
              label={`GPU ${index} mem`}
              value={`${formatBytes(gpu.memory_used)} / ${formatBytes(gpu.memory_total)}`}
              values={series(memPct)}
              capacity={capacity}
              minCapacity={minCapacity}
            />
          </React.Fragment>
        );
      })}
      {!gpuIndices.length && last.gpu_status && (
        <div className="bk-muted bk-stats-note">{last.gpu_status}</div>
      )}
    </div>
  );
}
