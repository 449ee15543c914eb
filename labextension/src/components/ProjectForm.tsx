import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { ApiError, api, IProject, IPython } from '../api';
import { executorLabel, formatEnv, parseEnv, validateName } from '../format';
import { useExecutors } from './useExecutors';

export interface IProjectFormProps {
  /** Editing an existing project (name fixed) rather than creating one. */
  project?: IProject;
  onDone: (project: IProject) => void;
  onCancel?: () => void;
}

interface IFields {
  name: string;
  git_url: string;
  branch: string;
  python_version: string;
  train_file: string;
  tensorboard_log_dir: string;
  requirements_file: string;
  env: string;
  default_executor: string;
  username: string;
  token: string;
}

function initial(p?: IProject): IFields {
  return {
    name: p?.name || '',
    git_url: p?.git_url || '',
    branch: p?.branch || 'main',
    python_version: p?.python_version || '',
    train_file: p?.train_file || 'train.py',
    tensorboard_log_dir: p?.tensorboard_log_dir || 'runs',
    requirements_file: p?.requirements_file ?? 'requirements.txt',
    env: formatEnv(p?.env),
    default_executor: p?.default_executor || '',
    username: '',
    token: ''
  };
}

function Field(props: {
  id: string;
  label: string;
  error?: string | null;
  hint?: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <div className={'bk-field' + (props.error ? ' bk-field-invalid' : '')} data-field={props.id}>
      <label htmlFor={`bk-f-${props.id}`}>{props.label}</label>
      {props.children}
      {props.error ? (
        <div className="bk-field-error" role="alert">
          {props.error}
        </div>
      ) : (
        props.hint && <div className="bk-field-hint">{props.hint}</div>
      )}
    </div>
  );
}

/** Create or edit a project. The name is checked as it is typed; server errors land on their field. */
export function ProjectForm(props: IProjectFormProps): JSX.Element {
  const editing = !!props.project;
  const [f, setF] = React.useState<IFields>(() => initial(props.project));
  const [touched, setTouched] = React.useState<Record<string, boolean>>({});
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [pythons, setPythons] = React.useState<IPython[] | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [showCreds, setShowCreds] = React.useState(false);
  const { executors, serverDefault } = useExecutors();

  React.useEffect(() => {
    api
      .pythons()
      .then(setPythons)
      .catch(() => setPythons([]));
  }, []);

  const set =
    (key: keyof IFields) =>
    (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => {
      const value = e.target.value;
      setF(old => ({ ...old, [key]: value }));
      setTouched(old => ({ ...old, [key]: true }));
      setErrors(old => {
        const { [key]: _, form: __, ...rest } = old;
        return rest;
      });
    };

  const nameError = editing ? null : touched.name || errors.name ? errors.name || validateName(f.name) : null;
  const envParsed = parseEnv(f.env);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    const ne = editing ? null : validateName(f.name);
    if (ne) {
      local.name = ne;
    }
    if (!f.git_url.trim()) {
      local.git_url = 'A git URL is required';
    }
    if (envParsed.error) {
      local.env = envParsed.error;
    }
    if (Object.keys(local).length) {
      setTouched({ name: true });
      setErrors(local);
      return;
    }
    const body: Record<string, unknown> = {
      git_url: f.git_url.trim(),
      branch: f.branch.trim() || 'main',
      train_file: f.train_file.trim() || 'train.py',
      tensorboard_log_dir: f.tensorboard_log_dir.trim() || 'runs',
      requirements_file: f.requirements_file.trim(),
      env: envParsed.env
    };
    if (f.python_version) {
      body.python_version = f.python_version;
    }
    if (f.default_executor || (editing && props.project?.default_executor)) {
      body.default_executor = f.default_executor || null; // '' clears it back to the server's default
    }
    if (!editing) {
      body.name = f.name.trim();
    }
    if (f.username || f.token) {
      body.credentials = { username: f.username, token: f.token };
    }
    setBusy(true);
    try {
      const project = editing
        ? await api.updateProject(props.project!.name, body)
        : await api.createProject(body);
      props.onDone(project);
    } catch (error) {
      const err = error as ApiError;
      let field = err.field || 'form';
      if (field.startsWith('credentials')) {
        setShowCreds(true);
        field = field.endsWith('username') ? 'username' : 'token';
      }
      if (field.startsWith('env')) {
        field = 'env';
      }
      const known = [
        'name',
        'git_url',
        'branch',
        'python_version',
        'train_file',
        'tensorboard_log_dir',
        'requirements_file',
        'env',
        'default_executor',
        'username',
        'token'
      ];
      setErrors({ [known.includes(field) ? field : 'form']: err.message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="bk-form" onSubmit={submit} noValidate>
      {!editing && (
        <Field id="name" label="Name" error={nameError} hint="Letters, digits, - _ . (no spaces)">
          <input
            id="bk-f-name"
            className="jp-mod-styled"
            value={f.name}
            onChange={set('name')}
            autoFocus
            placeholder="my-model"
            aria-invalid={!!nameError}
          />
        </Field>
      )}
      <Field id="git_url" label="Git URL" error={errors.git_url}>
        <input
          id="bk-f-git_url"
          className="jp-mod-styled"
          value={f.git_url}
          onChange={set('git_url')}
          placeholder="https://github.com/you/repo.git"
        />
      </Field>
      <div className="bk-field-row">
        <Field id="branch" label="Branch" error={errors.branch}>
          <input id="bk-f-branch" className="jp-mod-styled" value={f.branch} onChange={set('branch')} />
        </Field>
        <Field id="python_version" label="Python" error={errors.python_version}>
          <select
            id="bk-f-python_version"
            className="jp-mod-styled"
            value={f.python_version}
            onChange={set('python_version')}
          >
            <option value="">Default</option>
            {(pythons || []).map(p => (
              <option key={p.path} value={p.version}>
                {p.version}
              </option>
            ))}
            {f.python_version && pythons && !pythons.some(p => p.version === f.python_version) && (
              <option value={f.python_version}>{f.python_version}</option>
            )}
          </select>
        </Field>
      </div>
      <Field id="train_file" label="Train file" error={errors.train_file}>
        <input
          id="bk-f-train_file"
          className="jp-mod-styled"
          value={f.train_file}
          onChange={set('train_file')}
        />
      </Field>
      <div className="bk-field-row">
        <Field id="tensorboard_log_dir" label="TensorBoard log dir" error={errors.tensorboard_log_dir}>
          <input
            id="bk-f-tensorboard_log_dir"
            className="jp-mod-styled"
            value={f.tensorboard_log_dir}
            onChange={set('tensorboard_log_dir')}
          />
        </Field>
        <Field id="requirements_file" label="Requirements" error={errors.requirements_file}>
          <input
            id="bk-f-requirements_file"
            className="jp-mod-styled"
            value={f.requirements_file}
            onChange={set('requirements_file')}
          />
        </Field>
      </div>
      <Field
        id="env"
        label="Environment variables"
        error={errors.env || envParsed.error}
        hint="KEY=value, one per line"
      >
        <textarea
          id="bk-f-env"
          className="jp-mod-styled"
          rows={2}
          value={f.env}
          onChange={set('env')}
          placeholder="WANDB_MODE=offline"
        />
      </Field>
      {executors.length > 1 && (
        <Field
          id="default_executor"
          label="Runs go to"
          error={errors.default_executor}
          hint="Where this project's runs start unless a run says otherwise"
        >
          <select
            id="bk-f-default_executor"
            className="jp-mod-styled"
            value={f.default_executor}
            onChange={set('default_executor')}
          >
            <option value="">Server default ({serverDefault})</option>
            {executors.map(e => (
              <option key={e.name} value={e.name}>
                {executorLabel(e)}
              </option>
            ))}
          </select>
        </Field>
      )}
      <div className="bk-field">
        <label className="bk-check">
          <input type="checkbox" checked={showCreds} onChange={e => setShowCreds(e.target.checked)} />
          {editing && props.project?.has_credentials
            ? 'Replace git credentials'
            : 'Private repository (git credentials)'}
        </label>
      </div>
      {showCreds && (
        <div className="bk-field-row">
          <Field id="username" label="Username" error={errors.username}>
            <input
              id="bk-f-username"
              className="jp-mod-styled"
              value={f.username}
              onChange={set('username')}
              autoComplete="off"
            />
          </Field>
          <Field id="token" label="Token" error={errors.token}>
            <input
              id="bk-f-token"
              className="jp-mod-styled"
              type="password"
              value={f.token}
              onChange={set('token')}
              autoComplete="new-password"
            />
          </Field>
        </div>
      )}
      {errors.form && (
        <div className="bk-form-error" role="alert">
          {errors.form}
        </div>
      )}
      <div className="bk-form-actions">
        {props.onCancel && (
          <Button minimal onClick={props.onCancel} type="button">
            Cancel
          </Button>
        )}
        <Button type="submit" className="bk-primary" disabled={busy || !!nameError}>
          {busy ? 'Saving…' : editing ? 'Save' : 'Create project'}
        </Button>
      </div>
    </form>
  );
}
