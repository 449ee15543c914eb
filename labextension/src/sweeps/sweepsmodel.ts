/**
 * The model's sweeps: each watched project's sweep list and each followed sweep with its trial
 * runs, loaded by REST and kept current by the sweep events the model hands over (a trial's state,
 * the best so far, the end). A followed sweep is also re-read every few seconds while it or a
 * trial is active, for its trials' metrics (those change without an event).
 */
import { api, IRun } from '../api';
import { coalesce } from '../coalesce';
import { isActiveRun } from '../format';
import { Observable } from '../useModel';
import { ISweep, ISweepEvent } from './types';

const REFRESH_MS = 5000;
const NO_SWEEPS: ISweep[] = [];

/** A project's sweeps as a view shows them. */
export interface ISweepList {
  /** Newest first. */
  sweeps: ISweep[];
  error: string | null;
}

/** One followed sweep as a view shows it. */
export interface ISweepDetail {
  /** Null until the first load. */
  sweep: ISweep | null;
  /** The trials as full runs (metrics included), in trial order. */
  runs: IRun[];
  error: string | null;
}

/** The loading state behind one followed sweep: one load at a time, timers while it runs. */
interface IFollow {
  users: number;
  detail: ISweepDetail;
  timer: number | null;
  /** Read the sweep and its trials again (coalesced: asked during a load, one more after it). */
  load: () => Promise<void>;
}

/** The first user of `key` creates its entry; the returned function lets go, and the last one drops it. */
function acquire<T extends { users: number }>(
  entries: Map<string, T>,
  key: string,
  create: () => T,
  drop?: (entry: T) => void
): () => void {
  const entry = entries.get(key) || create();
  entry.users++;
  return () => {
    if (--entry.users === 0 && entries.get(key) === entry) {
      entries.delete(key);
      drop?.(entry);
    }
  };
}

export class SweepsModel extends Observable {
  private _lists = new Map<string, ISweepList & { users: number }>();
  private _follows = new Map<string, IFollow>();

  /** A watched project's sweeps (empty until loaded, or when nobody watches it). */
  list(project: string): ISweepList {
    return this._lists.get(project) || { sweeps: NO_SWEEPS, error: null };
  }

  /** A followed sweep (null until followed). */
  detail(id: string): ISweepDetail | null {
    return this._follows.get(id)?.detail || null;
  }

  /** Load a project's sweeps and keep them current (the first watcher loads); the returned function lets go. */
  watchProject(project: string): () => void {
    return acquire(this._lists, project, () => this._listProject(project));
  }

  /** Load a sweep with its trials and keep it current (the first follower loads); the returned function lets go. */
  follow(id: string): () => void {
    return acquire(
      this._follows,
      id,
      () => this._followSweep(id),
      follow => this._clearTimer(follow)
    );
  }

  /** A project's sweeps, newest first, read once (the palette's Open Sweep picks from them). */
  ofProject(project: string): Promise<ISweep[]> {
    return api.sweeps(project);
  }

  async create(project: string, body: Record<string, unknown>): Promise<ISweep> {
    const sweep = await api.createSweep(project, body);
    this.onEvent(sweep); // ahead of its event
    return sweep;
  }

  /** POST /sweeps/{id}/stop, then the sweep as the server now has it. */
  async stop(id: string): Promise<void> {
    await api.stopSweep(id);
    const follow = this._follows.get(id);
    if (follow) {
      void follow.load();
    }
  }

  /** A sweep event from /events: lists change in place, a followed sweep is read again. */
  onEvent(event: ISweepEvent): void {
    let changed = false;
    for (const [project, entry] of this._lists) {
      const i = entry.sweeps.findIndex(s => s.id === event.id);
      if ('deleted' in event) {
        if (i >= 0) {
          entry.sweeps = entry.sweeps.filter(s => s.id !== event.id);
          changed = true;
        }
      } else if (event.project === project) {
        entry.sweeps =
          i < 0 ? [event, ...entry.sweeps] : entry.sweeps.map(s => (s.id === event.id ? event : s));
        changed = true;
      }
    }
    if (changed) {
      this.emitChanged();
    }
    const follow = this._follows.get(event.id);
    if (follow) {
      void follow.load();
    }
  }

  private _listProject(project: string): ISweepList & { users: number } {
    const entry: ISweepList & { users: number } = { sweeps: NO_SWEEPS, error: null, users: 0 };
    this._lists.set(project, entry);
    api.sweeps(project).then(
      sweeps => this._setList(project, entry, { sweeps, error: null }),
      error => this._setList(project, entry, { error: (error as Error).message })
    );
    return entry;
  }

  private _followSweep(id: string): IFollow {
    const follow: IFollow = {
      users: 0,
      detail: { sweep: null, runs: [], error: null },
      timer: null,
      load: coalesce(() => this._fetch(id, follow))
    };
    this._follows.set(id, follow);
    void follow.load();
    return follow;
  }

  private _setList(project: string, entry: ISweepList, patch: Partial<ISweepList>): void {
    if (this._lists.get(project) === entry) {
      Object.assign(entry, patch);
      this.emitChanged();
    }
  }

  private async _fetch(id: string, follow: IFollow): Promise<void> {
    const alive = () => this._follows.get(id) === follow;
    if (!alive()) {
      return; // let go while a load ran: the one asked after it is not needed
    }
    this._clearTimer(follow);
    try {
      const [sweep, runs] = await Promise.all([api.sweep(id), api.sweepRuns(id)]);
      if (!alive()) {
        return;
      }
      const order = new Map((sweep.runs || []).map((t, i) => [t.id, i]));
      runs.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
      follow.detail = { sweep, runs, error: null };
      this.emitChanged();
      if (sweep.state === 'running' || runs.some(r => isActiveRun(r.state))) {
        follow.timer = window.setTimeout(() => void follow.load(), REFRESH_MS);
      }
    } catch (error) {
      if (alive()) {
        follow.detail = { ...follow.detail, error: (error as Error).message };
        this.emitChanged();
      }
    }
  }

  private _clearTimer(follow: IFollow): void {
    if (follow.timer !== null) {
      window.clearTimeout(follow.timer);
      follow.timer = null;
    }
  }
}
