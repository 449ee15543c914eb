/**
 * Scheduled runs as the Schedules section edits them: the generated types and the pure form ↔ body
 * helpers (unit-tested). The calls are in api.ts; each project's list in schedulesmodel.ts.
 */
import type { paths } from '../generated/api';
import { english, formatEnv, parseEnv, parseGpus, splitArgs, Translate } from '../format';

type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never;
export type IScheduleList = JsonOf<paths['/projects/{name}/schedules']['get']['responses'][200]>;

export type ISchedule = NonNullable<IScheduleList['schedules']>[number];
export type IScheduleBody = JsonOf<NonNullable<paths['/projects/{name}/schedules']['post']['requestBody']>>;
/** A PATCH body: only the fields sent change. */
export type IScheduleUpdate = JsonOf<NonNullable<paths['/schedules/{schedule_id}']['patch']['requestBody']>>;
export type IFire = NonNullable<ISchedule['fires']>[number];
export type IRunSpec = NonNullable<ISchedule['run']>;

export interface IScheduleForm {
  cron: string;
  timezone: string;
  enabled: boolean;
  args: string;
  env: string;
  gpus: string;
  executor: string;
}

export const SCHEDULE_FIELDS = ['cron', 'timezone', 'enabled', 'args', 'env', 'gpus', 'executor'] as const;
export type ScheduleField = (typeof SCHEDULE_FIELDS)[number];

/** The browser's IANA time zone (a new schedule's default), UTC when it cannot tell. */
export function localTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Quote an argument for the args field only when splitArgs would split or unquote it. */
function quoteArg(arg: string): string {
  return arg && /^[^\s'"\\]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

export function joinArgs(args: string[] | null | undefined): string {
  return (args || []).map(quoteArg).join(' ');
}

export function gpusText(gpus: IRunSpec['gpus']): string {
  if (gpus === undefined || gpus === null) {
    return '';
  }
  return Array.isArray(gpus) ? gpus.join(',') : String(gpus);
}

export function initialScheduleForm(s?: ISchedule, timezone: string = localTimezone()): IScheduleForm {
  return {
    cron: s?.cron || '0 2 * * *',
    timezone: s?.timezone || timezone,
    enabled: s?.enabled ?? true,
    args: joinArgs(s?.run?.args),
    env: formatEnv(s?.run?.env),
    gpus: gpusText(s?.run?.gpus),
    executor: s?.run?.executor || ''
  };
}

/** The POST/PATCH body, or the field a local check blames. The run fields keep what the run form sends. */
export function scheduleBody(
  form: IScheduleForm,
  __: Translate = english,
  previous?: ISchedule
): { body: IScheduleBody; error: null } | { body: null; error: { field: ScheduleField; message: string } } {
  const env = parseEnv(form.env, __);
  if (env.error) {
    return { body: null, error: { field: 'env', message: env.error } };
  }
  if (form.cron.trim().split(/\s+/).length !== 5) {
    return {
      body: null,
      error: { field: 'cron', message: __('Five fields: minute hour day month weekday') }
    };
  }
  const run: IRunSpec = { ...(previous?.run || {}), args: splitArgs(form.args), env: env.env };
  const gpus = parseGpus(form.gpus);
  if (gpus === undefined) {
    delete run.gpus;
  } else {
    run.gpus = gpus;
  }
  if (form.executor) {
    run.executor = form.executor;
  } else {
    delete run.executor;
  }
  return {
    body: { cron: form.cron.trim(), timezone: form.timezone.trim() || 'UTC', enabled: form.enabled, run },
    error: null
  };
}

/** The form field a server 400 names: "run.args" → "args", "run.env.X" → "env"; else 'form'. */
export function scheduleErrorField(field: string | null | undefined): ScheduleField | 'form' {
  const parts = (field || '').split('.');
  const name = parts[0] === 'run' ? parts[1] || '' : parts[0];
  return (SCHEDULE_FIELDS as readonly string[]).includes(name) ? (name as ScheduleField) : 'form';
}

/** The newest recorded fire (the server lists them newest first). */
export function lastFire(s: ISchedule): IFire | null {
  return s.fires && s.fires.length ? s.fires[0] : null;
}

/** A fire time in the schedule's own zone, e.g. "Wed 2 Dec, 02:00" (UTC shown on hover). */
export function formatFire(iso: string, timezone: string, locale?: string): string {
  try {
    return new Intl.DateTimeFormat(locale, {
      timeZone: timezone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit'
    }).format(new Date(iso));
  } catch {
    return iso;
  }
}
