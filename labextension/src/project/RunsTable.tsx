import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { IRun } from '../api';
import { isActiveRun } from '../format';
import { IPanelSettings } from '../settings';
import { RunGrid, runColumns } from '../components/RunGrid';
import { RunRows } from '../runpages';
import { useTrans } from '../i18n';

/** The project's run history (windowed); columns as the settings choose, durations of active runs ticking. */
export function RunsTable(props: {
  /** The loaded runs (they choose the columns). */
  runs: IRun[];
  /** The whole history, a row per run the server has (pages load as the window reaches them). */
  rows: RunRows;
  onPages?: (offsets: number[]) => void;
  settings: IPanelSettings;
  onShowLog: (id: string) => void;
  onStop: (run: IRun) => void;
  onDelete: (run: IRun) => void;
  /** The form again with this run's args, env names, GPUs and executor. */
  onRunAgain?: (run: IRun) => void;
  /** Opens a run's detail page (the run id's link). */
  onOpen?: (id: string) => void;
  /** Opens a notebook run's executed notebook (the run page's button, on the row). */
  onOpenNotebook?: (run: IRun) => void;
  /** The checked runs (for Compare), with the checkbox column when onCheck is given. */
  checked?: Set<string>;
  onCheck?: (id: string, checked: boolean) => void;
  /** The current server sort key ('' = newest first) and a header's click. */
  sort?: string;
  onSort?: (key: string) => void;
}): JSX.Element {
  const { runs } = props;
  const trans = useTrans();
  const columns = React.useMemo(() => runColumns(trans, props.settings, runs), [trans, props.settings, runs]);
  const actions = (r: IRun) => (
    <>
      <Button small minimal onClick={() => props.onShowLog(r.id)}>
        {trans.__('Logs')}
      </Button>
      {r.notebook && props.onOpenNotebook && (
        <Button
          small
          minimal
          className="bk-open-notebook"
          title={trans.__('Open executed notebook')}
          onClick={() => props.onOpenNotebook?.(r)}
        >
          {trans.__('Notebook')}
        </Button>
      )}
      {props.onRunAgain && (
        <Button
          small
          minimal
          className="bk-run-again"
          onClick={() => props.onRunAgain?.(r)}
          title={trans.__('Start a new run with the same arguments, environment names, GPUs and executor')}
        >
          {trans.__('Run again')}
        </Button>
      )}
      {isActiveRun(r.state) ? (
        <Button small className="bk-stop" onClick={() => props.onStop(r)}>
          {trans.__('Stop')}
        </Button>
      ) : (
        <Button
          small
          minimal
          className="bk-delete-run"
          onClick={() => props.onDelete(r)}
          title={trans.__("Delete this run's log and record")}
        >
          {trans.__('Delete')}
        </Button>
      )}
    </>
  );
  return (
    <RunGrid
      rows={props.rows}
      onPages={props.onPages}
      columns={columns}
      className="bk-runs-table"
      onOpen={props.onOpen || props.onShowLog}
      openTitle={props.onOpen ? trans.__('Open the run') : trans.__('Show the log')}
      checked={props.checked}
      onCheck={props.onCheck}
      sort={props.sort}
      onSort={props.onSort}
      actions={actions}
    />
  );
}
