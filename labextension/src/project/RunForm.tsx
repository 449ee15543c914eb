import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { ApiError, IProject, IRun } from '../api';
import { BeekeeperModel } from '../model';
import { parseEnv, parseGpus, splitArgs } from '../format';
import { executorOptions, useExecutors } from '../components/useExecutors';
import { SelectField } from '../components/form/SelectField';
import { useTrans, useTranslate } from '../i18n';
import { joinArgs, presetNames, runTemplate } from './runsdata';

const RUN_FIELDS = ['args', 'env', 'gpus', 'executor', 'preset'];

/** What "Run again" puts in the form: a run's settings, its env names with empty values to type. */
export interface IRunDraft {
  args: string[];
  envNames: string[];
  gpus: number | number[] | null | undefined;
  executor: string;
  preset: string;
  /** Grows on every "Run again", so the same run twice fills the form twice. */
  serial: number;
}

/** One of the form's text inputs (`bk-run-<field>`), labelled, with its field's error beneath. */
function RunInput(props: {
  field: string;
  label: string;
  className: string;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  title?: string;
  error: React.ReactNode;
}): JSX.Element {
  const id = `bk-run-${props.field}`;
  return (
    <div className={`bk-field ${props.className}`} data-field={props.field}>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        className="jp-mod-styled"
        value={props.value}
        onChange={e => props.onChange(e.target.value)}
        placeholder={props.placeholder}
        title={props.title}
      />
      {props.error}
    </div>
  );
}

/**
 * Start a run with extra arguments, environment, GPUs, (when there is a choice) an executor and
 * one of the project's presets. A field left empty is left out, so the preset, then the project's
 * default_run, fills it on the server; the placeholders say what it will be.
 */
export function RunForm(props: {
  model: BeekeeperModel;
  project: IProject;
  onStarted: (run: IRun) => void;
  draft?: IRunDraft | null;
}): JSX.Element {
  const { model, project, draft } = props;
  const trans = useTrans();
  const __ = useTranslate();
  const [args, setArgs] = React.useState('');
  const [env, setEnv] = React.useState('');
  const [gpus, setGpus] = React.useState('');
  const [executor, setExecutor] = React.useState('');
  const [preset, setPreset] = React.useState('');
  const { executors, serverDefault } = useExecutors(model);
  const [error, setError] = React.useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = React.useState(false);
  const ready = project.setup.state === 'ready';
  const presets = presetNames(project);
  const template = runTemplate(project, preset);
  const form = React.useRef<HTMLFormElement>(null);

  React.useEffect(() => {
    if (!draft) {
      return;
    }
    setArgs(joinArgs(draft.args));
    setEnv(draft.envNames.map(k => `${k}=`).join('\n'));
    const g = draft.gpus;
    setGpus(g === null || g === undefined ? '' : Array.isArray(g) ? g.join(',') : String(g));
    setExecutor(draft.executor);
    setPreset(draft.preset);
    setError(null);
    form.current?.scrollIntoView({ block: 'nearest' });
    // The first env value to type again, else the Run button.
    const target = form.current?.querySelector<HTMLElement>(
      draft.envNames.length ? '#bk-run-env' : '.bk-start-run'
    );
    target?.focus();
  }, [draft]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const parsed = parseEnv(env, __);
    if (parsed.error) {
      setError({ field: 'env', message: parsed.error });
      return;
    }
    const body: Record<string, unknown> = {};
    if (args.trim() || !template.args) {
      body.args = splitArgs(args);
    }
    if (env.trim() || !template.env) {
      // Typed values over the template's (the server would replace its env whole).
      body.env = { ...(template.env || {}), ...parsed.env };
    }
    if (preset) {
      body.preset = preset;
    }
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
  const messageFor = (field: string) => (error && error.field === field ? error.message : null);
  const errorFor = (field: string) => {
    const message = messageFor(field);
    return message ? <div className="bk-field-error">{message}</div> : null;
  };

  return (
    <form className="bk-run-form bk-card" onSubmit={submit} ref={form}>
      <div className="bk-card-title">{trans.__('New run')}</div>
      <div className="bk-field-row">
        {presets.length > 0 && (
          <SelectField
            id="bk-run-preset"
            label={trans.__('Preset')}
            field="preset"
            className="bk-medium"
            selectClassName="bk-run-preset"
            error={messageFor('preset')}
            value={preset}
            title={trans.__('Fields left empty come from the preset, then from the default run')}
            options={[
              { value: '', label: trans.__('Default run') },
              ...presets.map(p => ({ value: p, label: p }))
            ]}
            onChange={setPreset}
          />
        )}
        <RunInput
          field="args"
          label={trans.__('Arguments')}
          className="bk-grow"
          value={args}
          onChange={setArgs}
          placeholder={
            template.args
              ? trans.__('empty: %1', template.args.join(' ') || trans.__('no arguments'))
              : trans.__('extra arguments for %1, e.g. --lr 0.01', project.train_file)
          }
          error={errorFor('args')}
        />
        <RunInput
          field="gpus"
          label={trans.__('GPUs')}
          className="bk-narrow"
          value={gpus}
          onChange={setGpus}
          placeholder={template.gpus !== undefined ? String(template.gpus) : trans.__('auto')}
          title={trans.__('A count (0 for CPU only) or GPU ids like 0,1')}
          error={errorFor('gpus')}
        />
        {executors.length > 1 && (
          <SelectField
            id="bk-run-executor"
            label={trans.__('Run on')}
            field="executor"
            className="bk-medium"
            error={messageFor('executor')}
            value={executor}
            options={executorOptions(
              executors,
              trans.__('Default (%1)', template.executor || project.default_executor || serverDefault)
            )}
            onChange={setExecutor}
          />
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
          placeholder={
            template.env && Object.keys(template.env).length
              ? trans.__('and from the preset: %1', Object.keys(template.env).join(', '))
              : undefined
          }
        />
        {draft && draft.envNames.length > 0 && env.split('\n').some(l => /^[^=]+=$/.test(l.trim())) && (
          <div className="bk-muted bk-env-again">
            {trans.__('Env values are never kept: type the values of %1 again.', draft.envNames.join(', '))}
          </div>
        )}
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
