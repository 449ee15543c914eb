/**
 * One shared, live view of projects and their latest runs for every widget of the panel: loaded by
 * REST, kept fresh by the events WebSocket (re-listed after each reconnect, so nothing is missed).
 */
import { ISignal, Signal } from '@lumino/signaling';
import { api, IProject, IRun, Scalars, Stream } from './api';
import { isActiveRun } from './format';

export class BeekeeperModel {
  projects: IProject[] = [];
  /** Newest run of each project. */
  latest = new Map<string, IRun>();
  scalars = new Map<string, Scalars>();
  error: string | null = null;
  loaded = false;

  private _changed = new Signal<this, void>(this);
  private _runChanged = new Signal<this, IRun>(this);
  private _runEnded = new Signal<this, IRun>(this);
  private _events: Stream | null = null;
  private _scalarTimer: number | null = null;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Every run transition the server announces. */
  get runChanged(): ISignal<this, IRun> {
    return this._runChanged;
  }

  /** A run this page saw active has finished (succeeded, failed, stopped, lost). */
  get runEnded(): ISignal<this, IRun> {
    return this._runEnded;
  }

  start(): void {
    if (this._events) {
      return;
    }
    this._events = new Stream(
      'events',
      msg => this._onEvent(msg),
      () => ({}),
      connected => {
        if (connected) {
          void this.refresh();
        }
      }
    );
    this._scalarTimer = window.setInterval(() => void this.refreshScalars(), 15000);
  }

  dispose(): void {
    this._events?.dispose();
    if (this._scalarTimer !== null) {
      window.clearInterval(this._scalarTimer);
    }
  }

  project(name: string): IProject | undefined {
    return this.projects.find(p => p.name === name);
  }

  async refresh(): Promise<void> {
    try {
      const projects = await api.projects();
      this.projects = projects.sort((a, b) => a.name.localeCompare(b.name));
      await Promise.all(
        projects.map(async p => {
          try {
            const { runs } = await api.runs(p.name, 1);
            if (runs.length) {
              this.latest.set(p.name, runs[0]);
            } else {
              this.latest.delete(p.name);
            }
          } catch {
            // The runs API may be missing on an older server: the list still shows.
          }
        })
      );
      this.error = null;
    } catch (error) {
      this.error = (error as Error).message;
    }
    this.loaded = true;
    this._changed.emit();
    void this.refreshScalars();
  }

  /** Latest scalars of projects with an active run (and once for the rest), for the row summary. */
  async refreshScalars(all = false): Promise<void> {
    const names = this.projects
      .filter(p => all || isActiveRun(this.latest.get(p.name)?.state) || !this.scalars.has(p.name))
      .filter(p => p.setup.state === 'ready')
      .map(p => p.name);
    if (!names.length) {
      return;
    }
    await Promise.all(
      names.map(async name => {
        try {
          this.scalars.set(name, await api.scalars(name));
        } catch {
          this.scalars.set(name, {});
        }
      })
    );
    this._changed.emit();
  }

  private _onEvent(msg: any): void {
    if (msg.type === 'project' && msg.project?.deleted) {
      this.forget(msg.project.name); // deleted here or in another tab, by the client or the CLI
    } else if (msg.type === 'project' && msg.project) {
      const p = msg.project as IProject;
      const i = this.projects.findIndex(x => x.name === p.name);
      if (i >= 0) {
        this.projects[i] = { ...this.projects[i], ...p };
      } else {
        this.projects.push(p);
        this.projects.sort((a, b) => a.name.localeCompare(b.name));
      }
      this._changed.emit();
    } else if (msg.type === 'run' && msg.run) {
      const run = msg.run as IRun;
      const known = this.latest.get(run.project);
      if (!known || known.id === run.id || run.created >= known.created) {
        const wasActive = known && known.id === run.id && isActiveRun(known.state);
        this.latest.set(run.project, run);
        if (wasActive && !isActiveRun(run.state)) {
          this._runEnded.emit(run);
          void this.refreshScalars(true);
        }
      }
      this._runChanged.emit(run);
      this._changed.emit();
    }
  }

  /** A project the server just returned (after create or edit), ahead of its event. */
  upsert(project: IProject): void {
    this._onEvent({ type: 'project', project });
  }

  /** After a delete (the server may not announce it). */
  forget(name: string): void {
    this.projects = this.projects.filter(p => p.name !== name);
    this.latest.delete(name);
    this.scalars.delete(name);
    this._changed.emit();
  }
}
