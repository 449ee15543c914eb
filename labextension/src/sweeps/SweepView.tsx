/**
 * One sweep in the main area: its trials sorted by the objective with the best highlighted, the
 * objective against each parameter, parallel coordinates for two or more parameters, every
 * trial's objective curve overlaid (the Compare view's charts), and Stop. Live via /events.
 */
import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { BeekeeperModel } from '../model';
import { formatDuration, formatTime, formatValue } from '../format';
import { useTrans } from '../i18n';
import { confirmAndAttempt } from '../components/attempt';
import { ActionLink } from '../components/ActionLink';
import { paramText } from '../runcolumns';
import { RunLink } from '../experiments/CompareView';
import { TagCharts } from '../experiments/TagCharts';
import { Pending } from '../components/Pending';
import { Table } from '../components/Table';
import { RUN_STATES } from '../states';
import { useModel } from '../useModel';
import { ISweep, ISweepTrial } from './types';
import { ISweepDetail } from './sweepsmodel';
import { parallel, scatter, sortTrials } from './data';
import { ParallelChart, ScatterChart } from './SweepCharts';
import { progressText } from './SweepsCard';

const NOT_LOADED: ISweepDetail = { sweep: null, runs: [], error: null };

export interface ISweepActions {
  openRun: (id: string) => void;
  openProject: (name: string) => void;
}

function TrialsTable(props: {
  sweep: ISweep;
  trials: ISweepTrial[];
  durations: Map<string, number | null | undefined>;
  onOpenRun: (id: string) => void;
}): JSX.Element {
  const { sweep, trials } = props;
  const trans = useTrans();
  const names = Object.keys(sweep.parameters || {});
  const best = sweep.best?.run || null;
  const metric = sweep.objective?.metric;
  const headers = [
    '#',
    trans.__('Run'),
    trans.__('State'),
    ...names,
    ...(metric
      ? [
          {
            title: `${metric} (${sweep.objective?.summary})`,
            className: 'bk-sweep-objective',
            sort: sweep.objective?.goal === 'max' ? ('descending' as const) : ('ascending' as const)
          }
        ]
      : []),
    trans.__('Duration')
  ];
  return (
    <Table className="bk-sweep-trials" headers={headers}>
      {trials.map((t, i) => (
        <tr
          key={t.id}
          data-run={t.id}
          className={t.id === best ? 'bk-sweep-best' : undefined}
          title={t.message || undefined}
        >
          <td>{i + 1}</td>
          <td>
            <RunLink id={t.id} onOpen={props.onOpenRun} />
            {t.id === best && <span className="bk-badge bk-sweep-best-badge">{trans.__('best')}</span>}
          </td>
          <td>
            <span className={`bk-badge bk-state-${t.state}`}>{t.state}</span>
            {t.early_stopped && (
              <span className="bk-badge bk-sweep-early" title={t.message || ''}>
                {trans.__('early stopped')}
              </span>
            )}
          </td>
          {names.map(n => (
            <td key={n}>{paramText(t.params?.[n])}</td>
          ))}
          {metric && (
            <td className="bk-sweep-value">{typeof t.value === 'number' ? formatValue(t.value) : '—'}</td>
          )}
          <td>{formatDuration(props.durations.get(t.id))}</td>
        </tr>
      ))}
    </Table>
  );
}

function Summary(props: { sweep: ISweep }): JSX.Element {
  const { sweep } = props;
  const trans = useTrans();
  const counts = sweep.trials || {};
  const parts = RUN_STATES.filter(s => counts[s]).map(s => `${counts[s]} ${s}`);
  return (
    <Table className="bk-run-facts bk-sweep-facts">
      <tr>
        <th>{trans.__('Method')}</th>
        <td>
          {sweep.method}
          {sweep.method === 'random' && typeof sweep.seed === 'number'
            ? ` · ${trans.__('seed %1', sweep.seed)}`
            : ''}
          {sweep.max_parallel ? ` · ${trans.__('at most %1 at once', sweep.max_parallel)}` : ''}
        </td>
      </tr>
      <tr>
        <th>{trans.__('Trials')}</th>
        <td className="bk-sweep-counts">
          {progressText(sweep)} {trans.__('done')}
          {parts.length ? ` · ${parts.join(', ')}` : ''}
          {counts.early_stopped ? ` · ${trans.__('%1 early stopped', counts.early_stopped)}` : ''}
        </td>
      </tr>
      <tr>
        <th>{trans.__('Objective')}</th>
        <td>
          {sweep.objective
            ? `${sweep.objective.goal} ${sweep.objective.metric} (${sweep.objective.summary})`
            : trans.__('none (no best trial is picked)')}
          {sweep.early_stop ? ` · ${trans.__('median rule after step %1', sweep.early_stop.min_steps)}` : ''}
        </td>
      </tr>
      <tr>
        <th>{trans.__('Best')}</th>
        <td className="bk-sweep-best-value">
          {sweep.best ? `${formatValue(sweep.best.value)} · ${sweep.best.run}` : '—'}
        </td>
      </tr>
      <tr>
        <th>{trans.__('Created')}</th>
        <td>
          {formatTime(sweep.created)}
          {sweep.ended ? ` · ${trans.__('ended %1', formatTime(sweep.ended))}` : ''}
          {sweep.message ? ` · ${sweep.message}` : ''}
        </td>
      </tr>
    </Table>
  );
}

/** A sweep's page (pages.ts puts it in a main-area tab). */
export function SweepBody(props: { model: BeekeeperModel; id: string; actions: ISweepActions }): JSX.Element {
  const { model, id, actions } = props;
  const trans = useTrans();
  React.useEffect(() => model.sweeps.follow(id), [model, id]);
  const { sweep, runs, error } = useModel(model.sweeps, s => s.detail(id)) || NOT_LOADED;
  const [stopping, setStopping] = React.useState(false);
  const trials = React.useMemo(() => sortTrials(sweep?.runs || [], sweep?.objective?.goal || 'min'), [sweep]);
  const durations = React.useMemo(() => new Map(runs.map(r => [r.id, r.duration])), [runs]);
  const labels = React.useMemo(() => {
    const params = Object.keys(sweep?.parameters || {});
    return new Map(
      runs.map(r => [r.id, `${r.id} ${params.map(p => `${p}=${paramText(r.params?.[p])}`).join(' ')}`])
    );
  }, [runs, sweep]);
  const metric = sweep?.objective?.metric;
  const metricTags = React.useMemo(() => (metric ? [metric] : []), [metric]);
  const bestId = sweep?.best?.run || null;
  const names = Object.keys(sweep?.parameters || {});
  const scatters = React.useMemo(
    () =>
      names.map(n => ({
        name: n,
        data: scatter(trials, n, bestId, !!(sweep?.parameters[n] as { log?: boolean })?.log)
      })),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [trials, bestId, names.join('\u0000')]
  );
  const lines = React.useMemo(() => (sweep ? parallel(sweep, trials) : null), [sweep, trials]);

  if (!sweep) {
    return (
      <div className="bk-sweep-page">
        <Pending error={error} />
      </div>
    );
  }
  const stop = () =>
    confirmAndAttempt(
      {
        title: trans.__('Stop sweep %1?', sweep.id),
        body: trans.__('Its queued trials are dropped and its running ones stopped.'),
        label: trans.__('Stop')
      },
      async () => {
        setStopping(true);
        try {
          await model.sweeps.stop(sweep.id);
        } finally {
          setStopping(false);
        }
      },
      message => trans.__('Stop %1: %2', sweep.id, message)
    );
  return (
    <div className="bk-sweep-page" data-sweep={sweep.id} data-state={sweep.state}>
      <div className="bk-run-detail-header">
        <h2 className="bk-form-page-title">{sweep.id}</h2>
        <span className={`bk-badge bk-sweep-state-${sweep.state}`}>{sweep.state}</span>
        <ActionLink className="bk-run-project" onClick={() => actions.openProject(sweep.project)}>
          {sweep.project}
        </ActionLink>
        {sweep.state === 'running' && (
          <Button small className="bk-stop bk-sweep-stop" disabled={stopping} onClick={() => void stop()}>
            {stopping ? trans.__('Stopping…') : trans.__('Stop sweep')}
          </Button>
        )}
      </div>
      {error && <div className="bk-form-error">{error}</div>}
      <Summary sweep={sweep} />
      <h3>{trans.__('Trials')}</h3>
      <TrialsTable sweep={sweep} trials={trials} durations={durations} onOpenRun={actions.openRun} />
      {metric && (
        <>
          <h3>{trans.__('%1 by parameter', metric)}</h3>
          <div className="bk-charts bk-sweep-scatters">
            {scatters.map(s => (
              <ScatterChart key={s.name} name={s.name} metric={metric} data={s.data} />
            ))}
          </div>
        </>
      )}
      {lines && names.length > 1 && (
        <ParallelChart data={lines} bestId={bestId} title={trans.__('Parallel coordinates')} />
      )}
      {metric && runs.length > 0 && (
        <>
          <h3>{trans.__('%1 of every trial', metric)}</h3>
          <TagCharts model={model} runs={runs} tags={metricTags} labels={labels} height={260} />
        </>
      )}
    </div>
  );
}
