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
import { IRunPage, loadedRuns, PageLoader, placePage, RUN_PAGE, RunRows } from '../runpages';
import { useTrans } from '../i18n';
import { useModel } from '../useModel';
import { RUN_STATES } from '../states';
import { nextSort, paramText, runTags } from '../runcolumns';

interface IActions {
  openRun: (id: string) => void;
  compare: (ids: string[]) => void;
}

/**
 * The list for a filter and sort: its first page, then the pages the table's window reaches (a
 * jump to the end loads the last page only); a new query starts the rows anew.
 */
function useAllRuns(
  model: BeekeeperModel,
  query: Record<string, string>
): {
  rows: RunRows;
  runs: IRun[];
  error: string | null;
  reload: () => void;
  loadPages: (offsets: number[]) => void;
} {
  const [state, setState] = React.useState({ rows: [] as RunRows, error: null as string | null });
  const [tick, setTick] = React.useState(0);
  const key = JSON.stringify(query);
  const pages = React.useRef(new PageLoader()).current;
  const fetchPage = React.useCallback(
    (offset: number) =>
      model.allRuns({ ...JSON.parse(key), limit: String(RUN_PAGE), offset: String(offset) }),
    [model, key]
  );
  // The first page replaces the rows (the old list shows until it answers); later pages fill them in.
  const first = React.useCallback(
    (offset: number, page: IRunPage) =>
      setState({ rows: placePage([], offset, page.runs, page.total), error: null }),
    []
  );
  const place = React.useCallback(
    (offset: number, page: IRunPage) =>
      setState(s => ({ rows: placePage(s.rows, offset, page.runs, page.total), error: null })),
    []
  );
  const fail = React.useCallback((e: Error) => setState(s => ({ ...s, error: e.message })), []);
  React.useEffect(() => {
    pages.reset();
    void pages.load([0], fetchPage, first, fail);
    return () => pages.reset();
  }, [pages, fetchPage, first, fail, tick]);
  const loadPages = React.useCallback(
    (offsets: number[]) => void pages.load(offsets, fetchPage, place, fail),
    [pages, fetchPage, place, fail]
  );
  const runs = React.useMemo(() => loadedRuns(state.rows), [state.rows]);
  return { ...state, runs, reload: () => setTick(t => t + 1), loadPages };
}

/** One filter of the list: "all", then each value. */
/** What All runs filters by: GET /runs?project=&state=. */
type FilterKey = 'project' | 'state';

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
  const [filters, setFilters] = React.useState<Record<FilterKey, string>>({ project: '', state: '' });
  const [sort, setSort] = React.useState('');
  // The server's query: the filters and the sort that are set ('' is "all" / newest first).
  const query = Object.fromEntries(Object.entries({ ...filters, sort }).filter(([, v]) => v));
  const filterChoices: [FilterKey, string, readonly string[]][] = [
    ['project', trans.__('Project'), projects],
    ['state', trans.__('State'), RUN_STATES]
  ];
  const { rows, runs, error, reload, loadPages } = useAllRuns(model, query);
  const total = rows.length;
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
        {filterChoices.map(([key, label, values]) => (
          <Filter
            key={key}
            label={label}
            className={`bk-filter-${key}`}
            value={filters[key]}
            values={values}
            onChange={value => setFilters(f => ({ ...f, [key]: value }))}
          />
        ))}
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
        rows={rows}
        onPages={loadPages}
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
