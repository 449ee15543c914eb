import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, IRun } from '../src/api';
import { SweepsModel } from '../src/sweeps/sweepsmodel';
import { ISweep } from '../src/sweeps/types';

const sweep = (id: string, fields: Partial<ISweep> = {}): ISweep =>
  ({ id, project: 'p', state: 'finished', created: 0, trials: {}, parameters: {}, ...fields }) as ISweep;
const run = (id: string, state = 'succeeded'): IRun => ({ id, state }) as IRun;

/** A promise with its resolve in hand, for a request still in flight. */
function pending<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(r => (resolve = r));
  return { promise, resolve };
}

/** Lets the awaited requests and the model's follow-ups run. */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('window', globalThis);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('SweepsModel project lists', () => {
  it('loads a watched project once and applies events in place, newest first', async () => {
    const list = vi.spyOn(api, 'sweeps').mockResolvedValue([sweep('s2'), sweep('s1')]);
    const model = new SweepsModel();
    const release = model.watchProject('p');
    const releaseAgain = model.watchProject('p');
    await settle();
    expect(list).toHaveBeenCalledTimes(1);
    expect(model.list('p').sweeps.map(s => s.id)).toEqual(['s2', 's1']);

    const version = model.version;
    model.onEvent(sweep('s1', { state: 'running' }));
    model.onEvent(sweep('s3'));
    model.onEvent(sweep('x1', { project: 'other' }));
    expect(model.list('p').sweeps.map(s => [s.id, s.state])).toEqual([
      ['s3', 'finished'],
      ['s2', 'finished'],
      ['s1', 'running']
    ]);
    expect(model.version).toBeGreaterThan(version);

    model.onEvent({ id: 's2', deleted: true });
    expect(model.list('p').sweeps.map(s => s.id)).toEqual(['s3', 's1']);

    release();
    expect(model.list('p').sweeps).toHaveLength(2); // another view still watches
    releaseAgain();
    expect(model.list('p').sweeps).toEqual([]);
    model.watchProject('p');
    expect(list).toHaveBeenCalledTimes(2); // watched again: listed afresh
  });

  it('keeps what events brought when the load fails, with the error', async () => {
    vi.spyOn(api, 'sweeps').mockRejectedValue(new Error('boom'));
    const model = new SweepsModel();
    model.watchProject('p');
    model.onEvent(sweep('s1'));
    await settle();
    expect(model.list('p').sweeps.map(s => s.id)).toEqual(['s1']);
    expect(model.list('p').error).toBe('boom');
  });

  it('shows a created sweep ahead of its event, once', async () => {
    vi.spyOn(api, 'sweeps').mockResolvedValue([sweep('s1')]);
    const create = vi.spyOn(api, 'createSweep').mockResolvedValue(sweep('s2', { state: 'running' }));
    const model = new SweepsModel();
    model.watchProject('p');
    await settle();
    await model.create('p', { method: 'grid' });
    expect(create).toHaveBeenCalledWith('p', { method: 'grid' });
    model.onEvent(sweep('s2', { state: 'running' }));
    expect(model.list('p').sweeps.map(s => s.id)).toEqual(['s2', 's1']);
  });
});

describe('SweepsModel followed sweeps', () => {
  it('sorts the trial runs in trial order', async () => {
    vi.spyOn(api, 'sweep').mockResolvedValue(
      sweep('s1', { runs: [{ id: 'r2' }, { id: 'r3' }, { id: 'r1' }] as ISweep['runs'] })
    );
    vi.spyOn(api, 'sweepRuns').mockResolvedValue([run('r1'), run('r2'), run('r3')]);
    const model = new SweepsModel();
    model.follow('s1');
    expect(model.detail('s1')).toEqual({ sweep: null, runs: [], error: null });
    await settle();
    expect(model.detail('s1')?.runs.map(r => r.id)).toEqual(['r2', 'r3', 'r1']);
  });

  it('re-reads every 5 s while a trial is active, and stops when the last view lets go', async () => {
    vi.spyOn(api, 'sweep').mockResolvedValue(sweep('s1', { state: 'finished' }));
    const runs = vi.spyOn(api, 'sweepRuns').mockResolvedValue([run('r1', 'running')]);
    const model = new SweepsModel();
    const release = model.follow('s1');
    await settle();
    expect(runs).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(4999);
    expect(runs).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toHaveBeenCalledTimes(2);

    runs.mockResolvedValue([run('r1', 'succeeded')]); // all ended: no more polling
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(20000);
    expect(runs).toHaveBeenCalledTimes(3);

    runs.mockResolvedValue([run('r1', 'queued')]);
    model.onEvent(sweep('s1'));
    await settle();
    expect(runs).toHaveBeenCalledTimes(4);
    release();
    expect(model.detail('s1')).toBeNull();
    await vi.advanceTimersByTimeAsync(20000);
    expect(runs).toHaveBeenCalledTimes(4);
  });

  it('loads one at a time: requests during a load make one more load after it', async () => {
    const first = pending<ISweep>();
    const get = vi
      .spyOn(api, 'sweep')
      .mockReturnValueOnce(first.promise)
      .mockResolvedValue(sweep('s1', { state: 'stopped' }));
    vi.spyOn(api, 'sweepRuns').mockResolvedValue([]);
    const model = new SweepsModel();
    model.follow('s1');
    model.onEvent(sweep('s1'));
    model.onEvent(sweep('s1'));
    vi.spyOn(api, 'stopSweep').mockResolvedValue(sweep('s1', { state: 'stopped' }));
    await model.stop('s1');
    expect(get).toHaveBeenCalledTimes(1);

    first.resolve(sweep('s1', { state: 'running' }));
    await settle();
    expect(get).toHaveBeenCalledTimes(2);
    expect(model.detail('s1')?.sweep?.state).toBe('stopped');
    await vi.advanceTimersByTimeAsync(20000);
    expect(get).toHaveBeenCalledTimes(2); // stopped, nothing active: no timer
  });

  it('ignores a load that returns after the view let go, and events for sweeps nobody follows', async () => {
    const first = pending<ISweep>();
    const get = vi.spyOn(api, 'sweep').mockReturnValueOnce(first.promise);
    vi.spyOn(api, 'sweepRuns').mockResolvedValue([run('r1', 'running')]);
    const model = new SweepsModel();
    model.follow('s1')();
    const version = model.version;
    first.resolve(sweep('s1', { state: 'running' }));
    await vi.advanceTimersByTimeAsync(20000);
    model.onEvent(sweep('s1'));
    expect(get).toHaveBeenCalledTimes(1);
    expect(model.detail('s1')).toBeNull();
    expect(model.version).toBe(version);
  });
});
