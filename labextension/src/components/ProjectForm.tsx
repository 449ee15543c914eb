import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { IExecutor, IProject, IPython } from '../api';
import { BeekeeperModel } from '../model';
import { parseEnv } from '../format';
import { useTrans, useTranslate } from '../i18n';
import { Field } from './form/Field';
import { IFields } from './form/fields';
import { useProjectForm } from './form/useProjectForm';
import { IBranchLookup, useBranches } from './form/useBranches';
import { executorOptions, useExecutors } from './useExecutors';
import { IOption } from './form/SelectField';

export interface IProjectFormProps {
  model: BeekeeperModel;
  /** Editing an existing project (name fixed) rather than creating one. */
  project?: IProject;
  onDone: (project: IProject) => void;
  onCancel?: () => void;
}

type Form = ReturnType<typeof useProjectForm>;

function usePythons(model: BeekeeperModel): IPython[] | null {
  const [pythons, setPythons] = React.useState<IPython[] | null>(null);
  React.useEffect(() => {
    model
      .pythons()
      .then(setPythons)
      .catch(() => setPythons([]));
  }, [model]);
  return pythons;
}

/** An input's own attributes and the form field it is bound to (its id is `bk-f-<field>`). */
type Bound<Attributes> = { form: Form; id: keyof IFields } & Omit<Attributes, 'form' | 'id'>;

/** The attributes that bind an input or a select to the form's field `id`. */
function bind(form: Form, id: keyof IFields) {
  return { id: `bk-f-${id}`, className: 'jp-mod-styled', value: form.fields[id], onChange: form.set(id) };
}

/** A text input bound to one of the form's fields; `type` and the rest go to the input. */
function Text(props: Bound<React.InputHTMLAttributes<HTMLInputElement>>): JSX.Element {
  const { form, id, ...input } = props;
  return <input {...bind(form, id)} aria-invalid={!!form.errors[id]} {...input} />;
}

/** A select bound to one of the form's fields; other attributes (data-*) go to the select. */
function Select(
  props: Bound<React.SelectHTMLAttributes<HTMLSelectElement>> & { options: IOption[] }
): JSX.Element {
  const { form, id, options, ...select } = props;
  return (
    <select {...bind(form, id)} {...select}>
      {options.map(o => (
        <option key={o.value} value={o.value} title={o.title}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

/** `value` as an option of its own when the list lacks it (a saved value the server no longer offers). */
function withValue(options: IOption[], value: string): IOption[] {
  return value && !options.some(o => o.value === value) ? [...options, { value, label: value }] : options;
}

/** The remote's branches once listed (its default marked; empty: whatever HEAD names at each setup), else free text. */
function Branch(props: { form: Form; lookup: IBranchLookup }): JSX.Element {
  const { form, lookup } = props;
  const trans = useTrans();
  const hint = lookup.loading ? trans.__('Looking up branches…') : undefined;
  if (!lookup.listing) {
    return (
      <Field id="branch" label={trans.__('Branch')} error={form.errors.branch} hint={hint}>
        <Text form={form} id="branch" placeholder={trans.__('remote default')} />
      </Field>
    );
  }
  const { branches, default: remoteDefault } = lookup.listing;
  const options = [
    {
      value: '',
      label: remoteDefault ? trans.__('Remote default (%1)', remoteDefault) : trans.__('Remote default')
    },
    ...branches.map(b => ({ value: b, label: b === remoteDefault ? trans.__('%1 (default)', b) : b }))
  ];
  return (
    <Field id="branch" label={trans.__('Branch')} error={form.errors.branch} hint={hint}>
      <Select
        form={form}
        id="branch"
        options={withValue(options, form.fields.branch)}
        data-branches={branches.length}
      />
    </Field>
  );
}

/** Name (new projects only), git URL, branch and Python. */
function Source(props: { form: Form; pythons: IPython[] | null; branches: IBranchLookup }): JSX.Element {
  const { form, pythons } = props;
  const trans = useTrans();
  // One option per version (two interpreters can report the same one).
  const versions = [...new Set((pythons || []).map(p => p.version))].map(v => ({ value: v, label: v }));
  const options = [{ value: '', label: trans.__('Default') }, ...versions];
  return (
    <>
      {!form.editing && (
        <Field
          id="name"
          label={trans.__('Name')}
          error={form.nameError}
          hint={trans.__('Letters, digits, - _ . (no spaces)')}
        >
          <Text form={form} id="name" placeholder="my-model" autoFocus />
        </Field>
      )}
      <Field id="git_url" label={trans.__('Git URL')} error={form.errors.git_url || props.branches.error}>
        <Text form={form} id="git_url" placeholder="https://github.com/you/repo.git" />
      </Field>
      <div className="bk-field-row">
        <Branch form={form} lookup={props.branches} />
        <Field id="python_version" label={trans.__('Python')} error={form.errors.python_version}>
          <Select
            form={form}
            id="python_version"
            // The saved version is added once the list is in and lacks it.
            options={pythons ? withValue(options, form.fields.python_version) : options}
          />
        </Field>
      </div>
    </>
  );
}

/** Train file, TensorBoard folder, requirements and environment variables. */
function Layout(props: { form: Form }): JSX.Element {
  const { form } = props;
  const trans = useTrans();
  const __ = useTranslate();
  const envError = form.errors.env || parseEnv(form.fields.env, __).error;
  return (
    <>
      <div className="bk-field-row">
        <Field id="train_file" label={trans.__('Train file')} error={form.errors.train_file}>
          <Text form={form} id="train_file" />
        </Field>
        <Field
          id="tensorboard_log_dir"
          label={trans.__('TensorBoard log dir')}
          error={form.errors.tensorboard_log_dir}
        >
          <Text form={form} id="tensorboard_log_dir" />
        </Field>
        <Field id="requirements_file" label={trans.__('Requirements')} error={form.errors.requirements_file}>
          <Text form={form} id="requirements_file" />
        </Field>
      </div>
      <Field
        id="env"
        label={trans.__('Environment variables')}
        error={envError}
        hint={trans.__('KEY=value, one per line')}
      >
        <textarea
          id="bk-f-env"
          className="jp-mod-styled"
          rows={3}
          value={form.fields.env}
          onChange={form.set('env')}
          placeholder="WANDB_MODE=offline"
        />
      </Field>
    </>
  );
}

function Executor(props: { form: Form; executors: IExecutor[]; serverDefault: string }): JSX.Element | null {
  const { form, executors, serverDefault } = props;
  const trans = useTrans();
  if (executors.length < 2) {
    return null;
  }
  return (
    <Field
      id="default_executor"
      label={trans.__('Runs go to')}
      error={form.errors.default_executor}
      hint={trans.__("Where this project's runs start unless a run says otherwise")}
    >
      <Select
        form={form}
        id="default_executor"
        options={executorOptions(executors, trans.__('Server default (%1)', serverDefault))}
      />
    </Field>
  );
}

function Credentials(props: { form: Form; hasCredentials: boolean }): JSX.Element {
  const { form } = props;
  const trans = useTrans();
  return (
    <>
      <div className="bk-field">
        <label className="bk-check">
          <input
            type="checkbox"
            checked={form.showCreds}
            onChange={e => form.setShowCreds(e.target.checked)}
          />
          {props.hasCredentials
            ? trans.__('Replace git credentials')
            : trans.__('Private repository (git credentials)')}
        </label>
      </div>
      {form.showCreds && (
        <div className="bk-field-row">
          <Field id="username" label={trans.__('Username')} error={form.errors.username}>
            <Text form={form} id="username" autoComplete="off" />
          </Field>
          <Field id="token" label={trans.__('Token')} error={form.errors.token}>
            <Text form={form} id="token" type="password" autoComplete="new-password" />
          </Field>
        </div>
      )}
    </>
  );
}

/** Create or edit a project. The name is checked as it is typed; server errors land on their field. */
export function ProjectForm(props: IProjectFormProps): JSX.Element {
  const { model, project } = props;
  const trans = useTrans();
  const form = useProjectForm(model, project, props.onDone);
  const pythons = usePythons(model);
  const branches = useBranches(model, form.fields, project);
  const { executors, serverDefault } = useExecutors(model);
  const submitLabel = form.editing ? trans.__('Save') : trans.__('Create project');
  return (
    <form className="bk-form" onSubmit={form.submit} noValidate>
      <Source form={form} pythons={pythons} branches={branches} />
      <Layout form={form} />
      <Executor form={form} executors={executors} serverDefault={serverDefault} />
      <Credentials form={form} hasCredentials={!!project?.has_credentials} />
      {form.errors.form && (
        <div className="bk-form-error" role="alert">
          {form.errors.form}
        </div>
      )}
      <div className="bk-form-actions">
        {props.onCancel && (
          <Button minimal onClick={props.onCancel} type="button">
            {trans.__('Cancel')}
          </Button>
        )}
        <Button type="submit" className="bk-primary" disabled={form.busy || !!form.nameError}>
          {form.busy ? trans.__('Saving…') : submitLabel}
        </Button>
      </div>
    </form>
  );
}
