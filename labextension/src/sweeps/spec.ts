/**
 * The New sweep form's arithmetic, free of React so it is unit-tested: the form's rows → the
 * request body (the server checks it again and names the field of anything wrong), the live trial
 * count, and which row a server error's field belongs to.
 */
import { parseEnv, parseGpus, splitArgs, Translate } from '../format';

export type Method = 'grid' | 'random';
export type Delivery = 'args' | 'template' | 'env';
export type Goal = 'min' | 'max';
export type Summary = 'last' | 'min' | 'max';

/** One parameter row: a list of values, or (random sweeps) a min/max range. */
export interface IParamRow {
  name: string;
  kind: 'values' | 'range';
  /** Comma-separated: "0.1, 0.01" or "adam, sgd". */
  values: string;
  min: string;
  max: string;
  log: boolean;
  integer: boolean;
}

export interface ISweepForm {
  method: Method;
  trials: string;
  seed: string;
  params: IParamRow[];
  delivery: Delivery;
  /** args_template as a command line, e.g. "--lr={lr} --work-dir=out/{run_id}". */
  template: string;
  args: string;
  env: string;
  gpus: string;
  executor: string;
  maxParallel: string;
  metric: string;
  goal: Goal;
  summary: Summary;
  earlyStop: boolean;
  minSteps: string;
}

/** Grids over more trials than this need the user's confirmation (the server's rule too). */
export const CONFIRM_OVER = 1000;

export function emptyRow(): IParamRow {
  return { name: '', kind: 'values', values: '', min: '', max: '', log: false, integer: false };
}

export function emptyForm(): ISweepForm {
  return {
    method: 'grid',
    trials: '10',
    seed: '',
    params: [emptyRow()],
    delivery: 'args',
    template: '',
    args: '',
    env: '',
    gpus: '',
    executor: '',
    maxParallel: '',
    metric: '',
    goal: 'min',
    summary: 'last',
    earlyStop: false,
    minSteps: '0'
  };
}

/** "0.1, 0.01" → [0.1, 0.01]; "adam, sgd" → ["adam", "sgd"]; true/false/null as themselves. */
export function parseValues(text: string): (string | number | boolean | null)[] {
  return text
    .split(',')
    .map(s => s.trim())
    .filter(s => s.length > 0)
    .map(s => {
      if (s === 'true' || s === 'false') {
        return s === 'true';
      }
      if (s === 'null') {
        return null;
      }
      const n = Number(s);
      return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) && isFinite(n) ? n : s;
    });
}

function whole(text: string): number | null {
  const t = text.trim();
  return /^\d+$/.test(t) ? parseInt(t, 10) : null;
}

/** The rows that take part: a row without a name is a blank line of the form. */
function named(form: ISweepForm): IParamRow[] {
  return form.params.filter(r => r.name.trim());
}

/**
 * How many trials the form makes: a grid's product of value counts, or a random sweep's
 * `trials`; null while that cannot be said (a grid row with no values or a range, no trials).
 */
export function trialCount(form: ISweepForm): number | null {
  const rows = named(form);
  if (form.method === 'random') {
    const n = whole(form.trials);
    return n !== null && n > 0 && rows.length ? n : null;
  }
  if (!rows.length) {
    return null;
  }
  let product = 1;
  for (const r of rows) {
    const count = r.kind === 'values' ? parseValues(r.values).length : 0;
    if (!count) {
      return null;
    }
    product *= count;
  }
  return product;
}

export interface IFieldError {
  field: string;
  message: string;
}

function number(text: string): number | null {
  const n = Number(text.trim());
  return text.trim() && isFinite(n) ? n : null;
}

function parameter(row: IParamRow, method: Method, __: Translate): Record<string, unknown> | IFieldError {
  const field = `parameters.${row.name.trim()}`;
  if (row.kind === 'values' || method === 'grid') {
    const values = parseValues(row.values);
    if (!values.length) {
      return { field: `${field}.values`, message: __('Give at least one value, comma-separated') };
    }
    return { values };
  }
  const min = number(row.min);
  const max = number(row.max);
  if (min === null) {
    return { field: `${field}.min`, message: __('min must be a number') };
  }
  if (max === null) {
    return { field: `${field}.max`, message: __('max must be a number') };
  }
  return { min, max, log: row.log, integer: row.integer };
}

function objective(form: ISweepForm): Record<string, unknown> | undefined {
  const metric = form.metric.trim();
  return metric ? { metric, goal: form.goal, summary: form.summary } : undefined;
}

/**
 * The POST /projects/{name}/sweeps body, or the first error found before sending (named by the
 * server's field names, so it shows where a server 400 would).
 */
export function buildBody(
  form: ISweepForm,
  __: Translate,
  confirm = false
): { body: Record<string, unknown> } | { error: IFieldError } {
  const rows = named(form);
  if (!rows.length) {
    return { error: { field: 'parameters', message: __('Add at least one parameter') } };
  }
  const parameters: Record<string, unknown> = {};
  for (const row of rows) {
    const spec = parameter(row, form.method, __);
    if ('field' in spec) {
      return { error: spec as IFieldError };
    }
    parameters[row.name.trim()] = spec;
  }
  const body: Record<string, unknown> = { method: form.method, parameters };
  if (form.method === 'random') {
    const trials = whole(form.trials);
    if (trials === null || trials < 1) {
      return { error: { field: 'trials', message: __('trials must be a whole number of at least 1') } };
    }
    body.trials = trials;
    if (form.seed.trim()) {
      const seed = whole(form.seed);
      if (seed === null) {
        return { error: { field: 'seed', message: __('seed must be a whole number') } };
      }
      body.seed = seed;
    }
  }
  if (form.delivery === 'env') {
    body.as = 'env';
  } else if (form.delivery === 'template') {
    body.args_template = splitArgs(form.template);
  }
  const env = parseEnv(form.env, __);
  if (env.error) {
    return { error: { field: 'env', message: env.error } };
  }
  body.args = splitArgs(form.args);
  body.env = env.env;
  const gpus = parseGpus(form.gpus);
  if (gpus !== undefined) {
    body.gpus = gpus;
  }
  if (form.executor) {
    body.executor = form.executor;
  }
  if (form.maxParallel.trim()) {
    const n = whole(form.maxParallel);
    if (n === null || n < 1) {
      return {
        error: { field: 'max_parallel', message: __('max parallel must be a whole number of at least 1') }
      };
    }
    body.max_parallel = n;
  }
  const goal = objective(form);
  if (goal) {
    body.objective = goal;
  }
  if (form.earlyStop) {
    const minSteps = whole(form.minSteps || '0');
    if (minSteps === null) {
      return { error: { field: 'early_stop.min_steps', message: __('min steps must be a whole number') } };
    }
    body.early_stop = { rule: 'median', min_steps: minSteps };
  }
  if (confirm) {
    body.confirm = true;
  }
  return { body };
}

/**
 * Where an error's field shows: a parameter row's index and its part ("values", "min", …) for
 * `parameters.NAME.PART`, else the top-level field ("objective.metric" → "objective").
 * Parameter names may hold dots, so the longest row name that fits wins.
 */
export function errorPlace(
  field: string,
  rows: IParamRow[]
): { row: number; part: string } | { field: string } {
  if (field.startsWith('parameters.')) {
    const rest = field.slice('parameters.'.length);
    let best = -1;
    rows.forEach((r, i) => {
      const name = r.name.trim();
      if (name && rest.startsWith(`${name}.`) && (best < 0 || name.length > rows[best].name.trim().length)) {
        best = i;
      }
    });
    if (best >= 0) {
      return { row: best, part: rest.slice(rows[best].name.trim().length + 1) };
    }
    return { field: 'parameters' };
  }
  return { field: field.split('.')[0] };
}
