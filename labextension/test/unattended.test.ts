import { describe, expect, it } from 'vitest';
import {
  deliveryOutcome,
  errorField,
  IDelivery,
  initialForm,
  ISink,
  localErrors,
  newestFirst,
  sinkBody,
  sinkTarget,
  splitAddresses
} from '../src/notifications/data';
import {
  formatFire,
  initialScheduleForm,
  ISchedule,
  joinArgs,
  lastFire,
  scheduleBody,
  scheduleErrorField
} from '../src/project/schedules';
import { parseRunLink } from '../src/runlink';
import { sinkEvents } from '../src/generated/enums';
import { parseGpus, splitArgs } from '../src/format';

const slack: ISink = {
  id: 's1',
  name: 'team',
  kind: 'slack',
  events: ['failed', 'stalled'],
  enabled: true,
  source: 'api',
  url: 'https://hooks.slack.com/…abcd'
};
const mail: ISink = {
  id: 'm1',
  name: 'me',
  kind: 'email',
  events: ['succeeded'],
  enabled: false,
  source: 'api',
  host: 'smtp.example.org',
  port: 587,
  security: 'starttls',
  username: 'bee',
  password_set: true,
  sender: 'bee@example.org',
  to: ['a@example.org', 'b@example.org']
};

describe('sink form', () => {
  it('starts a new sink with every event the server knows', () => {
    const form = initialForm(undefined, 'ntfy');
    expect(form.kind).toBe('ntfy');
    expect(form.events).toEqual([...sinkEvents]);
  });

  it('sends a new URL sink with its kind and no e-mail fields', () => {
    const form = { ...initialForm(undefined, 'webhook'), url: ' https://x.example/hook ', name: '' };
    expect(sinkBody(form)).toEqual({
      name: 'webhook',
      events: [...sinkEvents],
      enabled: true,
      kind: 'webhook',
      url: 'https://x.example/hook'
    });
  });

  it('keeps the stored URL when the masked one comes back unchanged', () => {
    const body = sinkBody({ ...initialForm(slack), events: ['failed'] }, slack);
    expect(body).toEqual({ name: 'team', events: ['failed'], enabled: true });
    expect(sinkBody({ ...initialForm(slack), url: 'https://hooks.slack.com/new' }, slack).url).toBe(
      'https://hooks.slack.com/new'
    );
  });

  it('sends an e-mail sink without a password unless one was typed', () => {
    const form = initialForm(mail);
    expect(form.to).toBe('a@example.org, b@example.org');
    const body = sinkBody({ ...form, port: '' }, mail);
    expect(body).not.toHaveProperty('password');
    expect(body).not.toHaveProperty('port');
    expect(body).not.toHaveProperty('kind');
    expect(body.to).toEqual(['a@example.org', 'b@example.org']);
    expect(sinkBody({ ...form, password: 'pw', security: 'ssl' }, mail)).toMatchObject({
      password: 'pw',
      security: 'ssl',
      port: 587
    });
  });

  it('clears the stored password only when asked, whatever was typed', () => {
    const form = { ...initialForm(mail), password: 'typed' };
    expect(initialForm(mail).clearPassword).toBe(false);
    expect(sinkBody({ ...form, clearPassword: true }, mail).password).toBe('');
    expect(sinkBody({ ...form, clearPassword: false }, mail).password).toBe('typed');
    expect(sinkBody({ ...form, password: '' }, mail)).not.toHaveProperty('password');
  });

  it('checks the fields of the kind before asking the server', () => {
    expect(localErrors({ ...initialForm(undefined, 'slack'), url: 'ftp://x' })).toHaveProperty('url');
    const errors = localErrors({ ...initialForm(undefined, 'email'), port: 'x', events: [] });
    expect(Object.keys(errors).sort()).toEqual(['events', 'host', 'port', 'sender', 'to']);
    expect(localErrors(initialForm(mail))).toEqual({});
  });

  it('places a server error next to the field it names', () => {
    expect(errorField('to')).toBe('to');
    expect(errorField('security')).toBe('security');
    expect(errorField('body')).toBe('form');
    expect(errorField(null)).toBe('form');
  });

  it('describes targets and outcomes without secrets it was never given', () => {
    expect(sinkTarget(slack)).toBe('https://hooks.slack.com/…abcd');
    expect(sinkTarget(mail)).toBe('bee@smtp.example.org:587 (starttls) → a@example.org, b@example.org');
    expect(splitAddresses('a@x,\n b@y ,')).toEqual(['a@x', 'b@y']);
    const ok = { id: 1, ok: true, status: 200 } as IDelivery;
    const bad = { id: 2, ok: false, status: 500, error: 'HTTP 500' } as IDelivery;
    expect(deliveryOutcome(ok)).toBe('HTTP 200');
    expect(deliveryOutcome(bad)).toBe('HTTP 500');
    expect(deliveryOutcome({ id: 3, ok: true, status: null } as IDelivery)).toBe('ok');
    expect(newestFirst([ok, bad]).map(d => d.id)).toEqual([2, 1]);
  });
});

describe('schedule form', () => {
  const schedule: ISchedule = {
    id: 'x',
    cron: '30 1 * * 1',
    timezone: 'Europe/Berlin',
    enabled: true,
    run: { args: ['--lr', '0.1', 'two words'], env: { SEED: '1' }, gpus: [0, 1], executor: 'local' },
    fires: [
      { due: '2026-12-01T00:30:00Z', outcome: 'skipped', run_id: null, message: 'run abc still active' },
      { due: '2026-11-30T00:30:00Z', outcome: 'fired', run_id: 'abc' }
    ]
  };

  it('round-trips a schedule through the form', () => {
    const form = initialScheduleForm(schedule);
    expect(form).toMatchObject({
      cron: '30 1 * * 1',
      args: "--lr 0.1 'two words'",
      env: 'SEED=1',
      gpus: '0,1'
    });
    expect(splitArgs(form.args)).toEqual(schedule.run?.args);
    const built = scheduleBody(form, undefined, schedule);
    expect(built.error).toBeNull();
    expect(built.body).toEqual({
      cron: '30 1 * * 1',
      timezone: 'Europe/Berlin',
      enabled: true,
      run: schedule.run
    });
  });

  it('defaults a new schedule to the given zone and leaves gpus and executor out', () => {
    const form = initialScheduleForm(undefined, 'Asia/Tokyo');
    expect(form.timezone).toBe('Asia/Tokyo');
    const built = scheduleBody(form);
    expect(built.body?.run).toEqual({ args: [], env: {} });
  });

  it('blames the field a local check or the server names', () => {
    expect(scheduleBody({ ...initialScheduleForm(), env: 'oops' }).error?.field).toBe('env');
    expect(scheduleBody({ ...initialScheduleForm(), cron: '* *' }).error?.field).toBe('cron');
    expect(scheduleErrorField('run.args')).toBe('args');
    expect(scheduleErrorField('run.env.X')).toBe('env');
    expect(scheduleErrorField('timezone')).toBe('timezone');
    expect(scheduleErrorField('run.resources')).toBe('form');
  });

  it('reads gpus, args and the last fire', () => {
    expect(parseGpus('')).toBeUndefined();
    expect(parseGpus('2')).toBe(2);
    expect(parseGpus('0, 1')).toEqual([0, 1]);
    expect(joinArgs(["it's"])).toBe("'it'\\''s'");
    expect(splitArgs(joinArgs(["it's", 'a b', '']))).toEqual(["it's", 'a b', '']);
    expect(lastFire(schedule)?.outcome).toBe('skipped');
    expect(lastFire({ ...schedule, fires: [] })).toBeNull();
  });

  it('shows a fire time in the schedule zone', () => {
    expect(formatFire('2026-12-02T01:30:00Z', 'Europe/Berlin', 'en-GB')).toMatch(/02:30/);
    expect(formatFire('2026-12-02T01:30:00Z', 'Not/AZone', 'en-GB')).toBe('2026-12-02T01:30:00Z');
  });
});

describe('run links', () => {
  it('takes the run id and keeps the rest of the URL', () => {
    expect(parseRunLink('http://h:8888/user/x/lab?beekeeper-run=ab12&reset')).toEqual({
      run: 'ab12',
      rest: 'http://h:8888/user/x/lab?reset='
    });
    expect(parseRunLink('http://h/lab').run).toBeNull();
    expect(parseRunLink('http://h/lab?beekeeper-run=..%2F<x>').run).toBeNull();
  });
});
