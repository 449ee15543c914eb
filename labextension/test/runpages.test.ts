import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, IRun } from '../src/api';
import { BeekeeperModel } from '../src/model';
import {
  loadedRuns,
  mapRows,
  missingPages,
  PageLoader,
  placePage,
  removeRow,
  RunRows,
  upsertRow
} from '../src/runpages';
import { computeWindow } from '../src/components/logmodel';

/** Run i of a history newest first: i = 0 is the newest. */
const run = (i: number, fields: Partial<IRun> = {}): IRun =>
  ({
    id: `r${i}`,
    project: 'p',
    state: 'succeeded',
    created: `2026-01-01T00:00:00.${String(99999 - i).padStart(5, '0')}Z`,
    ...fields
  }) as IRun;
const runs = (from: number, to: number): IRun[] => Array.from({ length: to - from }, (_, k) => run(from + k));
/** The server's answer for GET ...runs?offset=&limit= over `total` runs. */
const page = (total: number, offset: number, limit: number) => ({
  runs: runs(offset, Math.min(total, offset + limit)),
  total
});
const ids = (rows: RunRows) => rows.map(r => r?.id ?? null);

describe('placePage and loadedRuns', () => {
  it('keeps a slot per run of the total, loaded where a page landed and missing elsewhere', () => {
    const rows = placePage([], 9000, runs(9000, 10000), 10000);
    expect(rows.length).toBe(10000);
    expect(rows[8999]).toBeUndefined();
    expect(rows[9000]?.id).toBe('r9000');
    expect(rows[9999]?.id).toBe('r9999');
    const both = placePage(rows, 0, runs(0, 100), 10000);
    expect(loadedRuns(both).map(r => r.id)).toEqual([...runs(0, 100), ...runs(9000, 10000)].map(r => r.id));
  });

  it('moves a run the page brings out of the slot it held before (rows shifted meanwhile)', () => {
    const rows = placePage([], 0, runs(0, 3), 5);
    const shifted = placePage(rows, 1, [run(0), run(1), run(2), run(3)], 5);
    expect(ids(shifted)).toEqual([null, 'r0', 'r1', 'r2', 'r3']);
  });
});

describe('missingPages', () => {
  const loaded200 = placePage([], 0, runs(0, 200), 10000);

  it('asks only near the end of the loaded rows, and nothing once all are loaded', () => {
    expect(missingPages(loaded200, 0, 60)).toEqual([]);
    expect(missingPages(loaded200, 100, 160)).toEqual([0]);
    expect(missingPages(placePage([], 0, runs(0, 200), 200), 150, 200)).toEqual([]);
  });

  it('asks for the last page alone on a jump to the end', () => {
    const win = computeWindow(10000 * 30, 900, 30, 10000);
    expect(missingPages(loaded200, win.start, win.end)).toEqual([9000]);
  });

  it('asks for both pages when the window straddles their edge', () => {
    expect(missingPages(loaded200, 4980, 5030)).toEqual([4000, 5000]);
    expect(missingPages(placePage(loaded200, 4000, runs(4000, 5000), 10000), 4980, 5030)).toEqual([5000]);
  });
});

describe('upsertRow, removeRow, mapRows', () => {
  it('updates a loaded run in place and puts a new one first', () => {
    const rows = placePage([], 0, runs(0, 3), 3);
    expect(upsertRow(rows, run(1, { state: 'failed' }))[1]?.state).toBe('failed');
    const newer = run(-1, { created: '2027-01-01T00:00:00Z' });
    expect(ids(upsertRow(rows, newer))).toEqual(['r-1', 'r0', 'r1', 'r2']);
  });

  it('leaves a changed run of a page not loaded yet to that page (the total stays)', () => {
    const rows = placePage([], 0, runs(0, 100), 10000);
    expect(upsertRow(rows, run(5000, { state: 'failed' }))).toBe(rows);
  });

  it('removes a deleted run (one fewer) and maps only loaded rows', () => {
    const rows = placePage([], 0, runs(0, 3), 5);
    expect(ids(removeRow(rows, 'r1'))).toEqual(['r0', 'r2', null, null]);
    expect(mapRows(rows, r => ({ ...r, state: 'lost' })).map(r => r?.state ?? null)).toEqual([
      'lost',
      'lost',
      'lost',
      null,
      null
    ]);
  });
});

describe('PageLoader', () => {
  it('asks once per page in flight and drops pages that answer after a reset', async () => {
    const loader = new PageLoader();
    const answers: Array<(p: { runs: IRun[]; total: number }) => void> = [];
    const fetch = vi.fn(() => new Promise<{ runs: IRun[]; total: number }>(r => answers.push(r)));
    const applied: number[] = [];
    const apply = (offset: number) => applied.push(offset);
    const first = loader.load([0, 1000], fetch, apply, () => undefined);
    const again = loader.load([1000], fetch, apply, () => undefined);
    expect(fetch).toHaveBeenCalledTimes(2);
    loader.reset();
    answers.forEach(answer => answer(page(2000, 0, 1000)));
    await Promise.all([first, again]);
    expect(applied).toEqual([]);
    const after = loader.load([1000], fetch, apply, () => undefined);
    answers[2](page(2000, 1000, 1000));
    await after;
    expect(applied).toEqual([1000]);
  });
});

describe('BeekeeperModel run history', () => {
  beforeEach(() => {
    vi.stubGlobal('window', globalThis);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  /** The model with a project's first 100 of 10,000 runs loaded, over a stubbed server. */
  async function loaded(total = 10000) {
    const calls: Array<{ limit: number; sort: string; offset?: number; state?: string }> = [];
    vi.spyOn(api, 'runs').mockImplementation(async (_name, limit = 100, sort = '', extra = {}) => {
      calls.push({ limit, sort, ...extra });
      if (extra.state === 'queued') {
        return { runs: [run(3, { state: 'queued', queue_position: 2 })], total: 1 };
      }
      return page(total, extra.offset ?? 0, limit);
    });
    const model = new BeekeeperModel();
    await model.loadRuns('p');
    return { model, calls: () => calls.filter(c => c.state !== 'queued') };
  }

  it('loads the first page, then only the pages asked for (a jump to the end: the last one)', async () => {
    const { model, calls } = await loaded();
    expect(model.runsTotal.get('p')).toBe(10000);
    expect(model.runs.get('p')?.length).toBe(100);
    await model.loadRunPages('p', [9000]);
    expect(calls().map(c => c.offset ?? 0)).toEqual([0, 9000]);
    expect(model.runRows.get('p')?.[9999]?.id).toBe('r9999');
    expect(model.runRows.get('p')?.[5000]).toBeUndefined();
    expect(model.runs.get('p')?.length).toBe(1100);
  });

  it('shows queue positions in the history and keeps events and deletes in the total', async () => {
    const { model } = await loaded();
    await model.loadQueue('p');
    expect(model.runRows.get('p')?.[3]?.queue_position).toBe(2);
    model['_onRun'](run(-1, { created: '2027-01-01T00:00:00Z', state: 'queued' }));
    expect(model.runsTotal.get('p')).toBe(10001);
    expect(model.runRows.get('p')?.[0]?.id).toBe('r-1');
    model['_onRun'](run(0, { state: 'failed' }));
    expect(model.runRows.get('p')?.[1]?.state).toBe('failed');
    vi.spyOn(api, 'deleteRun').mockResolvedValue(undefined);
    vi.spyOn(api, 'projects').mockResolvedValue([]);
    await model.deleteRun(run(0));
    expect(model.runsTotal.get('p')).toBe(10000);
    expect(
      model.runRows
        .get('p')
        ?.map(r => r?.id)
        .slice(0, 2)
    ).toEqual(['r-1', 'r1']);
  });

  it('starts the rows anew on a sort, and drops a page of the old order that answers late', async () => {
    const { model, calls } = await loaded();
    const late = model.loadRunPages('p', [9000]);
    await model.loadRuns('p', 100, 'created');
    await late;
    expect(calls().map(c => [c.sort, c.offset ?? 0])).toEqual([
      ['', 0],
      ['', 9000],
      ['created', 0]
    ]);
    expect(model.runRows.get('p')?.[9000]).toBeUndefined();
    expect(model.runs.get('p')?.length).toBe(100);
    await model.loadRunPages('p', [9000]);
    expect(calls().at(-1)).toEqual({ limit: 1000, sort: 'created', offset: 9000 });
  });
});
