import { describe, expect, it } from 'vitest';
import { ISweep, ISweepTrial } from '../src/sweeps/types';
import { axisLabels, normalize, parallel, paramAxis, scatter, sortTrials } from '../src/sweeps/data';
import {
  buildBody,
  emptyForm,
  emptyRow,
  errorPlace,
  ISweepForm,
  parseValues,
  trialCount
} from '../src/sweeps/spec';

const form = (patch: Partial<ISweepForm>): ISweepForm => ({ ...emptyForm(), ...patch });
const row = (name: string, values: string) => ({ ...emptyRow(), name, values });
const trial = (id: string, params: Record<string, unknown>, value: number | null): ISweepTrial => ({
  id,
  state: 'succeeded',
  params,
  value,
  early_stopped: false,
  message: null,
  started: null,
  ended: null
});

describe('parseValues', () => {
  it('reads numbers, booleans, null and strings from a comma-separated list', () => {
    expect(parseValues('0.1, 1e-3 ,2')).toEqual([0.1, 0.001, 2]);
    expect(parseValues('adam, sgd, true, null, 1.2.3')).toEqual(['adam', 'sgd', true, null, '1.2.3']);
    expect(parseValues(' , ')).toEqual([]);
  });
});

describe('trialCount', () => {
  it('is the product of the value counts for a grid', () => {
    expect(trialCount(form({ params: [row('lr', '0.1, 0.01'), row('bs', '16, 32, 64')] }))).toBe(6);
  });

  it('ignores unnamed rows and cannot say while a row has no values', () => {
    expect(trialCount(form({ params: [row('lr', '1, 2'), row('', '')] }))).toBe(2);
    expect(trialCount(form({ params: [row('lr', '1, 2'), row('bs', '')] }))).toBeNull();
    expect(trialCount(form({ params: [row('', '')] }))).toBeNull();
  });

  it('is the trials field for a random sweep, ranges included', () => {
    const range = { ...emptyRow(), name: 'lr', kind: 'range' as const, min: '0.001', max: '0.1' };
    expect(trialCount(form({ method: 'random', trials: '12', params: [range] }))).toBe(12);
    expect(trialCount(form({ method: 'random', trials: 'x', params: [range] }))).toBeNull();
  });
});

describe('buildBody', () => {
  const __ = (m: string) => m;

  it('builds a grid body with the template, shared fields and objective', () => {
    const built = buildBody(
      form({
        params: [row('lr', '0.1, 0.01')],
        delivery: 'template',
        template: '--lr={lr} --out=out/{run_id}',
        gpus: '1',
        maxParallel: '2',
        metric: 'loss/test',
        earlyStop: true,
        minSteps: '5',
        env: 'A=1'
      }),
      __
    );
    expect(built).toEqual({
      body: {
        method: 'grid',
        parameters: { lr: { values: [0.1, 0.01] } },
        args_template: ['--lr={lr}', '--out=out/{run_id}'],
        args: [],
        env: { A: '1' },
        gpus: 1,
        max_parallel: 2,
        objective: { metric: 'loss/test', goal: 'min', summary: 'last' },
        early_stop: { rule: 'median', min_steps: 5 }
      }
    });
  });

  it('sends a random range with its flags, the seed, env delivery and confirm', () => {
    const range = { ...emptyRow(), name: 'lr', kind: 'range' as const, min: '1e-4', max: '0.1', log: true };
    const built = buildBody(
      form({ method: 'random', trials: '8', seed: '7', params: [range], delivery: 'env' }),
      __,
      true
    );
    expect('body' in built && built.body).toMatchObject({
      method: 'random',
      trials: 8,
      seed: 7,
      as: 'env',
      confirm: true,
      parameters: { lr: { min: 0.0001, max: 0.1, log: true, integer: false } }
    });
  });

  it('names the field of what it cannot send, as the server would', () => {
    expect(buildBody(form({ params: [row('lr', '')] }), __)).toMatchObject({
      error: { field: 'parameters.lr.values' }
    });
    expect(buildBody(form({ params: [row('', '')] }), __)).toMatchObject({ error: { field: 'parameters' } });
    expect(buildBody(form({ params: [row('lr', '1')], maxParallel: '0' }), __)).toMatchObject({
      error: { field: 'max_parallel' }
    });
    expect(buildBody(form({ params: [row('lr', '1')], env: 'nope' }), __)).toMatchObject({
      error: { field: 'env' }
    });
  });
});

describe('errorPlace', () => {
  it("finds a parameter's row by the longest name that fits (names may hold dots)", () => {
    const rows = [row('opt', ''), row('opt.lr', '')];
    expect(errorPlace('parameters.opt.lr.min', rows)).toEqual({ row: 1, part: 'min' });
    expect(errorPlace('parameters.opt.values', rows)).toEqual({ row: 0, part: 'values' });
    expect(errorPlace('parameters', rows)).toEqual({ field: 'parameters' });
    expect(errorPlace('objective.goal', rows)).toEqual({ field: 'objective' });
  });
});

describe('sortTrials', () => {
  const trials = [trial('a', {}, 3), trial('b', {}, null), trial('c', {}, 1), trial('d', {}, 2)];

  it('puts the best first for the goal and trials without a value last', () => {
    expect(sortTrials(trials, 'min').map(t => t.id)).toEqual(['c', 'd', 'a', 'b']);
    expect(sortTrials(trials, 'max').map(t => t.id)).toEqual(['a', 'd', 'c', 'b']);
  });
});

describe('axes and normalisation', () => {
  it('keeps numbers, and turns anything else into categories in first-seen order', () => {
    expect(paramAxis([0.1, null, 0.01])).toMatchObject({ numeric: true, positions: [0.1, null, 0.01] });
    expect(paramAxis(['sgd', 'adam', 'sgd', true])).toMatchObject({
      numeric: false,
      categories: ['sgd', 'adam', 'true'],
      positions: [0, 1, 0, 2]
    });
  });

  it('maps an axis onto [0, 1], log-spaced on a log axis, a lone value in the middle', () => {
    expect(normalize(paramAxis([2, 4, 6]))).toEqual([0, 0.5, 1]);
    expect(normalize(paramAxis([0.001, 0.01, 0.1], true))).toEqual([0, 0.5, 1]);
    expect(normalize(paramAxis([5, 5]))).toEqual([0.5, 0.5]);
    expect(normalize(paramAxis(['a', 'b', 'c', null]))).toEqual([0, 0.5, 1, null]);
    expect(paramAxis([0, 1], true).log).toBe(false); // no log scale through zero
  });

  it('labels a numeric axis at its ends and a category axis at each category', () => {
    expect(axisLabels(paramAxis([1, 3]), String)).toEqual([
      { at: 0, text: '1' },
      { at: 1, text: '3' }
    ]);
    expect(axisLabels(paramAxis(['x', 'y']), String)).toEqual([
      { at: 0, text: 'x' },
      { at: 1, text: 'y' }
    ]);
  });
});

describe('charts data', () => {
  const trials = [
    trial('a', { lr: 0.1, opt: 'sgd' }, 0.5),
    trial('b', { lr: 0.01, opt: 'adam' }, 0.2),
    trial('c', { lr: 0.05, opt: 'sgd' }, null)
  ];

  it('scatters the valued trials by x, marking the best', () => {
    const s = scatter(trials, 'lr', 'b');
    expect(s.x).toEqual([0.01, 0.1]);
    expect(s.y).toEqual([0.2, 0.5]);
    expect(s.best).toEqual([0.2, null]);
    expect(s.ids).toEqual(['b', 'a']);
  });

  it('draws one normalised line per trial over the parameters and the objective', () => {
    const sweep = {
      parameters: { lr: { min: 0.01, max: 0.1, log: true }, opt: { values: ['sgd', 'adam'] } },
      objective: { metric: 'loss', goal: 'min', summary: 'last' }
    } as unknown as ISweep;
    const p = parallel(sweep, trials);
    expect(p.names).toEqual(['lr', 'opt', 'loss']);
    expect(p.lines.map(l => l.id)).toEqual(['a', 'b', 'c']);
    expect(p.lines[0].y).toEqual([1, 0, 1]);
    expect(p.lines[1].y).toEqual([0, 1, 0]);
    expect(p.lines[2].y[2]).toBeNull();
  });
});
