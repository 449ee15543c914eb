/**
 * The main-area widgets the panel opens: one page per project (reused while open) and the project
 * form (New project, Edit) as a full-width widget.
 */
import * as React from 'react';
import { JupyterFrontEnd } from '@jupyterlab/application';
import { TranslationBundle } from '@jupyterlab/translation';
import { IProject, IRun } from './api';
import { BeekeeperModel } from './model';
import { ProjectPage, Tab } from './project/ProjectPage';
import { ProjectFormWidget } from './components/ProjectFormWidget';
import { CompareWidget } from './experiments/CompareView';
import { RunDetailBody } from './experiments/RunDetail';
import { AllRunsWidget } from './experiments/AllRuns';
import { NotificationsWidget } from './notifications/NotificationsPage';
import { SweepBody } from './sweeps/SweepView';
import { PageWidget } from './components/PageWidget';
import { ISessionContext, MainAreaWidget } from '@jupyterlab/apputils';
import { drivePath } from './filesdrive';

/** What `docmanager:open` returns for a document, as far as openNotebook needs it. */
interface IOpenedDocument {
  context?: { sessionContext: ISessionContext; ready: Promise<void>; model: { dirty: boolean } };
}

/** The pages of one thing by its id (`beekeeper-<kind>-<id>`, labelled with the id): their class and caption. */
const PAGES_BY_ID = {
  run: {
    className: 'bk-run-detail-widget',
    caption: (trans: TranslationBundle, id: string) => trans.__('Beekeeper run %1', id)
  },
  sweep: {
    className: 'bk-sweep-widget',
    caption: (trans: TranslationBundle, id: string) => trans.__('Beekeeper sweep %1', id)
  }
};

export class Pages {
  private _pages = new Map<string, ProjectPage>();
  private _forms = new Map<string, ProjectFormWidget>();
  /** Run detail and Compare views by their widget id (reused while open). */
  private _views = new Map<string, MainAreaWidget>();

  constructor(
    private _app: JupyterFrontEnd,
    private _model: BeekeeperModel,
    private _trans: TranslationBundle,
    private _sidebarId: string
  ) {}

  /** Open (or bring forward) a project's page, optionally on a tab and a run. */
  open(name: string, tab?: Tab, run?: string): ProjectPage {
    let page = this._pages.get(name);
    if (!page || page.isDisposed) {
      const created = new ProjectPage(
        this._model,
        name,
        {
          back: () => {
            this._app.shell.activateById(this._sidebarId);
            created.close();
          },
          edit: project => this.edit(project),
          openRun: id => this.openRun(id),
          compare: ids => this.compare(ids),
          openSweep: id => this.openSweep(id),
          openNotebook: run => void this.openNotebook(run),
          openInLab: path => void this._app.commands.execute('docmanager:open', { path })
        },
        this._trans
      );
      page = created;
      this._pages.set(name, created);
      created.disposed.connect(() => this._pages.delete(name));
      this._app.shell.add(created, 'main');
    }
    if (run) {
      page.selectRun(run, true);
    }
    if (tab) {
      page.setTab(tab);
    }
    this._app.shell.activateById(page.id);
    return page;
  }

  /** A run's detail page: charts, usage, params, command, commit, energy and log. */
  openRun(id: string): void {
    const links = {
      openProject: (name: string) => void this.open(name),
      openNotebook: (run: IRun) => void this.openNotebook(run),
      openSweep: (sweep: string) => this.openSweep(sweep)
    };
    this._pageOf('run', id, () => React.createElement(RunDetailBody, { model: this._model, id, links }));
  }

  /** A sweep's page: its trials by objective, its charts, Stop. */
  openSweep(id: string): void {
    const actions = {
      openRun: (run: string) => this.openRun(run),
      openProject: (name: string) => void this.open(name)
    };
    this._pageOf('sweep', id, () => React.createElement(SweepBody, { model: this._model, id, actions }));
  }

  /**
   * A notebook run's executed notebook in JupyterLab's notebook viewer, read-only through the
   * Beekeeper drive (the run folder is usually outside Jupyter's root). No kernel starts for it:
   * a kernel here would be Jupyter's, not the project's venv the notebook ran in.
   */
  async openNotebook(run: IRun): Promise<void> {
    if (!run.notebook) {
      return;
    }
    const widget = (await this._app.commands.execute('docmanager:open', {
      path: drivePath(run.project, run.notebook)
    })) as IOpenedDocument | undefined;
    const context = widget?.context;
    if (!context) {
      return;
    }
    // Set before the contents arrive (a fetch away), which is when the context would start a kernel.
    const session = context.sessionContext;
    session.kernelPreference = { ...session.kernelPreference, shouldStart: false, canStart: false };
    // JupyterLab gives a notebook that names no kernelspec (the executed one names none) an empty
    // one as it loads, which marks it modified; a read-only view has nothing to save or ask about.
    await context.ready;
    context.model.dirty = false;
  }

  /** The Compare view of some runs (one chart per tag, one line per run). */
  compare(ids: string[]): void {
    this._view(
      `beekeeper-compare-${ids.join('-')}`,
      () => new CompareWidget(this._model, this._trans, ids, id => this.openRun(id))
    );
  }

  /** Runs of every project: filter, sort by a metric, open or compare any. */
  allRuns(): void {
    this._view(
      'beekeeper-all-runs',
      () =>
        new AllRunsWidget(this._model, this._trans, {
          openRun: id => this.openRun(id),
          compare: ids => this.compare(ids)
        })
    );
  }

  /** The notification settings: sinks, test messages, recent deliveries. */
  notifications(): void {
    this._view(
      'beekeeper-notifications',
      () => new NotificationsWidget(this._model.notifications, this._trans)
    );
  }

  /** The page of a run or a sweep, its body made only when it is not open yet. */
  private _pageOf(kind: keyof typeof PAGES_BY_ID, id: string, body: () => JSX.Element): void {
    const { className, caption } = PAGES_BY_ID[kind];
    const tab = { id: `beekeeper-${kind}-${id}`, className, label: id, caption: caption(this._trans, id) };
    this._view(tab.id, () => new PageWidget(this._trans, body(), tab));
  }

  private _view(id: string, make: () => MainAreaWidget): void {
    let view = this._views.get(id);
    if (!view || view.isDisposed) {
      view = make();
      this._views.set(id, view);
      view.disposed.connect(() => this._views.delete(id));
      this._app.shell.add(view, 'main');
    }
    this._app.shell.activateById(view.id);
  }

  /** The New project form; once created, the project's page opens. */
  newProject(): void {
    this._form('new', undefined, project => this.open(project.name));
  }

  /** The Edit form of a project; saving returns to its page. */
  edit(project: IProject): void {
    this._form(`edit:${project.name}`, project, saved => this.open(saved.name, 'overview'));
  }

  private _form(key: string, project: IProject | undefined, onDone: (project: IProject) => void): void {
    let form = this._forms.get(key);
    if (!form || form.isDisposed) {
      form = new ProjectFormWidget(this._model, this._trans, { project, onDone });
      this._forms.set(key, form);
      form.disposed.connect(() => this._forms.delete(key));
      this._app.shell.add(form, 'main');
    }
    this._app.shell.activateById(form.id);
  }
}
