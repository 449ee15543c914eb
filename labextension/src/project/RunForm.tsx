import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { ApiError, IProject, IRun } from '../api';
import { BeekeeperModel } from '../model';
import { executorLabel, parseEnv, splitArgs } from '../format';
import { useExecutors } from '../components/useExecutors';
import { useTrans, useTranslate } from '../i18n';

const RUN_FIELDS = ['args', 'env', 'gpus', 'executor'];

/** "2" → 2 (a count), "0,1" → [0, 1] (device ids), "" → not sent. */
function parseGpus(text: string): number | number[] | undefined {
  const t = text.trim();
  if (!t) {
    return undefined;
  }
  return /^\d+$/.test(t) ? parseInt(t, 10) : t.split(',').map(x => parseInt(x.trim(), 10));
}

/** Start a run with extra arguments, environment, GPUs and (when there is a choice) an executor. */
export function RunForm(props: {
  model: BeekeeperModel;
  project: IProject;
  onStarted: (run: IRun) => void;
}): JSX.Element {
  const { model, project } = props;
  const trans = useTrans();
  const __ = useTranslate();
  const [args, setArgs] = React.useState('');
  const [env, setEnv] = React.useState('');
  const [gpus, setGpus] = React.useState('');
  const [executor, setExecutor] = React.useState('');
  const { executors, serverDefault } = useExecutors(model);
  const [error, setError] = React.useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = React.useState(false);
  const ready = project.setup.state === 'ready';

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const parsed = parseEnv(env, __);
    if (parsed.error) {
      setError({ field: 'env', message: parsed.error });
      return;
    }
    const body: Record<string, unknown> = { args: splitArgs(args), env: parsed.env };
    const g = parseGpus(gpus);
    if (g !== undefined) {
      body.gpus = g;
    }
    if (executor) {
      body.executor = executor;
    }
    setBusy(true);
    setError(null);
    try {
      props.onStarted(await model.startRun(project.name, body));
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
      <div className="bk-card-title">{trans.__('New run')}</div>
      <div className="bk-field-row">
        <div className="bk-field bk-grow" data-field="args">
          <label htmlFor="bk-run-args">{trans.__('Arguments')}</label>
          <input
            id="bk-run-args"
            className="jp-mod-styled"
            value={args}
            onChange={e => setArgs(e.target.value)}
            placeholder={trans.__('extra arguments for %1, e.g. --lr 0.01', project.train_file)}
          />
          {errorFor('args')}
        </div>
        <div className="bk-field bk-narrow" data-field="gpus">
          <label htmlFor="bk-run-gpus">{trans.__('GPUs')}</label>
          <input
            id="bk-run-gpus"
            className="jp-mod-styled"
            value={gpus}
            onChange={e => setGpus(e.target.value)}
            placeholder={trans.__('auto')}
            title={trans.__('A count (0 for CPU only) or GPU ids like 0,1')}
          />
          {errorFor('gpus')}
        </div>
        {executors.length > 1 && (
          <div className="bk-field bk-medium" data-field="executor">
            <label htmlFor="bk-run-executor">{trans.__('Run on')}</label>
            <select
              id="bk-run-executor"
              className="jp-mod-styled"
              value={executor}
              onChange={e => setExecutor(e.target.value)}
            >
              <option value="">{trans.__('Default (%1)', project.default_executor || serverDefault)}</option>
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
        <label htmlFor="bk-run-env">{trans.__('Environment (KEY=value per line)')}</label>
        <textarea
          id="bk-run-env"
          className="jp-mod-styled"
          rows={2}
          value={env}
          onChange={e => setEnv(e.target.value)}
        />
        {errorFor('env')}
      </div>
      {error && !RUN_FIELDS.includes(error.field) && <div className="bk-form-error">{error.message}</div>}
      <div className="bk-form-actions">
        <Button
          type="submit"
          className="bk-primary bk-start-run"
          disabled={busy || !ready}
          title={ready ? trans.__('Start a run') : trans.__('The project is not ready yet')}
        >
          {busy ? trans.__('Starting…') : trans.__('Run')}
        </Button>
      </div>
    </form>
  );
}
