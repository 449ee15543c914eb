import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseMetricColumn, readSettings, shouldNotify } from '../src/settings';
import {
  branchQuery,
  errorField,
  initialFields,
  localErrors,
  requestBody
} from '../src/components/form/fields';
import { liveDuration } from '../src/format';

describe('readSettings', () => {
  it('fills defaults for a missing composite', () => {
    expect(readSettings(undefined)).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps valid choices and drops what does not fit', () => {
    const s = readSettings({
      metricColumns: ['loss', 'acc/test:max', ':bad', 3],
      runColumns: ['args', 'nope', 'started'],
      refreshInterval: 0.5,
      chartWindow: 120,
      notifyRunEnds: 'loud'
    });
    expect(s.metricColumns).toEqual(['loss', 'acc/test:max']);
    expect(s.runColumns).toEqual(['started', 'args']); // table order, not the user's
    expect(s.refreshInterval).toBe(2);
    expect(s.chartWindow).toBe(120);
    expect(s.notifyRunEnds).toBe('all');
  });
});

describe('parseMetricColumn', () => {
  it('reads TAG and TAG:STAT', () => {
    expect(parseMetricColumn('loss')).toEqual({ tag: 'loss', stat: 'last' });
    expect(parseMetricColumn('loss/test:min')).toEqual({ tag: 'loss/test', stat: 'min' });
    expect(parseMetricColumn('loss:median')).toBeNull(); // as the schema's pattern says
  });
});

describe('shouldNotify', () => {
  it('follows the choice', () => {
    expect(shouldNotify('all', 'succeeded')).toBe(true);
    expect(shouldNotify('failures', 'succeeded')).toBe(false);
    expect(shouldNotify('failures', 'lost')).toBe(true);
    expect(shouldNotify('none', 'failed')).toBe(false);
  });
});

describe('project form fields', () => {
  it('checks locally, then builds the body', () => {
    const f = { ...initialFields(), name: 'bad name' };
    expect(Object.keys(localErrors(f, false)).sort()).toEqual(['git_url', 'name']);
    const ok = { ...initialFields(), name: 'demo', git_url: ' https://x/y.git ', env: 'A=1' };
    expect(localErrors(ok, false)).toEqual({});
    expect(requestBody(ok)).toMatchObject({ name: 'demo', git_url: 'https://x/y.git', env: { A: '1' } });
    expect(requestBody(ok)).not.toHaveProperty('credentials');
  });

  it("leaves the branch empty (the remote's default) unless one is chosen", () => {
    const f = { ...initialFields(), name: 'demo', git_url: 'https://x/y.git' };
    expect(f.branch).toBe('');
    expect(requestBody(f).branch).toBe('');
    expect(requestBody({ ...f, branch: ' dev ' }).branch).toBe('dev');
  });

  it('asks for branches with the credentials it has, never putting a token in a URL', () => {
    const f = { ...initialFields(), git_url: ' https://x/y.git ' };
    expect(branchQuery({ ...f, git_url: ' ' })).toBeNull();
    expect(branchQuery(f)).toEqual({ method: 'GET', url: 'https://x/y.git' });
    expect(branchQuery({ ...f, username: 'me', token: 't0k' })).toEqual({
      method: 'POST',
      body: { git_url: 'https://x/y.git', credentials: { username: 'me', token: 't0k' } }
    });
    const stored = { name: 'p', git_url: 'https://x/y.git', has_credentials: true } as never;
    expect(branchQuery(f, stored)).toEqual({ method: 'POST', body: { project: 'p' } });
    expect(branchQuery({ ...f, git_url: 'https://x/other.git' }, stored)).toEqual({
      method: 'GET',
      url: 'https://x/other.git'
    });
  });

  it('puts server errors on their field', () => {
    expect(errorField('credentials.token')).toBe('token');
    expect(errorField('env.FOO')).toBe('env');
    expect(errorField('branch')).toBe('branch');
    expect(errorField('something_else')).toBe('form');
    expect(errorField(null)).toBe('form');
  });
});

describe('liveDuration', () => {
  it('counts an active run up to now and keeps an ended run as recorded', () => {
    const started = '2026-01-01T00:00:00Z';
    const now = new Date(started).getTime() + 75_000;
    expect(liveDuration({ state: 'running', started, duration: 0 }, now)).toBe(75);
    expect(liveDuration({ state: 'succeeded', started, duration: 12 }, now)).toBe(12);
    expect(liveDuration({ state: 'queued', started: null, duration: null }, now)).toBeNull();
  });
});
