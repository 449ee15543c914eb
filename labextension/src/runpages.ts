/**
 * A run history as the windowed table pages it: one slot per run the server has (its total), the
 * run once its page has loaded and undefined until then, so a jump to row 9,990 of 10,000 asks for
 * that page alone instead of the nine before it. Pure functions and one small loader; the model
 * keeps a project's history this way and All runs its own list.
 */
import type { IRun } from './api';

/** A history: `rows.length` is the total, a missing run is a row still to load. */
export type RunRows = ReadonlyArray<IRun | undefined>;

/** One page's answer: its runs and the server's total now. */
export interface IRunPage {
  runs: IRun[];
  total: number;
}

/** Runs per page request (GET ...runs?offset=&limit=). */
export const RUN_PAGE = 1000;

/** Rows past the window's edges that load with it, so a slow scroll meets loaded rows. */
export const PAGE_MARGIN = 50;

/**
 * The rows with a page the server sent put at `offset`; the server's `total` (as of now) sets the
 * length. A run of the page leaves any other slot it held (rows shifted by a run started meanwhile).
 */
export function placePage(rows: RunRows, offset: number, runs: IRun[], total: number): RunRows {
  const ids = new Set(runs.map(r => r.id));
  const length = Math.max(total, offset + runs.length);
  const next: (IRun | undefined)[] = Array.from({ length }, (_, i) => {
    const r = rows[i];
    return r && ids.has(r.id) ? undefined : r;
  });
  runs.forEach((r, i) => (next[offset + i] = r));
  return next;
}

/** The loaded runs in table order (for the column choices, checks and metric tags). */
export function loadedRuns(rows: RunRows): IRun[] {
  return rows.filter((r): r is IRun => r !== undefined);
}

/**
 * Offsets of the pages that hold a missing row of the window [start, end), widened by `margin`:
 * what the table asks for (only these, whatever lies between them and the loaded rows).
 */
export function missingPages(
  rows: RunRows,
  start: number,
  end: number,
  page = RUN_PAGE,
  margin = PAGE_MARGIN
): number[] {
  const pages: number[] = [];
  const to = Math.min(rows.length, end + margin);
  for (let i = Math.max(0, start - margin); i < to; i++) {
    if (rows[i] === undefined) {
      const offset = Math.floor(i / page) * page;
      pages.push(offset);
      i = offset + page - 1; // the rest of this page comes with it
    }
  }
  return pages;
}

/**
 * A run's new record (an event, a start) in place. A run not listed goes first and adds to the
 * total when it is new: newer than the first row, or nothing is missing; otherwise it sits in a
 * page not loaded yet, which will show it as it is when it loads.
 */
export function upsertRow(rows: RunRows, run: IRun): RunRows {
  const i = rows.findIndex(r => r?.id === run.id);
  if (i >= 0) {
    return rows.map((r, j) => (j === i ? run : r));
  }
  const first = rows[0];
  const complete = !rows.some(r => r === undefined);
  return complete || !first || run.created >= first.created ? [run, ...rows] : rows;
}

/** The rows without a deleted run (one fewer in the total). */
export function removeRow(rows: RunRows, id: string): RunRows {
  const i = rows.findIndex(r => r?.id === id);
  return i < 0 ? rows : [...rows.slice(0, i), ...rows.slice(i + 1)];
}

/** Each loaded run through `change` (the queue's new positions), missing rows left missing. */
export function mapRows(rows: RunRows, change: (run: IRun) => IRun): RunRows {
  return rows.map(r => (r ? change(r) : r));
}

/**
 * Asks for each missing page once while it is in flight, and drops a page that answers after the
 * history was reset (a new sort or filter), so an old order never lands in the new one.
 */
export class PageLoader {
  private _loading = new Set<number>();
  private _generation = 0;

  /** The history starts anew: pages in flight no longer apply. */
  reset(): void {
    this._generation++;
    this._loading.clear();
  }

  /** Fetches the pages not already in flight; `apply` gets each page that still applies. */
  async load(
    offsets: number[],
    fetch: (offset: number) => Promise<IRunPage>,
    apply: (offset: number, page: IRunPage) => void,
    fail: (error: Error) => void
  ): Promise<void> {
    const generation = this._generation;
    const fresh = offsets.filter(o => !this._loading.has(o));
    fresh.forEach(o => this._loading.add(o));
    await Promise.all(
      fresh.map(async offset => {
        try {
          const page = await fetch(offset);
          if (generation === this._generation) {
            apply(offset, page);
          }
        } catch (error) {
          if (generation === this._generation) {
            fail(error as Error);
          }
        } finally {
          if (generation === this._generation) {
            this._loading.delete(offset);
          }
        }
      })
    );
  }
}
