import { describe, expect, it } from 'vitest';
import { coalesce } from '../src/coalesce';

describe('coalesce', () => {
  it('runs one load at a time, and calls during a load ask for one more after it', async () => {
    let running = 0;
    let most = 0;
    let loads = 0;
    const gates: (() => void)[] = [];
    const load = coalesce(async () => {
      loads++;
      running++;
      most = Math.max(most, running);
      await new Promise<void>(resolve => gates.push(resolve));
      running--;
    });
    const first = load();
    const during = [load(), load(), load()];
    expect(loads).toBe(1);
    gates.shift()!();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(loads).toBe(2); // three calls during the first load: one more, not three
    gates.shift()!();
    await Promise.all([first, ...during]);
    expect(loads).toBe(2);
    expect(most).toBe(1);
    const later = load(); // idle again: a new call loads at once
    expect(loads).toBe(3);
    gates.shift()!();
    await later;
  });

  it('goes on after a failed load', async () => {
    let calls = 0;
    const load = coalesce(async () => {
      calls++;
      throw new Error('down');
    });
    await expect(load()).rejects.toThrow('down');
    await expect(load()).rejects.toThrow('down');
    expect(calls).toBe(2);
  });
});
