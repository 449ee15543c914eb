import * as React from 'react';
import { IProject, IRun } from '../api';
import { BeekeeperModel } from '../model';
import { attempt, confirmAndAttempt } from '../components/attempt';
import { useTrans } from '../i18n';
import { useModel } from '../useModel';
import { IRunDraft, RunForm } from './RunForm';
import { RunsTable } from './RunsTable';
import { useRunChecks } from '../components/RunGrid';
import { RunQueue } from './RunQueue';
import { MetricPicker } from './MetricPicker';
import { Button } from '@jupyterlab/ui-components';
import { defaultMetricColumns, nextSort, runTags } from '../runcolumns';
import { IMove, runAgain } from './runsdata';
import { SweepsCard } from '../sweeps/SweepsCard';

/** The first page of the history: a screenful and the window's overscan (more load as it scrolls). */
const PAGE = 100;

/**
 * What the Runs tab's buttons do: run again (straight away, or back in the form when env values
 * must be typed again), move in the queue, stop and delete; a failure is a notification.
 */
function useRunActions(
  model: BeekeeperModel,
  project: IProject,
  onShowLog: (id: string) => void,
  onDeleted: (id: string) => void
) {
  const trans = useTrans();
  const [draft, setDraft] = React.useState<IRunDraft | null>(null);
  const again = async (run: IRun) => {
    const plan = runAgain(run, project);
    if (plan.askEnv.length) {
      // Env values are never returned: the form again, with the names to fill in.
      setDraft(d => ({
        args: run.args || [],
        envNames: plan.askEnv,
        gpus: run.gpus_requested,
        executor: run.executor,
        preset: plan.preset,
        serial: (d?.serial ?? 0) + 1
      }));
      return;
    }
    await attempt(
      async () => onShowLog((await model.startRun(project.name, plan.body)).id),
      message => trans.__('Run %1 again: %2', run.id, message)
    );
  };
  const move = (m: IMove) =>
    attempt(
      () => model.moveRun(project.name, m.id, m.body),
      message => trans.__('Move %1: %2', m.id, message)
    );
  const stop = (run: IRun) =>
    attempt(
      () => model.stopRun(run.id),
      message => trans.__('Stop %1: %2', run.id, message)
    );
  const ask = (run: IRun) => ({
    title: trans.__('Delete run %1?', run.id),
    body: trans.__('Its log, run record and run folder are removed. Files it wrote under src/ stay.'),
    label: trans.__('Delete')
  });
  const remove = (run: IRun) =>
    confirmAndAttempt(
      ask(run),
      async () => {
        await model.deleteRun(run);
        onDeleted(run.id);
      },
      message => trans.__('Delete %1: %2', run.id, message)
    );
  return { draft, again, move, stop, remove };
}

/**
 * The Runs tab: start a run (from a preset, or again from a history row), the queue in start
 * order with move up/down, and the windowed history with stop, delete, metric and param columns.
 */
export function Runs(props: {
  model: BeekeeperModel;
  project: IProject;
  runs: IRun[];
  onShowLog: (id: string) => void;
  onDeleted: (id: string) => void;
  onOpenRun?: (id: string) => void;
  onCompare?: (ids: string[]) => void;
  onOpenSweep?: (id: string) => void;
  onOpenNotebook?: (run: IRun) => void;
}): JSX.Element {
  const { model, project, runs } = props;
  const trans = useTrans();
  const { settings, sort, rows, queue } = useModel(model, m => ({
    settings: m.settings,
    sort: m.runSort.get(project.name) || '',
    rows: m.runRows.get(project.name) ?? runs,
    queue: m.queue.get(project.name) || []
  }));
  const tags = React.useMemo(() => {
    const seen = runTags(runs);
    const chosen = settings.metricColumns.map(c => c.replace(/:(last|min|max)$/, ''));
    return [...seen, ...chosen.filter(t => !seen.includes(t))];
  }, [runs, settings.metricColumns]);
  const total = rows.length;
  const onPages = React.useCallback(
    (offsets: number[]) => void model.loadRunPages(project.name, offsets),
    [model, project.name]
  );
  const { checked, onCheck: check, chosen } = useRunChecks(runs);
  const { draft, again, move, stop, remove } = useRunActions(
    model,
    project,
    props.onShowLog,
    props.onDeleted
  );
  return (
    <div className="bk-runs">
      <RunForm model={model} project={project} draft={draft} onStarted={run => props.onShowLog(run.id)} />
      {props.onOpenSweep && <SweepsCard model={model} project={project} onOpen={props.onOpenSweep} />}
      <RunQueue queue={queue} onMove={m => void move(m)} onOpen={props.onOpenRun || props.onShowLog} />
      <div className="bk-card bk-history">
        <div className="bk-card-title bk-history-title">
          {trans.__('History')}
          <span className="bk-muted bk-history-count">
            {total > runs.length
              ? trans.__('%1 of %2 loaded', runs.length, total)
              : trans.__('%1 runs', total)}
          </span>
          <MetricPicker
            tags={tags}
            shown={defaultMetricColumns(settings.metricColumns, runs)}
            chosen={settings.metricColumns.length > 0}
            onChange={columns => void model.saveSetting('metricColumns', columns)}
          />
          {props.onCompare && (
            <Button
              small
              className="bk-compare"
              disabled={chosen.length < 1}
              title={trans.__('Chart the checked runs side by side')}
              onClick={() => props.onCompare?.(chosen)}
            >
              {chosen.length ? trans.__('Compare (%1)', chosen.length) : trans.__('Compare')}
            </Button>
          )}
        </div>
        {!runs.length ? (
          <div className="bk-muted">{trans.__('No runs yet.')}</div>
        ) : (
          <RunsTable
            runs={runs}
            rows={rows}
            onPages={onPages}
            onRunAgain={run => void again(run)}
            settings={settings}
            onShowLog={props.onShowLog}
            onStop={stop}
            onDelete={remove}
            onOpen={props.onOpenRun}
            onOpenNotebook={props.onOpenNotebook}
            checked={checked}
            onCheck={props.onCompare ? check : undefined}
            sort={sort}
            onSort={key => void model.loadRuns(project.name, PAGE, nextSort(sort, key))}
          />
        )}
      </div>
    </div>
  );
}
