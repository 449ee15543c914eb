import * as React from 'react';
import { IProject, IRun } from '../api';
import { BeekeeperModel } from '../model';
import { confirmDanger } from '../components/confirm';
import { notifyError } from '../notify';
import { useTrans } from '../i18n';
import { useModel } from '../useModel';
import { RunForm } from './RunForm';
import { RunsTable } from './RunsTable';
import { Button } from '@jupyterlab/ui-components';
import { nextSort } from '../experiments/data';

/** The Runs tab: start a run, and the history with stop and delete. */
export function Runs(props: {
  model: BeekeeperModel;
  project: IProject;
  runs: IRun[];
  onShowLog: (id: string) => void;
  onDeleted: (id: string) => void;
  onOpenRun?: (id: string) => void;
  onCompare?: (ids: string[]) => void;
}): JSX.Element {
  const { model, project, runs } = props;
  const trans = useTrans();
  const { settings, sort } = useModel(model, m => ({
    settings: m.settings,
    sort: m.runSort.get(project.name) || ''
  }));
  const [checked, setChecked] = React.useState<Set<string>>(() => new Set());
  const check = (id: string, on: boolean) =>
    setChecked(before => {
      const after = new Set(before);
      if (on) {
        after.add(id);
      } else {
        after.delete(id);
      }
      return after;
    });
  // Runs deleted meanwhile are no longer checked.
  const chosen = runs.filter(r => checked.has(r.id)).map(r => r.id);
  const stop = async (run: IRun) => {
    try {
      await model.stopRun(run.id);
    } catch (error) {
      notifyError(trans.__('Stop %1: %2', run.id, (error as Error).message));
    }
  };
  const remove = async (run: IRun) => {
    const agreed = await confirmDanger(
      trans.__('Delete run %1?', run.id),
      trans.__('Its log, run record and run folder are removed. Files it wrote under src/ stay.'),
      trans.__('Delete')
    );
    if (!agreed) {
      return;
    }
    try {
      await model.deleteRun(run);
      props.onDeleted(run.id);
    } catch (error) {
      notifyError(trans.__('Delete %1: %2', run.id, (error as Error).message));
    }
  };
  return (
    <div className="bk-runs">
      <RunForm model={model} project={project} onStarted={run => props.onShowLog(run.id)} />
      <div className="bk-card">
        <div className="bk-card-title bk-history-title">
          {trans.__('History')}
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
            settings={settings}
            onShowLog={props.onShowLog}
            onStop={stop}
            onDelete={remove}
            onOpen={props.onOpenRun}
            checked={checked}
            onCheck={props.onCompare ? check : undefined}
            sort={sort}
            onSort={key => void model.loadRuns(project.name, 200, nextSort(sort, key))}
          />
        )}
      </div>
    </div>
  );
}
