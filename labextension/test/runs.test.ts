import { describe, expect, it } from 'vitest';
import { IProject, IRun } from '../src/api';
import { splitArgs } from '../src/format';
import {
  dropRequest,
  joinArgs,
  moveRequest,
  queueOf,
  runAgain,
  runRequest,
  runTemplate
} from '../src/project/runsdata';
import { energyCell, hasMetricColumn, toggleMetricColumn } from '../src/runcolumns';

const project = {
  default_run: { args: ['--epochs', '3'], env: { SEED: '1' }, gpus: 0 },
  presets: { long: { args: ['--epochs', '100'], env: { WANDB_MODE: 'offline' } }, quick: { gpus: 1 } }
} as unknown as IProject;

const run = (id: string, fields: Partial<IRun> = {}): IRun =>
  ({
    id,
    state: 'succeeded',
    args: [],
    env_keys: [],
    executor: 'local',
    gpus_requested: 0,
    ...fields
  }) as IRun;

describe('runTemplate', () => {
  it('lays the preset over the default run, field by field, as the server does', () => {
    expect(runTemplate(project, 'long')).toEqual({
      args: ['--epochs', '100'],
      env: { WANDB_MODE: 'offline' },
      gpus: 0
    });
    expect(runTemplate(project, '')).toEqual(project.default_run);
    expect(runTemplate({ default_run: {}, presets: {} } as unknown as IProject, 'gone')).toEqual({});
  });
});

describe('runRequest', () => {
  const typed = { args: '', env: '', gpus: '', executor: '', preset: '' };
  it('leaves empty fields to the template and sends what was typed', () => {
    const template = runTemplate(project, 'long');
    expect(runRequest({ ...typed, preset: 'long' }, template, {})).toEqual({ preset: 'long' });
    expect(runRequest({ ...typed, args: '--lr 0.1', env: 'A=1', gpus: '0,1' }, template, { A: '1' })).toEqual(
      {
        args: ['--lr', '0.1'],
        env: { WANDB_MODE: 'offline', A: '1' },
        gpus: [0, 1]
      }
    );
  });
  it('sends empty args and env when no template fills them', () => {
    expect(runRequest({ ...typed, executor: 'ray' }, {}, {})).toEqual({ args: [], env: {}, executor: 'ray' });
  });
});

describe('runAgain', () => {
  it('sends the same args, GPUs as requested, executor and preset', () => {
    const r = run('r1', { args: ['--lr', '0.1'], gpus_requested: [0, 1], executor: 'ray', preset: 'long' });
    expect(runAgain(r, project)).toEqual({
      body: { args: ['--lr', '0.1'], gpus: [0, 1], executor: 'ray', preset: 'long' },
      askEnv: [],
      preset: 'long'
    });
  });

  it('asks for the env values no preset or default run gives again (they are never returned)', () => {
    const r = run('r2', { env_keys: ['SEED', 'WANDB_MODE', 'API_KEY'], preset: 'long' });
    // A preset's env replaces the default run's whole (the server merges field by field): SEED was typed.
    expect(runAgain(r, project).askEnv).toEqual(['SEED', 'API_KEY']);
    // A preset deleted since: only the default run's env is known.
    const gone = run('r3', { env_keys: ['SEED', 'WANDB_MODE'], preset: 'deleted' });
    expect(runAgain(gone, project)).toMatchObject({ askEnv: ['WANDB_MODE'], preset: '' });
    expect(runAgain(gone, project).body).not.toHaveProperty('preset');
  });
});

describe('joinArgs', () => {
  it('is what splitArgs reads back, quotes and spaces included', () => {
    const args = ['--name', 'a b', 'say "hi"', 'back\\slash', '', "it's", '--lr=0.1'];
    expect(splitArgs(joinArgs(args))).toEqual(args);
    expect(joinArgs(['--lr', '0.1'])).toBe('--lr 0.1');
  });
});

describe('queue moves', () => {
  const queue = queueOf([
    run('c', { state: 'queued', queue_position: 5 }),
    run('done'),
    run('a', { state: 'queued', queue_position: 1 }),
    run('b', { state: 'queued', queue_position: 3 })
  ]);

  it('orders the queued runs by their place in the queue', () => {
    expect(queue.map(r => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('moves up before the one above, down by moving the one below before it', () => {
    expect(moveRequest(queue, 'b', -1)).toEqual({ id: 'b', body: { before: 'a' } });
    expect(moveRequest(queue, 'b', 1)).toEqual({ id: 'c', body: { before: 'b' } });
    expect(moveRequest(queue, 'a', -1)).toBeNull();
    expect(moveRequest(queue, 'c', 1)).toBeNull();
  });

  it('drops upwards before the target, downwards after it', () => {
    expect(dropRequest(queue, 'c', 'a')).toEqual({ id: 'c', body: { before: 'a' } });
    expect(dropRequest(queue, 'a', 'b')).toEqual({ id: 'a', body: { before: 'c' } });
    // After this project's last queued run: its place in the shared queue, counted without the moved run.
    expect(dropRequest(queue, 'a', 'c')).toEqual({ id: 'a', body: { position: 4 } });
    expect(dropRequest(queue, 'a', 'a')).toBeNull();
  });
});

describe('metric column picker', () => {
  it('switches one TAG:STAT on or off, "loss" being loss:last', () => {
    expect(toggleMetricColumn(['loss', 'acc:max'], 'loss', 'min', true)).toEqual([
      'loss',
      'acc:max',
      'loss:min'
    ]);
    expect(toggleMetricColumn(['loss', 'acc:max'], 'loss', 'last', false)).toEqual(['acc:max']);
    expect(toggleMetricColumn(['loss:last'], 'loss', 'last', true)).toEqual(['loss']);
    expect(hasMetricColumn(['loss:last'], 'loss', 'last')).toBe(true);
    expect(hasMetricColumn(['loss'], 'loss', 'max')).toBe(false);
  });
});

describe('energyCell', () => {
  const energy = {
    gpu_wh: 12.345,
    cpu_wh: null,
    cost: 0.0031,
    currency: 'EUR',
    gpu_reason: null,
    cpu_reason: 'RAPL is not readable',
    cost_reason: null
  };

  it('shows the figure, or a dash with the reason on hover', () => {
    expect(energyCell(energy, 'gpu_wh')).toEqual({ text: '12.3 Wh', title: '' });
    expect(energyCell(energy, 'cpu_wh')).toEqual({ text: '—', title: 'RAPL is not readable' });
    expect(energyCell(energy, 'cost')).toEqual({ text: '0.0031 EUR', title: '' });
    expect(energyCell(null, 'gpu_wh')).toEqual({ text: '—', title: '' });
  });
});
