import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { Notification } from '@jupyterlab/apputils';
import { ApiError, api, IProject, IRun } from '../api';
import {
  describePlacement,
  executorLabel,
  formatDuration,
  formatGpus,
  formatTime,
  isActiveRun,
  parseEnv,
  splitArgs
} from '../format';
import { confirmDanger } from '../components/confirm';
import { useExecutors } from '../components/useExecutors';

function RunForm(props: { project: IProject; onStarted: (run: IRun) => void }): JSX.Element {
  const [args, setArgs] = React.useState('');
  const [env, setEnv] = React.useState('');
  const [gpus, setGpus] = React.useState('');
  const [executor, setExecutor] = React.useState('');
  const { executors, serverDefault } = useExecutors();
  const [error, setError] = React.useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = React.useState(false);
  const ready = props.project.setup.state === 'ready';

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const parsed = parseEnv(env);
    if (parsed.error) {
      setError({ field: 'env', message: parsed.error });
      return;
    }
    const body: Record<string, unknown> = { args: splitArgs(args), env: parsed.env };
    if (gpus.trim()) {
      body.gpus = /^\d+$/.test(gpus.trim())
        ? parseInt(gpus.trim(), 10)
        : gpus.split(',').map(x => parseInt(x.trim(), 10));
    }
    if (executor) {
      body.executor = executor;
    }
    setBusy(true);
    setError(null);
    try {
      props.onStarted(await api.startRun(props.project.name, body));
    } catch (err) {
      const e2 = err as ApiError;
      setError({ field: (e2.field || 'form').split('.')[0], message: e2.message });
    } finally {
      setBusy(false);
    }
  };
  const errorFor = (field: string) =>
    error && error.field === field ? <div className="bk-field-error">{error.message}</div> : null;

  return (
    <form className="bk-run-form bk-card" onSubmit={submit}>
      <div className="bk-card-title">New run</div>
      <div className="bk-field-row">
        <div className="bk-field bk-grow" data-field="args">
          <label htmlFor="bk-run-args">Arguments</label>
          <input
            id="bk-run-args"
            className="jp-mod-styled"
            value={args}
            onChange={e => setArgs(e.target.value)}
            placeholder={`extra arguments for ${props.project.train_file}, e.g. --lr 0.01`}
          />
          {errorFor('args')}
        </div>
        <div className="bk-field bk-narrow" data-field="gpus">
          <label htmlFor="bk-run-gpus">GPUs</label>
          <input
            id="bk-run-gpus"
            className="jp-mod-styled"
            value={gpus}
            onChange={e => setGpus(e.target.value)}
            placeholder="auto"
            title="A count (0 for CPU only) or GPU ids like 0,1"
          />
          {errorFor('gpus')}
        </div>
        {executors.length > 1 && (
          <div className="bk-field bk-medium" data-field="executor">
            <label htmlFor="bk-run-executor">Run on</label>
            <select
              id="bk-run-executor"
              className="jp-mod-styled"
              value={executor}
              onChange={e => setExecutor(e.target.value)}
            >
              <option value="">Default ({props.project.default_executor || serverDefault})</option>
              {executors.map(x => (
                <option key={x.name} value={x.name} title={x.detail || ''}>
                  {executorLabel(x)}
                </option>
              ))}
            </select>
            {errorFor('executor')}
          </div>
        )}
      </div>
      <div className="bk-field" data-field="env">
        <label htmlFor="bk-run-env">Environment (KEY=value per line)</label>
        <textarea
          id="bk-run-env"
          className="jp-mod-styled"
          rows={2}
          value={env}
          onChange={e => setEnv(e.target.value)}
        />
        {errorFor('env')}
      </div>
      {error && !['args', 'env', 'gpus', 'executor'].includes(error.field) && (
        <div className="bk-form-error">{error.message}</div>
      )}
      <div className="bk-form-actions">
        <Button
          type="submit"
          className="bk-primary bk-start-run"
          disabled={busy || !ready}
          title={ready ? 'Start a run' : 'The project is not ready yet'}
        >
          {busy ? 'Starting…' : 'Run'}
        </Button>
      </div>
    </form>
  );
}

export function Runs(props: {
  project: IProject;
  runs: IRun[];
  onShowLog: (id: string) => void;
  onDeleted: (id: string) => void;
}): JSX.Element {
  const { project, runs } = props;
  // A "Where" column only once runs have gone somewhere other than this host.
  const showWhere = runs.some(r => describePlacement(r).label !== 'local');
  const stop = async (run: IRun) => {
    try {
      await api.stopRun(run.id);
    } catch (error) {
      Notification.error(`Stop ${run.id}: ${(error as Error).message}`, { autoClose: 8000 });
    }
  };
  const remove = async (run: IRun) => {
    const agreed = await confirmDanger(
      `Delete run ${run.id}?`,
      'Its log, run record and run folder are removed. Files it wrote under src/ stay.',
      'Delete'
    );
    if (!agreed) {
      return;
    }
    try {
      await api.deleteRun(run.id);
      props.onDeleted(run.id);
    } catch (error) {
      Notification.error(`Delete ${run.id}: ${(error as Error).message}`, { autoClose: 8000 });
    }
  };
  return (
    <div className="bk-runs">
      <RunForm project={project} onStarted={run => props.onShowLog(run.id)} />
      <div className="bk-card">
        <div className="bk-card-title">History</div>
        {!runs.length ? (
          <div className="bk-muted">No runs yet.</div>
        ) : (
          <table className="bk-table bk-runs-table">
            <thead>
              <tr>
                <th>Run</th>
                <th>State</th>
                <th>Started</th>
                <th>Duration</th>
                <th>Exit</th>
                <th>Commit</th>
                <th>GPUs</th>
                {showWhere && <th>Where</th>}
                <th>Args</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {runs.map(r => (
                <tr key={r.id} data-run={r.id} className={`bk-run-row bk-run-${r.state}`}>
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
                  <td>{formatTime(r.started || r.created)}</td>
                  <td>{formatDuration(r.duration)}</td>
                  <td>{r.exit_code ?? '—'}</td>
                  <td>{r.commit ? <code>{r.commit.slice(0, 8)}</code> : '—'}</td>
                  <td title={r.gpus && r.gpus.length ? 'CUDA_VISIBLE_DEVICES' : 'placed by the executor'}>
                    {formatGpus(r)}
                  </td>
                  {showWhere && (
                    <td className="bk-where" title={describePlacement(r).note}>
                      {describePlacement(r).label}
                      {r.mode === 'working-dir' && (
                        <span className="bk-muted"> (outputs stay on the node)</span>
                      )}
                    </td>
                  )}
                  <td className="bk-args" title={(r.args || []).join(' ')}>
                    {(r.args || []).join(' ')}
                  </td>
                  <td className="bk-actions">
                    <Button small minimal onClick={() => props.onShowLog(r.id)}>
                      Logs
                    </Button>
                    {isActiveRun(r.state) ? (
                      <Button small className="bk-stop" onClick={() => stop(r)}>
                        Stop
                      </Button>
                    ) : (
                      <Button
                        small
                        minimal
                        className="bk-delete-run"
                        onClick={() => remove(r)}
                        title="Delete this run's log and record"
                      >
                        Delete
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
