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
import { defaultMetricColumns, differingParams, metricValue, paramText, sortKey } from '../experiments/data';
import { useTrans } from '../i18n';
import { useNow } from '../useModel';

interface IColumn {
  key: string;
  header: string;
  cell: (run: IRun, now: number) => React.ReactNode;
  className?: string;
  title?: (run: IRun) => string;
  /** The server's sort key when the header sorts (metric:TAG:STAT, param:NAME). */
  sort?: string;
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
    sort: sortKey({ metric: spec }),
    title: r => {
      const m = r.metrics?.[tag];
      return m ? `${tag}: last ${m.last} · min ${m.min} · max ${m.max} · step ${m.step}` : '';
    },
    cell: r => {
      const v = metricValue(r, tag, stat);
      return v === null ? '—' : formatValue(v);
    }
  };
}

/** Params shown elsewhere (the Commit, GPUs and Where columns). */
const SHOWN_PARAMS = new Set(['commit', 'gpus', 'executor']);

function paramColumn(name: string): IColumn {
  return {
    key: `param:${name}`,
    header: name,
    className: 'bk-param',
    sort: sortKey({ param: name }),
    cell: r => paramText(r.params?.[name])
  };
}

export function runColumns(trans: TranslationBundle, settings: IPanelSettings, runs: IRun[]): IColumn[] {
  const all = optionalColumns(trans);
  // "Where" only once runs have gone somewhere other than this host.
  const showWhere = runs.some(r => describePlacement(r).label !== 'local');
  const chosen = settings.runColumns.filter(c => c !== 'where' || showWhere).map(c => all[c]);
  const metrics = defaultMetricColumns(settings.metricColumns, runs)
    .map(metricColumn)
    .filter((c): c is IColumn => c !== null);
  const params = differingParams(runs)
    .filter(p => !SHOWN_PARAMS.has(p))
    .map(paramColumn);
  return [...chosen, ...params, ...metrics];
}

function RunRow(props: {
  run: IRun;
  columns: IColumn[];
  checked: boolean;
  onCheck?: (id: string, checked: boolean) => void;
  onOpen?: (id: string) => void;
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
      {props.onCheck && (
        <td className="bk-check">
          <input
            type="checkbox"
            checked={props.checked}
            aria-label={trans.__('Select %1', r.id)}
            onChange={e => props.onCheck?.(r.id, e.target.checked)}
          />
        </td>
      )}
      <td>
        <a
          href="#"
          className="bk-run-link"
          title={props.onOpen ? trans.__('Open the run') : trans.__('Show the log')}
          onClick={e => {
            e.preventDefault();
            (props.onOpen || props.onShowLog)(r.id);
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
  /** Opens a run's detail page (the run id's link). */
  onOpen?: (id: string) => void;
  /** The checked runs (for Compare), with the checkbox column when onCheck is given. */
  checked?: Set<string>;
  onCheck?: (id: string, checked: boolean) => void;
  /** The current server sort key ('' = newest first) and a header's click. */
  sort?: string;
  onSort?: (key: string) => void;
}): JSX.Element {
  const { runs, sort = '', onSort } = props;
  const trans = useTrans();
  const columns = runColumns(trans, props.settings, runs);
  const direction = (key: string): 'ascending' | 'descending' | undefined =>
    sort === key
      ? 'ascending'
      : sort === `-${key}` || (key === 'created' && !sort)
        ? 'descending'
        : undefined;
  const header = (label: string, key: string | undefined, className?: string, id = label) =>
    key && onSort ? (
      <th key={id} className={`${className || ''} bk-sortable`} data-sort={key} aria-sort={direction(key)}>
        <button className="bk-sort" onClick={() => onSort(key)} title={trans.__('Sort by %1', label)}>
          {label}
        </button>
      </th>
    ) : (
      <th key={id} className={className}>
        {label}
      </th>
    );
  return (
    <table className="bk-table bk-runs-table">
      <thead>
        <tr>
          {props.onCheck && <th className="bk-check" />}
          {header(trans.__('Run'), 'created')}
          <th>{trans.__('State')}</th>
          {/* Headers without the cells' classes (a monospace cell font is not the header's). */}
          {columns.map(c => header(c.header, c.sort, undefined, c.key))}
          <th />
        </tr>
      </thead>
      <tbody>
        {runs.map(r => (
          <RunRow
            key={r.id}
            run={r}
            columns={columns}
            checked={!!props.checked?.has(r.id)}
            onCheck={props.onCheck}
            onOpen={props.onOpen}
            onShowLog={props.onShowLog}
            onStop={props.onStop}
            onDelete={props.onDelete}
          />
        ))}
      </tbody>
    </table>
  );
}
