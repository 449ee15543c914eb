/**
 * The project form's data, apart from its looks: initial values, the request body, local checks and
 * which field a server error belongs to. Pure, so it is unit-tested directly.
 */
import { IProject } from '../../api';
import { english, formatEnv, parseEnv, Translate, validateName } from '../../format';

export interface IFields {
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

export type FieldName = keyof IFields;
export const FIELD_NAMES = [
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
] as const satisfies readonly FieldName[];

export function initialFields(p?: IProject): IFields {
  return {
    name: p?.name || '',
    git_url: p?.git_url || '',
    branch: p?.branch ?? '', // empty: the remote's default branch (its HEAD)
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

/** Problems found before asking the server (field → message); empty when the form may be sent. */
export function localErrors(f: IFields, editing: boolean, __: Translate = english): Record<string, string> {
  const errors: Record<string, string> = {};
  const nameError = editing ? null : validateName(f.name, __);
  if (nameError) {
    errors.name = nameError;
  }
  if (!f.git_url.trim()) {
    errors.git_url = __('A git URL is required');
  }
  const env = parseEnv(f.env, __);
  if (env.error) {
    errors.env = env.error;
  }
  return errors;
}

/** The POST (create) or PATCH (edit) body; `previous` is the project being edited. */
export function requestBody(f: IFields, previous?: IProject): Record<string, unknown> {
  const body: Record<string, unknown> = {
    git_url: f.git_url.trim(),
    branch: f.branch.trim(),
    train_file: f.train_file.trim() || 'train.py',
    tensorboard_log_dir: f.tensorboard_log_dir.trim() || 'runs',
    requirements_file: f.requirements_file.trim(),
    env: parseEnv(f.env).env
  };
  if (f.python_version) {
    body.python_version = f.python_version;
  }
  if (f.default_executor || previous?.default_executor) {
    body.default_executor = f.default_executor || null; // '' clears it back to the server's default
  }
  if (!previous) {
    body.name = f.name.trim();
  }
  if (f.username || f.token) {
    body.credentials = { username: f.username, token: f.token };
  }
  return body;
}

/** How to ask for the typed URL's branches: with the typed credentials (POST), with an edited
 * project's stored ones while its URL is unchanged (POST {project}), else a GET; null without a URL. */
export function branchQuery(
  f: IFields,
  previous?: IProject
): { method: 'GET'; url: string } | { method: 'POST'; body: Record<string, unknown> } | null {
  const url = f.git_url.trim();
  if (!url) {
    return null;
  }
  if (f.username || f.token) {
    return { method: 'POST', body: { git_url: url, credentials: { username: f.username, token: f.token } } };
  }
  if (previous?.has_credentials && url === previous.git_url) {
    return { method: 'POST', body: { project: previous.name } };
  }
  return { method: 'GET', url };
}

/** The form field a server error names ("credentials.token" → token, "env.FOO" → env), else "form". */
export function errorField(field: string | null): FieldName | 'form' {
  let f = field || 'form';
  if (f.startsWith('credentials')) {
    f = f.endsWith('username') ? 'username' : 'token';
  } else if (f.startsWith('env')) {
    f = 'env';
  }
  return (FIELD_NAMES as readonly string[]).includes(f) ? (f as FieldName) : 'form';
}
