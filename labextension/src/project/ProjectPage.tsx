import * as React from 'react';
import { Button, ReactWidget } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { IProject, IRun } from '../api';
import { BeekeeperModel } from '../model';
import { stateLabel } from '../format';
import { beeIcon } from '../icons';
import { TransContext, useTrans } from '../i18n';
import { IObservable, useModel } from '../useModel';
import { Overview } from './Overview';
import { Runs } from './Runs';
import { Logs } from './Logs';
import { TensorBoard } from './TensorBoard';
import { Files } from './Files';
import { Schedules } from './Schedules';

export const TABS = ['overview', 'runs', 'logs', 'tensorboard', 'files'] as const;
export type Tab = (typeof TABS)[number];

export interface IPageActions {
  back: () => void;
  edit: (project: IProject) => void;
  openInLab: (path: string) => void;
  /** A run's detail page, and the Compare view of some runs. */
  openRun: (id: string) => void;
  compare: (ids: string[]) => void;
  /** A sweep's page. */
  openSweep?: (id: string) => void;
  /** A notebook run's executed notebook, read-only. */
  openNotebook?: (run: IRun) => void;
}

interface IPageProps {
  model: BeekeeperModel;
  page: ProjectPage;
  actions: IPageActions;
}

function Header(props: { name: string; project?: IProject; back: () => void }): JSX.Element {
  const { name, project } = props;
  const trans = useTrans();
  return (
    <div className="bk-page-header">
      <Button
        small
        minimal
        className="bk-back"
        onClick={props.back}
        title={trans.__('Back to the project list')}
      >
        ← {trans.__('Projects')}
      </Button>
      <beeIcon.react tag="span" className="bk-header-icon" />
      <h2 className="bk-page-title">{name}</h2>
      {project && (
        <span className={`bk-badge bk-setup-${project.setup.state}`}>{stateLabel(project.setup.state)}</span>
      )}
    </div>
  );
}

function TabBar(props: { page: ProjectPage; tab: Tab }): JSX.Element {
  const trans = useTrans();
  const labels: Record<Tab, string> = {
    overview: trans.__('Overview'),
    runs: trans.__('Runs'),
    logs: trans.__('Logs'),
    tensorboard: trans.__('TensorBoard'),
    files: trans.__('Files')
  };
  return (
    <div className="bk-tabs" role="tablist">
      {TABS.map(t => (
        <button
          key={t}
          role="tab"
          aria-selected={props.tab === t}
          className={'bk-tab' + (props.tab === t ? ' bk-tab-active' : '')}
          data-tab={t}
          onClick={() => props.page.setTab(t)}
        >
          {labels[t]}
        </button>
      ))}
    </div>
  );
}

function TabBody(props: IPageProps & { project: IProject; tab: Tab }): JSX.Element {
  const { model, page, actions, project, tab } = props;
  const name = project.name;
  const { runs, runsError } = useModel(model, m => ({
    runs: m.runs.get(name) || [],
    runsError: m.runsError.get(name) || null
  }));
  const selected = useModel(page, p => p.selectedRun);
  switch (tab) {
    case 'overview':
      return (
        <Overview
          model={model}
          project={project}
          onEdit={() => actions.edit(project)}
          onDeleted={actions.back}
        />
      );
    case 'runs':
      return (
        <>
          {runsError && <div className="bk-form-error">{runsError}</div>}
          <Runs
            model={model}
            project={project}
            runs={runs}
            onShowLog={id => page.selectRun(id, true)}
            onDeleted={id => page.forgetRun(id)}
            onOpenRun={actions.openRun}
            onCompare={actions.compare}
            onOpenSweep={actions.openSweep}
            onOpenNotebook={actions.openNotebook}
          />
          <Schedules model={model} project={project} openRun={actions.openRun} />
        </>
      );
    case 'logs':
      return <Logs model={model} runs={runs} selected={selected} onSelect={id => page.selectRun(id, true)} />;
    case 'tensorboard':
      return <TensorBoard model={model} name={name} />;
    default:
      return <Files model={model} name={name} openInLab={actions.openInLab} />;
  }
}

function PageView(props: IPageProps): JSX.Element {
  const { model, page, actions } = props;
  const name = page.projectName;
  const trans = useTrans();
  const { project, loaded, newest } = useModel(model, m => ({
    project: m.project(name),
    loaded: m.loaded,
    newest: m.runs.get(name)?.[0]?.id
  }));
  const tab = useModel(page, p => p.tab);

  React.useEffect(() => {
    void model.loadRuns(name);
  }, [model, name]);
  // The Logs tab shows the newest run until the user picks one.
  React.useEffect(() => {
    if (newest && !page.selectedRun) {
      page.selectRun(newest, false);
    }
  }, [newest, page]);

  return (
    <div className="bk-page">
      <Header name={name} project={project} back={actions.back} />
      <TabBar page={page} tab={tab} />
      <div className="bk-tab-body" data-tab-body={tab}>
        {project ? (
          <TabBody {...props} project={project} tab={tab} />
        ) : (
          <div className="bk-muted bk-empty">
            {loaded ? trans.__('There is no project named %1 (any more).', name) : trans.__('Loading…')}
          </div>
        )}
      </div>
    </div>
  );
}

/** One project's page in the main area; the tab and the selected run live here so commands can set them. */
export class ProjectPage extends ReactWidget implements IObservable {
  tab: Tab = 'overview';
  selectedRun: string | null = null;
  private _version = 0;
  private _changed = new Signal<this, void>(this);

  constructor(
    private _model: BeekeeperModel,
    readonly projectName: string,
    private _actions: IPageActions,
    private _trans: TranslationBundle
  ) {
    super();
    this.id = `beekeeper-project-${projectName}`;
    this.addClass('bk-page-widget');
    this.title.label = projectName;
    this.title.icon = beeIcon;
    this.title.closable = true;
    this.title.caption = _trans.__('Beekeeper project %1', projectName);
  }

  get version(): number {
    return this._version;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  setTab(tab: Tab): void {
    this.tab = tab;
    this._emit();
  }

  /** A deleted run is no longer the one the Logs tab shows. */
  forgetRun(id: string): void {
    if (this.selectedRun === id) {
      this.selectedRun = null;
      this._emit();
    }
  }

  selectRun(id: string, show: boolean): void {
    this.selectedRun = id;
    if (show) {
      this.tab = 'logs';
    }
    this._emit();
  }

  /** Closing (its tab's ×, or Back) disposes the page, so opening the project again builds a fresh one. */
  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  render(): JSX.Element {
    return (
      <TransContext.Provider value={this._trans}>
        <PageView model={this._model} page={this} actions={this._actions} />
      </TransContext.Provider>
    );
  }

  private _emit(): void {
    this._version++;
    this._changed.emit();
  }
}
