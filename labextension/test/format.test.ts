import { describe, expect, it } from 'vitest';
import {
  describePlacement,
  executorLabel,
  formatBytes,
  formatGpus,
  formatDuration,
  formatEnv,
  formatHeadline,
  formatShortDuration,
  formatUsage,
  formatValue,
  parseEnv,
  pickHeadline,
  splitArgs,
  validateName
} from '../src/format';

describe('validateName', () => {
  it('accepts the server rule', () => {
    for (const ok of ['a', 'my-model', 'v1.2_x', 'A'.repeat(64)]) {
      expect(validateName(ok)).toBeNull();
    }
  });
  it('explains each rejection', () => {
    expect(validateName('')).toMatch(/required/);
    expect(validateName('has space')).toMatch(/spaces/);
    expect(validateName('a..b')).toMatch(/\.\./);
    expect(validateName('-lead')).toMatch(/Start/);
    expect(validateName('A'.repeat(65))).toMatch(/64/);
    expect(validateName('a/b')).not.toBeNull();
  });
});

describe('env and args', () => {
  it('parses KEY=value lines and round-trips', () => {
    const { env, error } = parseEnv('A=1\n# note\n\nB = x=y');
    expect(error).toBeNull();
    expect(env).toEqual({ A: '1', B: ' x=y' });
    expect(parseEnv(formatEnv({ X: 'a b' })).env).toEqual({ X: 'a b' });
  });
  it('names the bad line', () => {
    expect(parseEnv('A=1\nnot a pair').error).toMatch(/Line 2/);
  });
  it('splits arguments with quotes like a shell', () => {
    expect(splitArgs(`--lr 0.1 --name "my run" 'x y' a\\ b ""`)).toEqual([
      '--lr',
      '0.1',
      '--name',
      'my run',
      'x y',
      'a b',
      ''
    ]);
    expect(splitArgs('  ')).toEqual([]);
  });
});

describe('formatting', () => {
  it('durations', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(7500)).toBe('2 h 5 min');
    expect(formatShortDuration(720)).toBe('12 min');
  });
  it('bytes and values', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(24 * 1024 ** 3)).toBe('24 GB');
    expect(formatValue(0.213456)).toBe('0.213');
    expect(formatValue(1234.5)).toBe('1230');
    expect(formatValue(0.00001)).toBe('1.00e-5');
  });
  it('headline picks the newest run folder and a loss-like tag', () => {
    const runs = {
      old: { 'train/loss': { step: 10, value: 9, wall_time: 1 } },
      new: {
        accuracy: { step: 4100, value: 0.9, wall_time: 100 },
        'train/loss': { step: 4100, value: 0.2134, wall_time: 100 }
      }
    };
    expect(formatHeadline(pickHeadline(runs))).toBe('loss 0.213 @ 4,100');
    expect(pickHeadline({})).toBeNull();
    expect(formatHeadline(pickHeadline({ r: { acc: { step: 1, value: 0.5, wall_time: 1 } } }))).toBe(
      'acc 0.5 @ 1'
    );
  });
});

describe('formatUsage', () => {
  it('says what the process tree uses, GPU memory only when there is some', () => {
    expect(formatUsage(null)).toBe('');
    const cpuOnly = formatUsage({
      cpu_percent: 97.4,
      rss_bytes: 312 * 1024 * 1024,
      gpu_memory_bytes: 0,
      processes: 1
    });
    expect(cpuOnly).toMatch(/^CPU 97% · RAM 312(\.0)? MB · 1 process$/);
    const withGpu = formatUsage({
      cpu_percent: 150,
      rss_bytes: 1024,
      gpu_memory_bytes: 2 * 1024 ** 3,
      processes: 3
    });
    expect(withGpu).toContain('GPU 2');
    expect(withGpu).toMatch(/3 processes$/);
  });
});

describe('describePlacement', () => {
  it('says nothing special about a local run', () => {
    expect(describePlacement({ executor: 'local', mode: 'local' })).toEqual({ label: 'local', note: '' });
    expect(describePlacement({ executor: null, mode: null }).label).toBe('local');
  });
  it('names the Ray mode and what a working-dir run leaves out', () => {
    const shared = describePlacement({ executor: 'ray', mode: 'shared-filesystem' });
    expect(shared.label).toBe('ray · shared-filesystem');
    expect(shared.note).toMatch(/work as for local runs/);
    const shipped = describePlacement({ executor: 'ray', mode: 'working-dir' });
    expect(shipped.label).toBe('ray · working-dir');
    expect(shipped.note).toMatch(/stay on that node/);
  });
});

describe('executorLabel', () => {
  it('flags an unreachable cluster and counts free GPUs when known', () => {
    expect(executorLabel({ name: 'ray', reachable: false })).toBe('ray (unreachable)');
    expect(executorLabel({ name: 'ray', reachable: true, gpus: { total: 2, used: 1 } })).toBe(
      'ray · 1/2 GPUs free'
    );
    expect(executorLabel({ name: 'ray', reachable: true, gpus: { total: 2, used: null } })).toBe(
      'ray · 2 GPUs'
    );
    expect(executorLabel({ name: 'local', reachable: true })).toBe('local');
  });
});

describe('formatGpus', () => {
  it('shows assigned devices, else how many an engine was asked for', () => {
    expect(formatGpus({ gpus: [0, 1], gpus_requested: 2 })).toBe('0,1');
    expect(formatGpus({ gpus: [], gpus_requested: 1 })).toBe('×1');
    expect(formatGpus({ gpus: [], gpus_requested: 0 })).toBe('—');
    expect(formatGpus({ gpus: null })).toBe('—');
  });
});
