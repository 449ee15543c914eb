import * as React from 'react';
import { IRun, LogEnd } from '../api';
import { BeekeeperModel } from '../model';
import { formatDuration, formatTime, formatUsage, isActiveRun, liveDuration } from '../format';
import { LogView } from '../components/LogView';
import { useLogBuffer } from '../components/useLogBuffer';
import { useTrans } from '../i18n';
import { useNow } from '../useModel';

const USAGE_EVERY_MS = 3000;

/** CPU, memory and GPU memory of a running run's whole process tree, refreshed while it runs. */
function useRunUsage(model: BeekeeperModel, runId: string | null, running: boolean): IRun['usage'] {
  const [usage, setUsage] = React.useState<IRun['usage']>(null);
  React.useEffect(() => {
    setUsage(null);
    if (!runId || !running) {
      return;
    }
    let alive = true;
    const load = () =>
      model.run(runId).then(
        r => alive && setUsage(r.usage),
        () => undefined
      );
    void load();
    const timer = window.setInterval(load, USAGE_EVERY_MS);
    return () => {
      alive = false;
      window.clearInterval(timer);
    };
  }, [model, runId, running]);
  return usage;
}

/** "r-20261122-1904 — running · 2026-11-22 19:04": each run in the picker with its state and start. */
function RunPicker(props: {
  runs: IRun[];
  selected: string | null;
  onSelect: (id: string) => void;
}): JSX.Element {
  const { runs, selected } = props;
  const trans = useTrans();
  return (
    <div className="bk-logs-pick">
      <label htmlFor="bk-log-run">{trans.__('Run')}</label>
      <select
        id="bk-log-run"
        className="jp-mod-styled"
        value={selected || ''}
        onChange={e => props.onSelect(e.target.value)}
      >
        {!selected && <option value="">{trans.__('Choose a run')}</option>}
        {runs.map(r => (
          <option key={r.id} value={r.id}>
            {r.id} — {r.state} · {formatTime(r.started || r.created)}
          </option>
        ))}
      </select>
    </div>
  );
}

function LogStatus(props: { model: BeekeeperModel; run: IRun; ended: LogEnd | null }): JSX.Element {
  const { model, run, ended } = props;
  const trans = useTrans();
  const state = ended?.state || run.state;
  const active = isActiveRun(state);
  const usage = useRunUsage(model, run.id, state === 'running');
  const now = useNow(active);
  return (
    <span className="bk-log-status">
      <span className={`bk-badge bk-state-${state}`}>{state}</span>
      {run.state === 'queued' && run.queue_position ? (
        <span className="bk-muted">{trans.__('position %1 in the queue', run.queue_position)}</span>
      ) : null}
      {active ? (
        <>
          <span className="bk-muted bk-live">{trans.__('live')}</span>
          <span className="bk-muted bk-duration">{formatDuration(liveDuration(run, now))}</span>
          {usage && (
            <span className="bk-muted bk-usage" title={trans.__("the run's whole process tree")}>
              {formatUsage(usage)}
            </span>
          )}
        </>
      ) : (
        <span className="bk-muted">
          {trans.__('exit %1', String(ended?.exit_code ?? run.exit_code ?? '—'))} ·{' '}
          {formatDuration(run.duration)}
        </span>
      )}
      {run.message && state === 'failed' && <span className="bk-error-text">{run.message}</span>}
    </span>
  );
}

/** The live log of one run, chosen from the project's runs (newest first). */
export function Logs(props: {
  model: BeekeeperModel;
  runs: IRun[];
  selected: string | null;
  onSelect: (id: string) => void;
}): JSX.Element {
  const { model, runs, selected } = props;
  const trans = useTrans();
  const run = runs.find(r => r.id === selected) || null;
  const [ended, setEnded] = React.useState<LogEnd | null>(null);
  const { buffer, version } = useLogBuffer(
    selected
      ? onData => {
          setEnded(null);
          const f = model.followRunLog(selected, onData, setEnded);
          return () => f.dispose();
        }
      : null,
    [selected]
  );
  const active = isActiveRun(ended?.state || run?.state);
  return (
    <div className="bk-logs">
      <RunPicker runs={runs} selected={selected} onSelect={props.onSelect} />
      {selected ? (
        <LogView
          buffer={buffer}
          version={version}
          status={run && <LogStatus model={model} run={run} ended={ended} />}
          downloadUrl={model.runLogUrl(selected)}
          emptyText={active ? trans.__('Waiting for output…') : trans.__('This run wrote nothing.')}
        />
      ) : (
        <div className="bk-muted bk-empty">{trans.__('No runs yet: start one from the Runs tab.')}</div>
      )}
    </div>
  );
}
