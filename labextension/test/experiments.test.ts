import { describe, expect, it } from 'vitest';
import { IRun } from '../src/api';
import { alignLines, smooth } from '../src/experiments/data';
import {
  defaultMetricColumns,
  differingParams,
  nextSort,
  paramText,
  runTags,
  sortKey
} from '../src/runcolumns';

const run = (id: string, params: Record<string, unknown>, tags: string[] = []): IRun =>
  ({
    id,
    params,
    metrics: Object.fromEntries(tags.map(t => [t, { last: 1, min: 0, max: 2, step: 3, count: 4 }]))
  }) as unknown as IRun;

describe('differingParams', () => {
  it('names params whose values are not the same in every run, a missing one included', () => {
    const runs = [run('a', { lr: 0.1, seed: 1, bs: 8 }), run('b', { lr: 0.01, seed: 1 })];
    expect(differingParams(runs)).toEqual(['bs', 'lr']);
  });

  it('finds nothing to differ in one run', () => {
    expect(differingParams([run('a', { lr: 1 })])).toEqual([]);
  });

  it('shows values as text, objects as JSON and missing as a dash', () => {
    expect(paramText('x')).toBe('x');
    expect(paramText([0, 1])).toBe('[0,1]');
    expect(paramText(undefined)).toBe('—');
  });
});

describe('metric columns and sorting', () => {
  it('defaults to up to three tags of the newest run with metrics', () => {
    const runs = [run('new', {}), run('old', {}, ['loss', 'acc', 'lr', 'extra'])];
    expect(defaultMetricColumns([], runs)).toEqual(['loss', 'acc', 'lr']);
    expect(defaultMetricColumns(['acc:max'], runs)).toEqual(['acc:max']);
  });

  it('maps columns to server sort keys and flips direction on a second click', () => {
    expect(sortKey({ metric: 'loss' })).toBe('metric:loss:last');
    expect(sortKey({ metric: 'acc/test:max' })).toBe('metric:acc/test:max');
    expect(sortKey({ param: 'lr' })).toBe('param:lr');
    expect(nextSort('', 'metric:loss:min')).toBe('metric:loss:min');
    expect(nextSort('metric:loss:min', 'metric:loss:min')).toBe('-metric:loss:min');
    expect(nextSort('-metric:loss:min', 'metric:loss:min')).toBe('metric:loss:min');
    expect(nextSort('', 'created')).toBe('created'); // the default is newest first
  });

  it('collects every tag once in first-seen order', () => {
    expect(runTags([run('a', {}, ['loss']), run('b', {}, ['acc', 'loss'])])).toEqual(['loss', 'acc']);
  });
});

describe('chart data', () => {
  it('smooths with a debiased moving average, leaving gaps alone', () => {
    expect(smooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = smooth([1, null, 1, 1], 0.9);
    expect(s[0]).toBeCloseTo(1);
    expect(s[1]).toBeNull();
    expect(s[3]).toBeCloseTo(1);
  });

  it('aligns lines with their own x values on one shared x column', () => {
    const table = alignLines([
      { label: 'a', x: [0, 2], y: [1, 3] },
      { label: 'b', x: [1, 2], y: [5, 6] }
    ]);
    expect(table).toEqual([
      [0, 1, 2],
      [1, null, 3],
      [null, 5, 6]
    ]);
  });
});
