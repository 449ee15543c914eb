/**
 * The one table of runs that the project's Runs tab and the All runs view both draw: the column
 * catalogue (optional columns, metric, param and energy columns), sortable headers that ask the
 * server, and windowed rows (fixed row height; only the rows in view and an overscan are in the
 * DOM, so 10,000 runs scroll like 50). The rows are a history with holes (runpages.ts): once the
 * window settles, the pages holding its missing rows are asked for (those alone, so a jump to the
 * end loads the last page), and a missing row shows as a placeholder of the same height.
 */
import * as React from 'react';
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
import {
  defaultMetricColumns,
  differingParams,
  energyCell,
  EnergyField,
  metricValue,
  paramText,
  sortKey
} from '../runcolumns';
import { computeWindow } from './logmodel';
import { missingPages, RunRows } from '../runpages';
import { useTrans } from '../i18n';
import { useNow } from '../useModel';

/** Every row's height in px (the CSS keeps rows to one line so the window's arithmetic holds). */
export const ROW_HEIGHT = 30;

/** How long the window rests before its missing pages are asked for (a scrollbar drag passes
 * through pages nobody looks at). */
const SETTLE_MS = 60;

export interface IColumn {
  key: string;
  header: string;
  cell: (run: IRun, now: number) => React.ReactNode;
  className?: string;
  title?: (run: IRun) => string;
  /** The server's sort key when the header sorts (created, metric:TAG:STAT, param:NAME). */
  sort?: string;
}

function energyColumn(field: EnergyField, header: string): IColumn {
  return {
    key: `energy:${field}`,
    header,
    className: 'bk-energy',
    // "—" with the server's reason on hover when the figure could not be measured.
    title: r => energyCell(r.energy, field).title,
    cell: r => energyCell(r.energy, field).text
  };
}

/** The optional columns, in table order (the settings pick which show); `energy` is three. */
export function optionalColumns(trans: TranslationBundle): Record<RunColumn, IColumn[]> {
  const __ = (msg: string) => trans.__(msg);
  return {
    started: [{ key: 'started', header: trans.__('Started'), cell: r => formatTime(r.started || r.created) }],
    duration: [
      {
        key: 'duration',
        header: trans.__('Duration'),
        className: 'bk-duration',
        cell: (r, now) => formatDuration(liveDuration(r, now))
      }
    ],
    exit: [{ key: 'exit', header: trans.__('Exit'), cell: r => r.exit_code ?? '—' }],
    commit: [
      {
        key: 'commit',
        header: trans.__('Commit'),
        cell: r => (r.commit ? <code>{r.commit.slice(0, 8)}</code> : '—')
      }
    ],
    gpus: [
      {
        key: 'gpus',
        header: trans.__('GPUs'),
        cell: r => formatGpus(r),
        title: r => (r.gpus && r.gpus.length ? 'CUDA_VISIBLE_DEVICES' : trans.__('placed by the executor'))
      }
    ],
    where: [
      {
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
      }
    ],
    args: [
      {
        key: 'args',
        header: trans.__('Args'),
        className: 'bk-args',
        // The cell is cut to its width; the whole command line shows on hover.
        title: r => (r.command && r.command.length ? r.command.join(' ') : (r.args || []).join(' ')),
        cell: r => (r.args || []).join(' ')
      }
    ],
    energy: [
      energyColumn('gpu_wh', trans.__('GPU energy')),
      energyColumn('cpu_wh', trans.__('CPU energy')),
      energyColumn('cost', trans.__('Cost'))
    ]
  };
}

/** "loss:min" → the run's metrics summary value. */
export function metricColumn(spec: string): IColumn | null {
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

export function paramColumn(name: string): IColumn {
  return {
    key: `param:${name}`,
    header: name,
    className: 'bk-param',
    sort: sortKey({ param: name }),
    cell: r => paramText(r.params?.[name])
  };
}

export function projectColumn(trans: TranslationBundle): IColumn {
  return { key: 'project', header: trans.__('Project'), cell: r => r.project };
}

/** Params shown elsewhere (the Commit, GPUs and Where columns). */
const SHOWN_PARAMS = new Set(['commit', 'gpus', 'executor']);

/** The Runs tab's columns: the chosen optional ones, params that differ, then the metric columns. */
export function runColumns(trans: TranslationBundle, settings: IPanelSettings, runs: IRun[]): IColumn[] {
  const all = optionalColumns(trans);
  // "Where" only once runs have gone somewhere other than this host; energy once a run reports it.
  const showWhere = runs.some(r => describePlacement(r).label !== 'local');
  const showEnergy = runs.some(r => !!r.energy);
  const chosen = settings.runColumns
    .filter(c => (c !== 'where' || showWhere) && (c !== 'energy' || showEnergy))
    .flatMap(c => all[c]);
  const metrics = defaultMetricColumns(settings.metricColumns, runs)
    .map(metricColumn)
    .filter((c): c is IColumn => c !== null);
  const params = differingParams(runs)
    .filter(p => !SHOWN_PARAMS.has(p))
    .map(paramColumn);
  return [...chosen, ...params, ...metrics];
}

interface IRowProps {
  run: IRun;
  columns: IColumn[];
  checked: boolean;
  onCheck?: (id: string, checked: boolean) => void;
  onOpen: (id: string) => void;
  openTitle: string;
  actions?: (run: IRun) => React.ReactNode;
  rowTitle?: (run: IRun) => string | undefined;
}

function RunRow(props: IRowProps): JSX.Element {
  const { run: r, columns } = props;
  const trans = useTrans();
  const now = useNow(isActiveRun(r.state));
  return (
    <tr
      data-run={r.id}
      className={`bk-run-row bk-run-${r.state}`}
      style={{ height: ROW_HEIGHT }}
      title={props.rowTitle?.(r)}
    >
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
          title={props.openTitle}
          onClick={e => {
            e.preventDefault();
            props.onOpen(r.id);
          }}
        >
          {r.id}
        </a>
      </td>
      <td className="bk-state-cell" title={r.message || undefined}>
        <span className={`bk-badge bk-run-state bk-state-${r.state}`}>{r.state}</span>
        {r.state === 'queued' && r.queue_position ? (
          <span className="bk-muted"> #{r.queue_position}</span>
        ) : null}
        {r.message && <span className="bk-muted bk-run-message"> {r.message}</span>}
      </td>
      {columns.map(c => (
        <td key={c.key} className={c.className} title={c.title?.(r) || undefined}>
          {c.cell(r, now)}
        </td>
      ))}
      {props.actions && <td className="bk-actions">{props.actions(r)}</td>}
    </tr>
  );
}

/** The grid's checkboxes: the checked ids, the handler a row's box calls, and the checked runs
 * still listed (runs deleted meanwhile drop out), in list order, for Compare. */
export function useRunChecks(runs: IRun[]): {
  checked: Set<string>;
  onCheck: (id: string, on: boolean) => void;
  chosen: string[];
} {
  const [checked, setChecked] = React.useState<Set<string>>(() => new Set());
  const onCheck = React.useCallback(
    (id: string, on: boolean) =>
      setChecked(before => {
        const after = new Set(before);
        if (on) {
          after.add(id);
        } else {
          after.delete(id);
        }
        return after;
      }),
    []
  );
  const chosen = runs.filter(r => checked.has(r.id)).map(r => r.id);
  return { checked, onCheck, chosen };
}

/** The scroll position of a windowed list's own scroller, and the handler that follows it. */
export function useScrollWindow(): {
  ref: React.RefObject<HTMLDivElement>;
  top: number;
  height: number;
  onScroll: (e: React.UIEvent<HTMLDivElement>) => void;
} {
  const ref = React.useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = React.useState({ top: 0, height: 800 });
  React.useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(() =>
      setScroll(s => ({ ...s, height: el.clientHeight || s.height }))
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return {
    ref,
    ...scroll,
    onScroll: e => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })
  };
}

/** A windowed, sortable table of runs (the Runs tab's history, All runs). */
export function RunGrid(props: {
  /** Every run the server has in table order, undefined where its page has not loaded yet. */
  rows: RunRows;
  columns: IColumn[];
  className: string;
  /** The run id's link: its detail page (or its log). */
  onOpen: (id: string) => void;
  openTitle: string;
  checked?: Set<string>;
  onCheck?: (id: string, checked: boolean) => void;
  /** The current server sort key ('' = newest first) and a header's click. */
  sort?: string;
  onSort?: (key: string) => void;
  /** Asked for the pages (by offset) that hold the settled window's missing rows. */
  onPages?: (offsets: number[]) => void;
  actions?: (run: IRun) => React.ReactNode;
  rowTitle?: (run: IRun) => string | undefined;
}): JSX.Element {
  const { rows, columns, sort = '', onSort, onPages } = props;
  const trans = useTrans();
  const total = rows.length;
  const scroll = useScrollWindow();
  const win = computeWindow(scroll.top, scroll.height, ROW_HEIGHT, total);
  const wanted = missingPages(rows, win.start, win.end).join(',');
  React.useEffect(() => {
    if (!wanted || !onPages) {
      return;
    }
    const timer = window.setTimeout(() => onPages(wanted.split(',').map(Number)), SETTLE_MS);
    return () => window.clearTimeout(timer);
  }, [wanted, onPages]);
  const direction = (key: string): 'ascending' | 'descending' | undefined =>
    sort === key
      ? 'ascending'
      : sort === `-${key}` || (key === 'created' && !sort)
        ? 'descending'
        : undefined;
  const header = (label: string, key: string | undefined, id = label) =>
    key && onSort ? (
      <th key={id} className="bk-sortable" data-sort={key} aria-sort={direction(key)}>
        <button className="bk-sort" onClick={() => onSort(key)} title={trans.__('Sort by %1', label)}>
          {label}
        </button>
      </th>
    ) : (
      <th key={id}>{label}</th>
    );
  const span = columns.length + 2 + (props.onCheck ? 1 : 0) + (props.actions ? 1 : 0);
  const shown = rows.slice(win.start, win.end);
  return (
    <div
      className={`bk-run-grid-scroll ${props.className}-scroll`}
      ref={scroll.ref}
      onScroll={scroll.onScroll}
    >
      <table className={`bk-table bk-run-grid ${props.className}`} data-total={total}>
        <thead>
          <tr>
            {props.onCheck && <th className="bk-check" />}
            {header(trans.__('Run'), 'created')}
            <th>{trans.__('State')}</th>
            {/* Headers without the cells' classes (a monospace cell font is not the header's). */}
            {columns.map(c => header(c.header, c.sort, c.key))}
            {props.actions && <th />}
          </tr>
        </thead>
        <tbody>
          {win.padTop > 0 && (
            <tr className="bk-pad" style={{ height: win.padTop }}>
              <td colSpan={span} />
            </tr>
          )}
          {shown.map((r, i) =>
            r ? (
              <RunRow
                key={r.id}
                run={r}
                columns={columns}
                checked={!!props.checked?.has(r.id)}
                onCheck={props.onCheck}
                onOpen={props.onOpen}
                openTitle={props.openTitle}
                actions={props.actions}
                rowTitle={props.rowTitle}
              />
            ) : (
              <tr key={`row-${win.start + i}`} className="bk-run-placeholder" style={{ height: ROW_HEIGHT }}>
                <td colSpan={span} />
              </tr>
            )
          )}
          {win.padBottom > 0 && (
            <tr className="bk-pad" style={{ height: win.padBottom }}>
              <td colSpan={span} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
