/**
 * All runs across projects: filtered by project and state and sorted (by a metric too) on the
 * server; rows are windowed so thousands of runs scroll without thousands of DOM rows. Any run
 * opens its detail page; checked runs open in Compare.
 */
import * as React from 'react';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { Button, ReactWidget } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { IRun } from '../api';
import { BeekeeperModel } from '../model';
import { formatDuration, formatTime, formatValue } from '../format';
import { computeWindow } from '../components/logmodel';
import { beeIcon } from '../icons';
import { TransContext, useTrans } from '../i18n';
import { useModel } from '../useModel';
import { metricValue, paramText, runTags } from './data';
import { RunLink } from './CompareView';

const ROW_HEIGHT = 28;
const LIMIT = 1000;
const STATES = ['queued', 'starting', 'running', 'succeeded', 'failed', 'stopped', 'lost'];

interface IActions {
  openRun: (id: string) => void;
  compare: (ids: string[]) => void;
}

function useAllRuns(
  model: BeekeeperModel,
  query: Record<string, string>
): { runs: IRun[]; total: number; error: string | null; reload: () => void } {
  const [state, setState] = React.useState({ runs: [] as IRun[], total: 0, error: null as string | null });
  const [tick, setTick] = React.useState(0);
  const key = JSON.stringify(query);
  React.useEffect(() => {
    let alive = true;
    model.allRuns({ ...query, limit: String(LIMIT) }).then(
      r => alive && setState({ runs: r.runs, total: r.total, error: null }),
      e => alive && setState(s => ({ ...s, error: (e as Error).message }))
    );
    return () => {
      alive = false;
    };
    // `key` stands for `query`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, key, tick]);
  return { ...state, reload: () => setTick(t => t + 1) };
}

function AllRunsBody(props: { model: BeekeeperModel; actions: IActions }): JSX.Element {
  const { model, actions } = props;
  const trans = useTrans();
  const projects = useModel(model, m => m.projects.map(p => p.name));
  const [project, setProject] = React.useState('');
  const [state, setState] = React.useState('');
  const [sort, setSort] = React.useState('');
  const query: Record<string, string> = {};
  if (project) {
    query.project = project;
  }
  if (state) {
    query.state = state;
  }
  if (sort) {
    query.sort = sort;
  }
  const { runs, total, error, reload } = useAllRuns(model, query);
  const tags = React.useMemo(() => runTags(runs).slice(0, 3), [runs]);
  const [sortTags, setSortTags] = React.useState<string[]>([]);
  React.useEffect(() => {
    // The sort menu keeps the tags it offered once runs had them (a filter must not lose the choice).
    setSortTags(before => [...before, ...runTags(runs).filter(t => !before.includes(t))]);
  }, [runs]);
  const [checked, setChecked] = React.useState<Set<string>>(() => new Set());
  const scroller = React.useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = React.useState({ top: 0, height: 600 });
  const win = computeWindow(scroll.top, scroll.height, ROW_HEIGHT, runs.length);
  const toggle = (id: string, on: boolean) =>
    setChecked(before => {
      const after = new Set(before);
      if (on) {
        after.add(id);
      } else {
        after.delete(id);
      }
      return after;
    });
  const chosen = runs.filter(r => checked.has(r.id)).map(r => r.id);
  const columns = 6 + tags.length;
  return (
    <div className="bk-compare-page bk-all-runs">
      <h2 className="bk-form-page-title">{trans.__('All runs')}</h2>
      <div className="bk-all-runs-filters">
        <label>
          {trans.__('Project')}{' '}
          <select
            className="jp-mod-styled bk-filter-project"
            value={project}
            onChange={e => setProject(e.target.value)}
          >
            <option value="">{trans.__('all')}</option>
            {projects.map(p => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          {trans.__('State')}{' '}
          <select
            className="jp-mod-styled bk-filter-state"
            value={state}
            onChange={e => setState(e.target.value)}
          >
            <option value="">{trans.__('all')}</option>
            {STATES.map(s => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          {trans.__('Sort')}{' '}
          <select className="jp-mod-styled bk-sort-by" value={sort} onChange={e => setSort(e.target.value)}>
            <option value="">{trans.__('newest first')}</option>
            {sortTags.flatMap(t => [
              <option key={`${t}:min`} value={`metric:${t}:min`}>
                {trans.__('%1 (lowest first)', t)}
              </option>,
              <option key={`${t}:max`} value={`-metric:${t}:max`}>
                {trans.__('%1 (highest first)', t)}
              </option>
            ])}
          </select>
        </label>
        <Button small minimal onClick={reload}>
          {trans.__('Refresh')}
        </Button>
        <Button
          small
          className="bk-compare"
          disabled={!chosen.length}
          onClick={() => actions.compare(chosen)}
        >
          {chosen.length ? trans.__('Compare (%1)', chosen.length) : trans.__('Compare')}
        </Button>
        <span className="bk-muted">
          {total > runs.length ? trans.__('%1 of %2 runs', runs.length, total) : trans.__('%1 runs', total)}
        </span>
      </div>
      {error && <div className="bk-form-error">{error}</div>}
      <div
        className="bk-all-runs-scroll"
        ref={scroller}
        onScroll={e => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
      >
        <table className="bk-table bk-all-runs-table">
          <thead>
            <tr>
              <th />
              <th>{trans.__('Run')}</th>
              <th>{trans.__('Project')}</th>
              <th>{trans.__('State')}</th>
              <th>{trans.__('Started')}</th>
              <th>{trans.__('Duration')}</th>
              {tags.map(t => (
                <th key={t} className="bk-metric">
                  {t}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {win.padTop > 0 && (
              <tr style={{ height: win.padTop }}>
                <td colSpan={columns} />
              </tr>
            )}
            {runs.slice(win.start, win.end).map(r => (
              <tr
                key={r.id}
                data-run={r.id}
                style={{ height: ROW_HEIGHT }}
                title={Object.entries(r.params || {})
                  .map(([k, v]) => `${k}=${paramText(v)}`)
                  .join(' ')}
              >
                <td className="bk-check">
                  <input
                    type="checkbox"
                    checked={checked.has(r.id)}
                    onChange={e => toggle(r.id, e.target.checked)}
                  />
                </td>
                <td>
                  <RunLink id={r.id} onOpen={actions.openRun} />
                </td>
                <td>{r.project}</td>
                <td>
                  <span className={`bk-badge bk-state-${r.state}`}>{r.state}</span>
                </td>
                <td>{formatTime(r.started || r.created)}</td>
                <td>{formatDuration(r.duration)}</td>
                {tags.map(t => {
                  const v = metricValue(r, t, 'last');
                  return (
                    <td key={t} className="bk-metric">
                      {v === null ? '—' : formatValue(v)}
                    </td>
                  );
                })}
              </tr>
            ))}
            {win.padBottom > 0 && (
              <tr style={{ height: win.padBottom }}>
                <td colSpan={columns} />
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** "Beekeeper: All Runs" in the main area. */
export class AllRunsWidget extends MainAreaWidget<ReactWidget> {
  constructor(model: BeekeeperModel, trans: TranslationBundle, actions: IActions) {
    const content = ReactWidget.create(
      <TransContext.Provider value={trans}>
        <AllRunsBody model={model} actions={actions} />
      </TransContext.Provider>
    );
    content.addClass('bk-page-widget');
    super({ content });
    this.id = 'beekeeper-all-runs';
    this.addClass('bk-all-runs-widget');
    this.title.label = trans.__('All runs');
    this.title.icon = beeIcon;
    this.title.closable = true;
  }
}
