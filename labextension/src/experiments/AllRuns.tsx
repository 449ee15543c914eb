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
import {
  IColumn,
  metricColumn,
  optionalColumns,
  projectColumn,
  RunGrid,
  useRunChecks
} from '../components/RunGrid';
import { beeIcon } from '../icons';
import { TransContext, useTrans } from '../i18n';
import { useModel } from '../useModel';
import { nextSort, paramText, runTags } from './data';

const LIMIT = 1000;
const STATES = ['queued', 'starting', 'running', 'succeeded', 'failed', 'stopped', 'lost'];

interface IActions {
  openRun: (id: string) => void;
  compare: (ids: string[]) => void;
}

function useAllRuns(
  model: BeekeeperModel,
  query: Record<string, string>
): { runs: IRun[]; total: number; error: string | null; reload: () => void; more: () => void } {
  const [state, setState] = React.useState({ runs: [] as IRun[], total: 0, error: null as string | null });
  const [tick, setTick] = React.useState(0);
  const key = JSON.stringify(query);
  const loading = React.useRef(false);
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
  // The next page, in the same order, when the window nears the end of the loaded rows.
  const more = React.useCallback(() => {
    if (loading.current) {
      return;
    }
    loading.current = true;
    const offset = state.runs.length;
    model
      .allRuns({ ...JSON.parse(key), limit: String(LIMIT), offset: String(offset) })
      .then(
        r =>
          setState(s =>
            s.runs.length === offset ? { runs: [...s.runs, ...r.runs], total: r.total, error: null } : s
          ),
        e => setState(s => ({ ...s, error: (e as Error).message }))
      )
      .finally(() => {
        loading.current = false;
      });
  }, [model, key, state.runs.length]);
  return { ...state, reload: () => setTick(t => t + 1), more };
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
  const { runs, total, error, reload, more } = useAllRuns(model, query);
  const tags = React.useMemo(() => runTags(runs).slice(0, 3), [runs]);
  const [sortTags, setSortTags] = React.useState<string[]>([]);
  React.useEffect(() => {
    // The sort menu keeps the tags it offered once runs had them (a filter must not lose the choice).
    setSortTags(before => [...before, ...runTags(runs).filter(t => !before.includes(t))]);
  }, [runs]);
  const { checked, onCheck: toggle, chosen } = useRunChecks(runs);
  // The same column catalogue as the Runs tab: project, start, duration, then metrics.
  const columns = React.useMemo(() => {
    const all = optionalColumns(trans);
    const metrics = tags.map(metricColumn).filter((c): c is IColumn => c !== null);
    return [projectColumn(trans), ...all.started, ...all.duration, ...metrics];
  }, [trans, tags]);
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
      <RunGrid
        runs={runs}
        total={total}
        onMore={more}
        columns={columns}
        className="bk-all-runs-table"
        onOpen={actions.openRun}
        openTitle={trans.__('Open the run')}
        checked={checked}
        onCheck={toggle}
        sort={sort}
        onSort={key => setSort(nextSort(sort, key))}
        rowTitle={r =>
          Object.entries(r.params || {})
            .map(([k, v]) => `${k}=${paramText(v)}`)
            .join(' ')
        }
      />
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
