/**
 * Compare: the chosen runs side by side, one chart per tag with one line per run (smoothing, step
 * or relative time on x, log scale), and beneath them the runs' params with the differences marked.
 */
import * as React from 'react';
import { TranslationBundle } from '@jupyterlab/translation';
import { IRun } from '../api';
import { BeekeeperModel } from '../model';
import { useTrans } from '../i18n';
import { differingParams, paramNames, paramText, runTags } from '../runcolumns';
import { PALETTE } from './MetricChart';
import { TagCharts } from './TagCharts';
import { Table } from '../components/Table';
import { ActionLink } from '../components/ActionLink';
import { PageWidget } from '../components/PageWidget';
import { Pending } from '../components/Pending';

/** The runs' current records, fetched once (a run that is gone shows as an error). */
export function useRunRecords(
  model: BeekeeperModel,
  ids: string[]
): { runs: IRun[]; errors: string[]; loading: boolean } {
  const [state, setState] = React.useState({ runs: [] as IRun[], errors: [] as string[], loading: true });
  const key = ids.join(',');
  React.useEffect(() => {
    let alive = true;
    void Promise.allSettled(ids.map(id => model.run(id))).then(results => {
      if (!alive) {
        return;
      }
      const runs: IRun[] = [];
      const errors: string[] = [];
      results.forEach((r, i) =>
        r.status === 'fulfilled'
          ? runs.push(r.value)
          : errors.push(`${ids[i]}: ${(r.reason as Error).message}`)
      );
      setState({ runs, errors, loading: false });
    });
    return () => {
      alive = false;
    };
    // `key` stands for `ids`: a new array with the same runs is the same request.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, key]);
  return state;
}

/** A run's legend name: its id and the params that differ between the compared runs. */
export function runLabel(run: IRun, differing: string[]): string {
  const params = differing.map(p => `${p}=${paramText(run.params?.[p])}`).join(' ');
  return params ? `${run.id} ${params}` : run.id;
}

/** The params of the runs side by side; rows whose values differ are marked. */
export function ParamsTable(props: { runs: IRun[]; onOpenRun?: (id: string) => void }): JSX.Element {
  const { runs } = props;
  const trans = useTrans();
  const names = paramNames(runs);
  const differing = new Set(differingParams(runs));
  if (!names.length) {
    return <div className="bk-muted">{trans.__('These runs have no params.')}</div>;
  }
  const headers = [
    trans.__('Param'),
    ...runs.map((r, i) => (
      <React.Fragment key={r.id}>
        <span className="bk-swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
        <RunLink id={r.id} onOpen={props.onOpenRun} />
      </React.Fragment>
    ))
  ];
  return (
    <Table className="bk-params-table" headers={headers}>
      {names.map(name => (
        <tr key={name} data-param={name} className={differing.has(name) ? 'bk-param-differs' : undefined}>
          <td>{name}</td>
          {runs.map(r => (
            <td key={r.id}>{paramText(r.params?.[name])}</td>
          ))}
        </tr>
      ))}
    </Table>
  );
}

/** A run id that opens the run's page. */
export function RunLink(props: { id: string; onOpen?: (id: string) => void }): JSX.Element {
  const trans = useTrans();
  if (!props.onOpen) {
    return <code>{props.id}</code>;
  }
  return (
    <ActionLink
      className="bk-run-link"
      title={trans.__('Open the run')}
      onClick={() => props.onOpen?.(props.id)}
    >
      {props.id}
    </ActionLink>
  );
}

function CompareBody(props: {
  model: BeekeeperModel;
  ids: string[];
  onOpenRun: (id: string) => void;
}): JSX.Element {
  const { model, ids } = props;
  const trans = useTrans();
  const { runs, errors, loading } = useRunRecords(model, ids);
  const allTags = React.useMemo(() => runTags(runs), [runs]);
  const [hidden, setHidden] = React.useState<Set<string>>(() => new Set());
  const tags = React.useMemo(() => allTags.filter(t => !hidden.has(t)), [allTags, hidden]);
  const labels = React.useMemo(() => {
    const differing = differingParams(runs);
    return new Map(runs.map(r => [r.id, runLabel(r, differing)]));
  }, [runs]);
  return (
    <div className="bk-compare-page">
      <h2 className="bk-form-page-title">{trans.__('Compare %1 runs', ids.length)}</h2>
      {errors.map(e => (
        <div key={e} className="bk-form-error">
          {e}
        </div>
      ))}
      {loading ? (
        <Pending />
      ) : (
        <>
          <TagCharts model={model} runs={runs} tags={tags} fetchTags={allTags} labels={labels}>
            {allTags.length > 1 && (
              <div className="bk-tag-picker">
                {allTags.map(t => (
                  <label key={t}>
                    <input
                      type="checkbox"
                      checked={!hidden.has(t)}
                      onChange={e =>
                        setHidden(before => {
                          const after = new Set(before);
                          if (e.target.checked) {
                            after.delete(t);
                          } else {
                            after.add(t);
                          }
                          return after;
                        })
                      }
                    />
                    {t}
                  </label>
                ))}
              </div>
            )}
            {!allTags.length && (
              <div className="bk-muted">{trans.__('These runs have logged no scalars yet.')}</div>
            )}
          </TagCharts>
          <h3>{trans.__('Params')}</h3>
          <ParamsTable runs={runs} onOpenRun={props.onOpenRun} />
        </>
      )}
    </div>
  );
}

/** The Compare view in the main area. */
export class CompareWidget extends PageWidget {
  constructor(
    model: BeekeeperModel,
    trans: TranslationBundle,
    ids: string[],
    onOpenRun: (id: string) => void
  ) {
    super(trans, <CompareBody model={model} ids={ids} onOpenRun={onOpenRun} />, {
      id: `beekeeper-compare-${ids.join('-')}`,
      className: 'bk-compare-widget',
      label: trans.__('Compare %1 runs', ids.length),
      caption: ids.join(', ')
    });
  }
}
