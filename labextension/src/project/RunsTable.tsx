import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { IRun } from '../api';
import {
  describePlacement,
  formatDuration,
  formatGpus,
  formatTime,
  formatValue,
  isActiveRun,
  liveDuration
} from '../format';
import { IPanelSettings, parseMetricColumn, RunColumn } from '../settings';
import { useTrans } from '../i18n';
import { useNow } from '../useModel';

interface IColumn {
  key: string;
  header: string;
  cell: (run: IRun, now: number) => React.ReactNode;
  className?: string;
  title?: (run: IRun) => string;
}

/** The optional columns, in table order (the settings pick which show). */
function optionalColumns(trans: TranslationBundle): Record<RunColumn, IColumn> {
  const __ = (msg: string) => trans.__(msg);
  return {
    started: { key: 'started', header: trans.__('Started'), cell: r => formatTime(r.started || r.created) },
    duration: {
      key: 'duration',
      header: trans.__('Duration'),
      className: 'bk-duration',
      cell: (r, now) => formatDuration(liveDuration(r, now))
    },
    exit: { key: 'exit', header: trans.__('Exit'), cell: r => r.exit_code ?? '—' },
    commit: {
      key: 'commit',
      header: trans.__('Commit'),
      cell: r => (r.commit ? <code>{r.commit.slice(0, 8)}</code> : '—')
    },
    gpus: {
      key: 'gpus',
      header: trans.__('GPUs'),
      cell: r => formatGpus(r),
      title: r => (r.gpus && r.gpus.length ? 'CUDA_VISIBLE_DEVICES' : trans.__('placed by the executor'))
    },
    where: {
      key: 'where',
      header: trans.__('Where'),
      className: 'bk-where',
      title: r => describePlacement(r, __).note,
      cell: r => (
        <>
          {describePlacement(r).label}
          {r.mode === 'working-dir' && (
            <span className="bk-muted"> {trans.__('(outputs stay on the node)')}</span>
          )}
        </>
      )
    },
    args: {
      key: 'args',
      header: trans.__('Args'),
      className: 'bk-args',
      // The cell is cut to its width; the whole command line shows on hover.
      title: r => (r.command && r.command.length ? r.command.join(' ') : (r.args || []).join(' ')),
      cell: r => (r.args || []).join(' ')
    }
  };
}

/** "loss:min" → the run's metrics summary value, when the server reports per-run metrics. */
function metricColumn(spec: string): IColumn | null {
  const parsed = parseMetricColumn(spec);
  if (!parsed) {
    return null;
  }
  const { tag, stat } = parsed;
  return {
    key: `metric:${spec}`,
    header: stat === 'last' ? tag : `${tag} (${stat})`,
    className: 'bk-metric',
    cell: r => {
      const metrics = (r as { metrics?: Record<string, Record<string, number>> }).metrics;
      const v = metrics?.[tag]?.[stat];
      return typeof v === 'number' ? formatValue(v) : '—';
    }
  };
}

export function runColumns(trans: TranslationBundle, settings: IPanelSettings, runs: IRun[]): IColumn[] {
  const all = optionalColumns(trans);
  // "Where" only once runs have gone somewhere other than this host.
  const showWhere = runs.some(r => describePlacement(r).label !== 'local');
  const chosen = settings.runColumns.filter(c => c !== 'where' || showWhere).map(c => all[c]);
  const metrics = settings.metricColumns.map(metricColumn).filter((c): c is IColumn => c !== null);
  return [...chosen, ...metrics];
}

function RunRow(props: {
  run: IRun;
  columns: IColumn[];
  onShowLog: (id: string) => void;
  onStop: (run: IRun) => void;
  onDelete: (run: IRun) => void;
}): JSX.Element {
  const { run: r, columns } = props;
  const trans = useTrans();
  const active = isActiveRun(r.state);
  const now = useNow(active);
  return (
    <tr data-run={r.id} className={`bk-run-row bk-run-${r.state}`}>
      <td>
        <a
          href="#"
          onClick={e => {
            e.preventDefault();
            props.onShowLog(r.id);
          }}
        >
          {r.id}
        </a>
      </td>
      <td>
        <span className={`bk-badge bk-run-state bk-state-${r.state}`}>{r.state}</span>
        {r.state === 'queued' && r.queue_position ? (
          <span className="bk-muted"> #{r.queue_position}</span>
        ) : null}
        {r.message && (
          <div className="bk-muted bk-run-message" title={r.message}>
            {r.message}
          </div>
        )}
      </td>
      {columns.map(c => (
        <td key={c.key} className={c.className} title={c.title?.(r)}>
          {c.cell(r, now)}
        </td>
      ))}
      <td className="bk-actions">
        <Button small minimal onClick={() => props.onShowLog(r.id)}>
          {trans.__('Logs')}
        </Button>
        {active ? (
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
      </td>
    </tr>
  );
}

/** The project's run history; columns as the settings choose, durations of active runs ticking. */
export function RunsTable(props: {
  runs: IRun[];
  settings: IPanelSettings;
  onShowLog: (id: string) => void;
  onStop: (run: IRun) => void;
  onDelete: (run: IRun) => void;
}): JSX.Element {
  const { runs } = props;
  const trans = useTrans();
  const columns = runColumns(trans, props.settings, runs);
  return (
    <table className="bk-table bk-runs-table">
      <thead>
        <tr>
          <th>{trans.__('Run')}</th>
          <th>{trans.__('State')}</th>
          {columns.map(c => (
            <th key={c.key}>{c.header}</th>
          ))}
          <th />
        </tr>
      </thead>
      <tbody>
        {runs.map(r => (
          <RunRow
            key={r.id}
            run={r}
            columns={columns}
            onShowLog={props.onShowLog}
            onStop={props.onStop}
            onDelete={props.onDelete}
          />
        ))}
      </tbody>
    </table>
  );
}
