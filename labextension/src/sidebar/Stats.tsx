import * as React from 'react';
import { IGpuSample, IMetricsSample } from '../api';
import { formatBytes, formatShortDuration } from '../format';
import { HostMetrics } from '../model';
import { Sparkline } from '../components/Sparkline';
import { useTrans } from '../i18n';
import { useModel } from '../useModel';

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

interface IChartWindow {
  capacity: number;
  minCapacity: number;
  span: string;
}

/** One GPU's utilisation and memory, or its error. */
function GpuCharts(props: { index: number; samples: IMetricsSample[]; win: IChartWindow }): JSX.Element {
  const { index, samples, win } = props;
  const trans = useTrans();
  const gpu = samples[samples.length - 1].gpus.find(g => g.index === index)!;
  if (gpu.error) {
    return (
      <div className="bk-spark bk-muted" title={gpu.error}>
        GPU {index}: {gpu.error}
      </div>
    );
  }
  const series = (pick: (g: IGpuSample) => number | null) =>
    samples.map(s => {
      const g = (s.gpus || []).find(x => x.index === index);
      return g && !g.error ? pick(g) : null;
    });
  const memPct = (g: IGpuSample) => (g.memory_total ? (100 * (g.memory_used || 0)) / g.memory_total : null);
  return (
    <>
      <Sparkline
        label={`GPU ${index}`}
        value={`${gpu.utilization ?? '—'}%`}
        values={series(g => g.utilization ?? null)}
        {...win}
        scale="100%"
        title={gpuTitle(index, gpu)}
      />
      <Sparkline
        label={trans.__('GPU %1 mem', index)}
        value={`${formatBytes(gpu.memory_used)} / ${formatBytes(gpu.memory_total)}`}
        values={series(memPct)}
        {...win}
        scale={formatBytes(gpu.memory_total)}
      />
    </>
  );
}

/** Disk usage of the filesystem holding BEEKEEPER_HOME (checkouts, venvs, run folders) as a meter. */
function Disk(props: { disk: IMetricsSample['disk'] }): JSX.Element | null {
  const { disk } = props;
  const trans = useTrans();
  if (!disk) {
    return null;
  }
  if (disk.error || !disk.total) {
    return (
      <div className="bk-spark bk-muted bk-disk" title={disk.path}>
        {trans.__('Disk: %1', disk.error || '—')}
      </div>
    );
  }
  const percent = (100 * (disk.used || 0)) / disk.total;
  return (
    <div
      className={'bk-spark bk-disk' + (percent >= 90 ? ' bk-disk-full' : '')}
      title={trans.__('%1: %2 free of %3', disk.path, formatBytes(disk.free), formatBytes(disk.total))}
    >
      <div className="bk-spark-head">
        <span className="bk-spark-label">{trans.__('Disk')}</span>
        <span className="bk-spark-value">
          {formatBytes(disk.used)} / {formatBytes(disk.total)}
        </span>
      </div>
      <div
        className="bk-meter"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
      >
        <div className="bk-meter-fill" style={{ width: `${percent.toFixed(1)}%` }} />
      </div>
    </div>
  );
}

/** Host CPU, memory, disk and each GPU as live sparklines over the chart window (one shared stream). */
export function Stats(props: { metrics: HostMetrics }): JSX.Element {
  const { metrics } = props;
  const trans = useTrans();
  React.useEffect(() => metrics.acquire(), [metrics]);
  const { samples, connected, interval, capacity } = useModel(metrics, m => ({
    samples: m.samples,
    connected: m.connected,
    interval: m.interval,
    capacity: m.capacity
  }));
  const last = samples[samples.length - 1];
  if (!last) {
    return (
      <div className="bk-stats bk-muted">
        {connected ? trans.__('Collecting host stats…') : trans.__('Host stats unavailable')}
      </div>
    );
  }
  const win: IChartWindow = {
    capacity,
    minCapacity: Math.ceil(MIN_WINDOW_SECONDS / interval),
    span: formatShortDuration(
      Math.min(capacity, Math.max(samples.length, MIN_WINDOW_SECONDS / interval)) * interval
    )
  };
  const gpuIndices = (last.gpus || []).map(g => g.index);
  return (
    <div className="bk-stats" data-samples={samples.length}>
      <Sparkline
        label={trans.__('CPU')}
        value={`${Math.round(last.cpu.percent)}%`}
        values={samples.map(s => s.cpu?.percent ?? null)}
        {...win}
        scale="100%"
        title={trans.__('CPU: %1% of %2 cores', last.cpu.percent.toFixed(0), last.cpu.count)}
      />
      <Sparkline
        label={trans.__('Memory')}
        value={`${formatBytes(last.memory.used)} / ${formatBytes(last.memory.total)}`}
        values={samples.map(s => s.memory?.percent ?? null)}
        {...win}
        scale={formatBytes(last.memory.total)}
      />
      {gpuIndices.map(index => (
        <GpuCharts key={index} index={index} samples={samples} win={win} />
      ))}
      <Disk disk={last.disk} />
      {!gpuIndices.length && last.gpu_status && (
        <div className="bk-muted bk-stats-note">{last.gpu_status}</div>
      )}
    </div>
  );
}
