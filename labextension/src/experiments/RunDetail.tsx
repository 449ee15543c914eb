/**
 * One run's page: its charts (its own tags), its CPU and memory over time, params, command, commit,
 * energy and its live log. Opened from any run id in the panel.
 */
import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { IRun, IUsageSample, LogEnd } from '../api';
import { BeekeeperModel } from '../model';
import { formatBytes, formatDuration, formatTime, formatValue, isActiveRun } from '../format';
import { useTrans } from '../i18n';
import { LogView } from '../components/LogView';
import { ActionLink } from '../components/ActionLink';
import { Table } from '../components/Table';
import { Pending } from '../components/Pending';
import { useLogBuffer } from '../components/useLogBuffer';
import { usePoll } from '../components/usePoll';
import { ILine } from './data';
import { paramNames, paramText, runTags } from '../runcolumns';
import { TagCharts } from './TagCharts';
import { MetricChart } from './MetricChart';
import { EnergyFacts } from './Energy';

const REFRESH_MS = 5000;

/** The run's record and usage history, fetched again every few seconds while it is active. */
function useRunDetail(
  model: BeekeeperModel,
  id: string
): { run: IRun | null; usage: IUsageSample[]; error: string | null } {
  const [state, setState] = React.useState({
    run: null as IRun | null,
    usage: [] as IUsageSample[],
    error: null as string | null
  });
  usePoll(
    async () => {
      const run = await model.run(id);
      const usage = await model.runUsage(id).then(
        u => u.samples,
        () => [] as IUsageSample[]
      );
      return { run, usage };
    },
    ({ run, usage }) => {
      setState({ run, usage, error: null });
      return isActiveRun(run.state) ? REFRESH_MS : null;
    },
    error => setState(s => ({ ...s, error: error.message })),
    [model, id]
  );
  return state;
}

/** CPU and memory over the run's life, a line per GPU beside them when it used any. */
function UsageCharts(props: { samples: IUsageSample[] }): JSX.Element | null {
  const { samples } = props;
  const trans = useTrans();
  const charts = React.useMemo(() => {
    const t0 = samples.length ? samples[0].time : 0;
    const x = samples.map(s => s.time - t0);
    const cpu: ILine[] = [{ label: trans.__('CPU %'), x, y: samples.map(s => s.cpu_percent ?? null) }];
    const rss: ILine[] = [
      { label: trans.__('memory (MB)'), x, y: samples.map(s => (s.rss_bytes ?? 0) / (1024 * 1024)) }
    ];
    const gpuCount = Math.max(0, ...samples.map(s => s.gpus?.length || 0));
    for (let g = 0; g < gpuCount; g++) {
      cpu.push({ label: trans.__('GPU %1 %', g), x, y: samples.map(s => s.gpus?.[g]?.utilization ?? null) });
      rss.push({
        label: trans.__('GPU %1 memory (MB)', g),
        x,
        y: samples.map(s => {
          const b = s.gpus?.[g]?.run_memory_bytes ?? s.gpus?.[g]?.memory_used;
          return typeof b === 'number' ? b / (1024 * 1024) : null;
        })
      });
    }
    return [
      { title: trans.__('Utilisation'), lines: cpu },
      { title: trans.__('Memory'), lines: rss }
    ];
  }, [samples, trans]);
  if (samples.length < 2) {
    return null;
  }
  return (
    <div className="bk-charts bk-usage-charts">
      {charts.map(chart => (
        <MetricChart
          key={chart.title}
          title={chart.title}
          lines={chart.lines}
          xLabel={trans.__('time')}
          formatX={formatDuration}
          height={160}
        />
      ))}
    </div>
  );
}

function RunLog(props: { model: BeekeeperModel; run: IRun }): JSX.Element {
  const { model, run } = props;
  const trans = useTrans();
  const [ended, setEnded] = React.useState<LogEnd | null>(null);
  const { buffer, version } = useLogBuffer(
    onData => {
      const f = model.followRunLog(run.id, onData, setEnded);
      return () => f.dispose();
    },
    [run.id]
  );
  const active = isActiveRun(ended?.state || run.state);
  return (
    <div className="bk-run-detail-log">
      <LogView
        buffer={buffer}
        version={version}
        downloadUrl={model.runLogUrl(run.id)}
        emptyText={active ? trans.__('Waiting for output…') : trans.__('This run wrote nothing.')}
      />
    </div>
  );
}

/** Where a run's page links to: its project, its executed notebook, its sweep. */
export interface IRunLinks {
  openProject: (name: string) => void;
  openNotebook?: (run: IRun) => void;
  openSweep?: (id: string) => void;
}

/** The run's id and state, and links to its project, notebook and sweep. */
function RunHeader(props: { run: IRun; links: IRunLinks }): JSX.Element {
  const { run, links } = props;
  const trans = useTrans();
  return (
    <div className="bk-run-detail-header">
      <h2 className="bk-form-page-title">{run.id}</h2>
      <span className={`bk-badge bk-state-${run.state}`}>{run.state}</span>
      <ActionLink className="bk-run-project" onClick={() => links.openProject(run.project)}>
        {run.project}
      </ActionLink>
      {run.notebook && links.openNotebook && (
        <Button small className="bk-open-notebook" onClick={() => links.openNotebook?.(run)}>
          {trans.__('Open executed notebook')}
        </Button>
      )}
      {run.sweep && links.openSweep && (
        <ActionLink
          className="bk-run-sweep"
          title={trans.__('Open the sweep this run is a trial of')}
          onClick={() => links.openSweep?.(run.sweep as string)}
        >
          {trans.__('sweep %1', run.sweep)}
        </ActionLink>
      )}
    </div>
  );
}

/** Command, commit, timing, energy and usage now; then the params, if it has any. */
function RunFacts(props: { run: IRun }): JSX.Element {
  const { run } = props;
  const trans = useTrans();
  const names = paramNames([run]);
  return (
    <>
      <Table className="bk-run-facts">
        <tr>
          <th>{trans.__('Command')}</th>
          <td>
            <code className="bk-run-command">{(run.command || run.args || []).join(' ') || '—'}</code>
          </td>
        </tr>
        <tr>
          <th>{trans.__('Commit')}</th>
          <td>{run.commit ? <code>{run.commit}</code> : '—'}</td>
        </tr>
        <tr>
          <th>{trans.__('Started')}</th>
          <td>
            {formatTime(run.started || run.created)} · {formatDuration(run.duration)}
            {typeof run.exit_code === 'number' ? ` · ${trans.__('exit %1', run.exit_code)}` : ''}
          </td>
        </tr>
        <tr>
          <th>{trans.__('Energy')}</th>
          <td className="bk-run-energy">
            <EnergyFacts energy={run.energy} />
          </td>
        </tr>
        {run.usage && (
          <tr>
            <th>{trans.__('Usage now')}</th>
            <td>
              {formatValue(run.usage.cpu_percent)}% CPU · {formatBytes(run.usage.rss_bytes)}
            </td>
          </tr>
        )}
      </Table>
      {names.length > 0 && (
        <>
          <h3>{trans.__('Params')}</h3>
          <Table className="bk-params-table">
            {names.map(n => (
              <tr key={n} data-param={n}>
                <th>{n}</th>
                <td>{paramText(run.params?.[n])}</td>
              </tr>
            ))}
          </Table>
        </>
      )}
    </>
  );
}

/** A run's detail page (pages.ts puts it in a main-area tab). */
export function RunDetailBody(props: { model: BeekeeperModel; id: string; links: IRunLinks }): JSX.Element {
  const { model, id } = props;
  const trans = useTrans();
  const { run, usage, error } = useRunDetail(model, id);
  const runs = React.useMemo(() => (run ? [run] : []), [run]);
  const tagKey = run ? Object.keys(run.metrics || {}).join('\u0000') : '';
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const tags = React.useMemo(() => runTags(runs), [tagKey]);
  const labels = React.useMemo(() => new Map([[id, id]]), [id]);
  if (!run) {
    return (
      <div className="bk-run-detail">
        <Pending error={error} />
      </div>
    );
  }
  return (
    <div className="bk-run-detail" data-run={run.id}>
      <RunHeader run={run} links={props.links} />
      {error && <div className="bk-form-error">{error}</div>}
      <RunFacts run={run} />
      <h3>{trans.__('Metrics')}</h3>
      {tags.length ? (
        <TagCharts model={model} runs={runs} tags={tags} labels={labels} />
      ) : (
        <div className="bk-muted">{trans.__('This run has logged no scalars.')}</div>
      )}
      {usage.length > 1 && <h3>{trans.__('Usage')}</h3>}
      <UsageCharts samples={usage} />
      <h3>{trans.__('Log')}</h3>
      <RunLog model={model} run={run} />
    </div>
  );
}
