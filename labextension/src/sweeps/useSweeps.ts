/**
 * Live sweep data for the views: loaded by REST, kept current by the model's sweep events (a
 * trial's state, the best so far, the end) and, while a sweep runs, re-read every few seconds for
 * its trials' metrics (those change without an event).
 */
import * as React from 'react';
import { IRun } from '../api';
import { BeekeeperModel } from '../model';
import { ISweep, sweepsApi } from './api';

const REFRESH_MS = 5000;

/** A project's sweeps, newest first; an event for one of them updates the list in place. */
export function useProjectSweeps(
  model: BeekeeperModel,
  project: string
): { sweeps: ISweep[]; error: string | null } {
  const [state, setState] = React.useState({ sweeps: [] as ISweep[], error: null as string | null });
  React.useEffect(() => {
    let alive = true;
    const load = () =>
      sweepsApi.list(project).then(
        sweeps => alive && setState({ sweeps, error: null }),
        error => alive && setState(s => ({ ...s, error: (error as Error).message }))
      );
    void load();
    const onSweep = (_: unknown, sweep: ISweep | { id: string; deleted: true }) => {
      if ('deleted' in sweep) {
        setState(s => ({ ...s, sweeps: s.sweeps.filter(x => x.id !== sweep.id) }));
      } else if (sweep.project === project) {
        setState(s => {
          const i = s.sweeps.findIndex(x => x.id === sweep.id);
          const sweeps = i < 0 ? [sweep, ...s.sweeps] : s.sweeps.map(x => (x.id === sweep.id ? sweep : x));
          return { ...s, sweeps };
        });
      }
    };
    model.sweepChanged.connect(onSweep);
    return () => {
      alive = false;
      model.sweepChanged.disconnect(onSweep);
    };
  }, [model, project]);
  return state;
}

export interface ISweepData {
  sweep: ISweep | null;
  /** The trials as full runs (metrics included), in trial order. */
  runs: IRun[];
  error: string | null;
  /** Fetch again now (after Stop). */
  reload: () => void;
}

/** One sweep with its trials: again on each of its events, and every few seconds while it runs. */
export function useSweep(model: BeekeeperModel, id: string): ISweepData {
  const [state, setState] = React.useState({
    sweep: null as ISweep | null,
    runs: [] as IRun[],
    error: null as string | null
  });
  const [version, setVersion] = React.useState(0);
  React.useEffect(() => {
    let alive = true;
    let timer: number | null = null;
    let busy = false;
    let again = false;
    const load = async () => {
      if (busy) {
        again = true; // an event while loading: one more load after this one
        return;
      }
      busy = true;
      if (timer !== null) {
        window.clearTimeout(timer);
        timer = null;
      }
      try {
        const [sweep, runs] = await Promise.all([sweepsApi.get(id), sweepsApi.runs(id)]);
        if (!alive) {
          return;
        }
        const order = new Map((sweep.runs || []).map((t, i) => [t.id, i]));
        runs.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
        setState({ sweep, runs, error: null });
        if (
          sweep.state === 'running' ||
          runs.some(r => ['queued', 'starting', 'running'].includes(r.state))
        ) {
          timer = window.setTimeout(() => void load(), REFRESH_MS);
        }
      } catch (error) {
        if (alive) {
          setState(s => ({ ...s, error: (error as Error).message }));
        }
      } finally {
        busy = false;
        if (again && alive) {
          again = false;
          void load();
        }
      }
    };
    void load();
    const onSweep = (_: unknown, sweep: ISweep | { id: string; deleted: true }) => {
      if (sweep.id === id) {
        void load();
      }
    };
    model.sweepChanged.connect(onSweep);
    return () => {
      alive = false;
      model.sweepChanged.disconnect(onSweep);
      if (timer !== null) {
        window.clearTimeout(timer);
      }
    };
  }, [model, id, version]);
  const reload = React.useCallback(() => setVersion(v => v + 1), []);
  return { ...state, reload };
}
