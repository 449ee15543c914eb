import * as React from 'react';
import { api, apiUrl, IRun, LogFollower } from '../api';
import { formatDuration, formatUsage, isActiveRun } from '../format';
import { LogView, useLogBuffer } from '../components/LogView';

const USAGE_EVERY_MS = 3000;

/** CPU, memory and GPU memory of a running run's whole process tree, refreshed while it runs. */
function useRunUsage(runId: string | null, running: boolean): IRun['usage'] {
  const [usage, setUsage] = React.useState<IRun['usage']>(null);
  React.useEffect(() => {
    setUsage(null);
    if (!runId || !running) {
      return;
    }
    let alive = true;
    const load = () =>
      api.run(runId).then(
        r => alive && setUsage(r.usage),
        () => undefined
      );
    void load();
    const timer = window.setInterval(load, USAGE_EVERY_MS);
    return () => {
      alive = false;
      window.clearInterval(timer);
    };
  }, [runId, running]);
  return usage;
}

/** The live log of one run, chosen from the project's runs (newest first). */
export function Logs(props: {
  runs: IRun[];
  selected: string | null;
  onSelect: (id: string) => void;
}): JSX.Element {
  const { runs, selected } = props;
  const run = runs.find(r => r.id === selected) || null;
  const [ended, setEnded] = React.useState<{ state?: string; exit_code?: number | null } | null>(null);
  const { buffer, version } = useLogBuffer(
    selected
      ? onData => {
          setEnded(null);
          const f = new LogFollower(`runs/${encodeURIComponent(selected)}/log/stream`, onData, setEnded);
          return () => f.dispose();
        }
      : null,
    [selected]
  );
  const state = ended?.state || run?.state;
  const usage = useRunUsage(selected, state === 'running');
  const status = run && (
    <span className="bk-log-status">
      <span className={`bk-badge bk-state-${state}`}>{state}</span>
      {run.state === 'queued' && run.queue_position ? (
        <span className="bk-muted">position {run.queue_position} in the queue</span>
      ) : null}
      {isActiveRun(state) ? (
        <>
          <span className="bk-muted bk-live">live</span>
          {usage && (
            <span className="bk-muted bk-usage" title="the run's whole process tree">
              {formatUsage(usage)}
            </span>
          )}
        </>
      ) : (
        <span className="bk-muted">
          exit {ended?.exit_code ?? run.exit_code ?? '—'} · {formatDuration(run.duration)}
        </span>
      )}
      {run.message && state === 'failed' && <span className="bk-error-text">{run.message}</span>}
    </span>
  );
  return (
    <div className="bk-logs">
      <div className="bk-logs-pick">
        <label htmlFor="bk-log-run">Run</label>
        <select
          id="bk-log-run"
          className="jp-mod-styled"
          value={selected || ''}
          onChange={e => props.onSelect(e.target.value)}
        >
          {!selected && <option value="">Choose a run</option>}
          {runs.map(r => (
            <option key={r.id} value={r.id}>
              {r.id} — {r.state}
            </option>
          ))}
        </select>
      </div>
      {selected ? (
        <LogView
          buffer={buffer}
          version={version}
          status={status}
          downloadUrl={apiUrl(`runs/${encodeURIComponent(selected)}/log`, { download: '1' })}
          emptyText={isActiveRun(state) ? 'Waiting for output…' : 'This run wrote nothing.'}
        />
      ) : (
        <div className="bk-muted bk-empty">No runs yet: start one from the Runs tab.</div>
      )}
    </div>
  );
}
