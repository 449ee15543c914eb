import * as React from 'react';

/**
 * Load now, then again after the delay `next` returns for what came back (null: stop), one load at
 * a time; a failure goes to `fail` and stops. Nothing is handed on once the component unmounts or
 * `deps` change (the loads start over then). `round` counts the loads: 0 is the first.
 */
export function usePoll<T>(
  load: (round: number) => Promise<T>,
  next: (value: T, round: number) => number | null,
  fail: (error: Error) => void,
  deps: React.DependencyList
): void {
  React.useEffect(() => {
    let alive = true;
    let timer: number | null = null;
    const run = async (round: number) => {
      try {
        const value = await load(round);
        if (!alive) {
          return;
        }
        const delay = next(value, round);
        if (delay !== null) {
          timer = window.setTimeout(() => void run(round + 1), delay);
        }
      } catch (error) {
        if (alive) {
          fail(error as Error);
        }
      }
    };
    void run(0);
    return () => {
      alive = false;
      if (timer !== null) {
        window.clearTimeout(timer);
      }
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
}
