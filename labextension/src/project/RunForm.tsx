import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { ApiError, IProject, IRun } from '../api';
import { BeekeeperModel } from '../model';
import { parseEnv } from '../format';
import { executorOptions, useExecutors } from '../components/useExecutors';
import { SelectField } from '../components/form/SelectField';
import { TextField } from '../components/form/TextField';
import { useTrans, useTranslate } from '../i18n';
import { IRunFields, IRunTemplate, joinArgs, presetNames, runRequest, runTemplate } from './runsdata';

const EMPTY: IRunFields = { args: '', env: '', gpus: '', executor: '', preset: '' };
const RUN_FIELDS = Object.keys(EMPTY);

type FieldError = { field: string; message: string } | null;

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

/** A draft's settings as the form shows them: env names with empty values to type again. */
function draftFields(draft: IRunDraft): IRunFields {
  const g = draft.gpus;
  return {
    args: joinArgs(draft.args),
    env: draft.envNames.map(k => `${k}=`).join('\n'),
    gpus: g === null || g === undefined ? '' : Array.isArray(g) ? g.join(',') : String(g),
    executor: draft.executor,
    preset: draft.preset
  };
}

/** The environment textarea; after "Run again", a reminder of the values to type again. */
function EnvField(props: {
  value: string;
  onChange: (value: string) => void;
  template: IRunTemplate;
  draft?: IRunDraft | null;
  error: string | null;
}): JSX.Element {
  const { value, template, draft } = props;
  const trans = useTrans();
  return (
    <div className="bk-field" data-field="env">
      <label htmlFor="bk-run-env">{trans.__('Environment (KEY=value per line)')}</label>
      <textarea
        id="bk-run-env"
        className="jp-mod-styled"
        rows={2}
        value={value}
        onChange={e => props.onChange(e.target.value)}
        placeholder={
          template.env && Object.keys(template.env).length
            ? trans.__('and from the preset: %1', Object.keys(template.env).join(', '))
            : undefined
        }
      />
      {draft && draft.envNames.length > 0 && value.split('\n').some(l => /^[^=]+=$/.test(l.trim())) && (
        <div className="bk-muted bk-env-again">
          {trans.__('Env values are never kept: type the values of %1 again.', draft.envNames.join(', '))}
        </div>
      )}
      {props.error && <div className="bk-field-error">{props.error}</div>}
    </div>
  );
}

/**
 * The form's state and its submit: a draft ("Run again") fills it, the env is checked before
 * sending, and a server error lands on its field (or on the form).
 */
function useRunForm(
  model: BeekeeperModel,
  project: IProject,
  draft: IRunDraft | null | undefined,
  onStarted: (run: IRun) => void
) {
  const __ = useTranslate();
  const [fields, setFields] = React.useState(EMPTY);
  const set = (key: keyof IRunFields) => (value: string) => setFields(f => ({ ...f, [key]: value }));
  const [error, setError] = React.useState<FieldError>(null);
  const [busy, setBusy] = React.useState(false);
  const template = runTemplate(project, fields.preset);
  const form = React.useRef<HTMLFormElement>(null);

  React.useEffect(() => {
    if (!draft) {
      return;
    }
    setFields(draftFields(draft));
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
    const parsed = parseEnv(fields.env, __);
    if (parsed.error) {
      setError({ field: 'env', message: parsed.error });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onStarted(await model.startRun(project.name, runRequest(fields, template, parsed.env)));
    } catch (err) {
      const e2 = err as ApiError;
      setError({ field: (e2.field || 'form').split('.')[0], message: e2.message });
    } finally {
      setBusy(false);
    }
  };
  const messageFor = (field: string) => (error && error.field === field ? error.message : null);
  /** What a field's input binds to: its id (`bk-run-<key>`, tests find it by it), value, setter and error. */
  const bind = (key: keyof IRunFields) => ({
    id: `bk-run-${key}`,
    field: key,
    value: fields[key],
    onChange: set(key),
    error: messageFor(key)
  });
  return { fields, set, template, error, messageFor, bind, busy, submit, form };
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
  const { executors, serverDefault } = useExecutors(model);
  const { fields, set, template, error, messageFor, bind, busy, submit, form } = useRunForm(
    model,
    project,
    draft,
    props.onStarted
  );
  const ready = project.setup.state === 'ready';
  const presets = presetNames(project);
  return (
    <form className="bk-run-form bk-card" onSubmit={submit} ref={form}>
      <div className="bk-card-title">{trans.__('New run')}</div>
      <div className="bk-field-row">
        {presets.length > 0 && (
          <SelectField
            {...bind('preset')}
            label={trans.__('Preset')}
            className="bk-medium"
            selectClassName="bk-run-preset"
            title={trans.__('Fields left empty come from the preset, then from the default run')}
            options={[
              { value: '', label: trans.__('Default run') },
              ...presets.map(p => ({ value: p, label: p }))
            ]}
          />
        )}
        <TextField
          {...bind('args')}
          label={trans.__('Arguments')}
          className="bk-grow"
          placeholder={
            template.args
              ? trans.__('empty: %1', template.args.join(' ') || trans.__('no arguments'))
              : trans.__('extra arguments for %1, e.g. --lr 0.01', project.train_file)
          }
        />
        <TextField
          {...bind('gpus')}
          label={trans.__('GPUs')}
          className="bk-narrow"
          placeholder={template.gpus !== undefined ? String(template.gpus) : trans.__('auto')}
          title={trans.__('A count (0 for CPU only) or GPU ids like 0,1')}
        />
        {executors.length > 1 && (
          <SelectField
            {...bind('executor')}
            label={trans.__('Run on')}
            className="bk-medium"
            options={executorOptions(
              executors,
              trans.__('Default (%1)', template.executor || project.default_executor || serverDefault)
            )}
          />
        )}
      </div>
      <EnvField
        value={fields.env}
        onChange={set('env')}
        template={template}
        draft={draft}
        error={messageFor('env')}
      />
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
