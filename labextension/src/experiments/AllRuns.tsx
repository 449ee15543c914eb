/**
 * All runs across projects: filtered by project and state and sorted (by a metric too) on the
 * server; rows are windowed so thousands of runs scroll without thousands of DOM rows. Any run
 * opens its detail page; checked runs open in Compare.
 */
import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
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
import { PageWidget } from '../components/PageWidget';
import { useTrans } from '../i18n';
import { useModel } from '../useModel';
import { RUN_STATES } from '../states';
import { nextSort, paramText, runTags } from './data';

const LIMIT = 1000;

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

/** One filter of the list: "all", then each value. */
function Filter(props: {
  label: string;
  className: string;
  value: string;
  values: readonly string[];
  onChange: (value: string) => void;
}): JSX.Element {
  const trans = useTrans();
  return (
    <label>
      {props.label}{' '}
      <select
        className={`jp-mod-styled ${props.className}`}
        value={props.value}
        onChange={e => props.onChange(e.target.value)}
      >
        <option value="">{trans.__('all')}</option>
        {props.values.map(v => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );
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
        <Filter
          label={trans.__('Project')}
          className="bk-filter-project"
          value={project}
          values={projects}
          onChange={setProject}
        />
        <Filter
          label={trans.__('State')}
          className="bk-filter-state"
          value={state}
          values={RUN_STATES}
          onChange={setState}
        />
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
export class AllRunsWidget extends PageWidget {
  constructor(model: BeekeeperModel, trans: TranslationBundle, actions: IActions) {
    super(trans, <AllRunsBody model={model} actions={actions} />, {
      id: 'beekeeper-all-runs',
      className: 'bk-all-runs-widget',
      label: trans.__('All runs')
    });
  }
}
