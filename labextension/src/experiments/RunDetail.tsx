/**
 * One run's page: its charts (its own tags), its CPU and memory over time, params, command, commit,
 * energy and its live log. Opened from any run id in the panel.
 */
import * as React from 'react';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { Button, ReactWidget } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { IRun, IUsageSample, LogEnd } from '../api';
import { BeekeeperModel } from '../model';
import { formatBytes, formatDuration, formatTime, formatValue, isActiveRun } from '../format';
import { beeIcon } from '../icons';
import { TransContext, useTrans } from '../i18n';
import { LogView } from '../components/LogView';
import { ActionLink } from '../components/ActionLink';
import { useLogBuffer } from '../components/useLogBuffer';
import { ILine, paramNames, paramText, runTags } from './data';
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
  React.useEffect(() => {
    let alive = true;
    let timer: number | null = null;
    const load = async () => {
      try {
        const run = await model.run(id);
        const usage = await model.runUsage(id).then(
          u => u.samples,
          () => [] as IUsageSample[]
        );
        if (!alive) {
          return;
        }
        setState({ run, usage, error: null });
        if (isActiveRun(run.state)) {
          timer = window.setTimeout(() => void load(), REFRESH_MS);
        }
      } catch (error) {
        if (alive) {
          setState(s => ({ ...s, error: (error as Error).message }));
        }
      }
    };
    void load();
    return () => {
      alive = false;
      if (timer !== null) {
        window.clearTimeout(timer);
      }
    };
  }, [model, id]);
  return state;
}

function UsageCharts(props: { samples: IUsageSample[] }): JSX.Element | null {
  const { samples } = props;
  const trans = useTrans();
  const { cpu, rss } = React.useMemo(() => {
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
    return { cpu, rss };
  }, [samples, trans]);
  if (samples.length < 2) {
    return null;
  }
  return (
    <div className="bk-charts bk-usage-charts">
      <MetricChart
        title={trans.__('Utilisation')}
        lines={cpu}
        xLabel={trans.__('time')}
        formatX={formatDuration}
        height={160}
      />
      <MetricChart
        title={trans.__('Memory')}
        lines={rss}
        xLabel={trans.__('time')}
        formatX={formatDuration}
        height={160}
      />
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

function RunDetailBody(props: {
  model: BeekeeperModel;
  id: string;
  openProject: (name: string) => void;
  openNotebook?: (run: IRun) => void;
  openSweep?: (id: string) => void;
}): JSX.Element {
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
        {error ? (
          <div className="bk-form-error">{error}</div>
        ) : (
          <div className="bk-muted">{trans.__('Loading…')}</div>
        )}
      </div>
    );
  }
  const names = paramNames(runs);
  return (
    <div className="bk-run-detail" data-run={run.id}>
      <div className="bk-run-detail-header">
        <h2 className="bk-form-page-title">{run.id}</h2>
        <span className={`bk-badge bk-state-${run.state}`}>{run.state}</span>
        <ActionLink className="bk-run-project" onClick={() => props.openProject(run.project)}>
          {run.project}
        </ActionLink>
        {run.notebook && props.openNotebook && (
          <Button small className="bk-open-notebook" onClick={() => props.openNotebook?.(run)}>
            {trans.__('Open executed notebook')}
          </Button>
        )}
        {run.sweep && props.openSweep && (
          <ActionLink
            className="bk-run-sweep"
            title={trans.__('Open the sweep this run is a trial of')}
            onClick={() => props.openSweep?.(run.sweep as string)}
          >
            {trans.__('sweep %1', run.sweep)}
          </ActionLink>
        )}
      </div>
      {error && <div className="bk-form-error">{error}</div>}
      <table className="bk-table bk-run-facts">
        <tbody>
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
        </tbody>
      </table>
      {names.length > 0 && (
        <>
          <h3>{trans.__('Params')}</h3>
          <table className="bk-table bk-params-table">
            <tbody>
              {names.map(n => (
                <tr key={n} data-param={n}>
                  <th>{n}</th>
                  <td>{paramText(run.params?.[n])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
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

/** A run's detail page in the main area. */
export class RunDetailWidget extends MainAreaWidget<ReactWidget> {
  constructor(
    model: BeekeeperModel,
    trans: TranslationBundle,
    id: string,
    openProject: (name: string) => void,
    openNotebook?: (run: IRun) => void,
    openSweep?: (id: string) => void
  ) {
    const content = ReactWidget.create(
      <TransContext.Provider value={trans}>
        <RunDetailBody
          model={model}
          id={id}
          openProject={openProject}
          openNotebook={openNotebook}
          openSweep={openSweep}
        />
      </TransContext.Provider>
    );
    content.addClass('bk-page-widget');
    super({ content });
    this.id = `beekeeper-run-${id}`;
    this.addClass('bk-run-detail-widget');
    this.title.label = id;
    this.title.caption = trans.__('Beekeeper run %1', id);
    this.title.icon = beeIcon;
    this.title.closable = true;
  }
}
