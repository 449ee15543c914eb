import * as React from 'react';
import { Button, ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { api, IRun } from '../api';
import { BeekeeperModel } from '../model';
import { stateLabel } from '../format';
import { beeIcon } from '../icons';
import { Overview } from './Overview';
import { Runs } from './Runs';
import { Logs } from './Logs';
import { TensorBoard } from './TensorBoard';
import { Files } from './Files';

export const TABS = ['overview', 'runs', 'logs', 'tensorboard', 'files'] as const;
export type Tab = (typeof TABS)[number];
const LABELS: Record<Tab, string> = {
  overview: 'Overview',
  runs: 'Runs',
  logs: 'Logs',
  tensorboard: 'TensorBoard',
  files: 'Files'
};

export interface IPageActions {
  back: () => void;
  openInLab: (path: string) => void;
}

interface IPageProps {
  model: BeekeeperModel;
  name: string;
  page: ProjectPage;
  actions: IPageActions;
}

function PageView(props: IPageProps): JSX.Element {
  const { model, name, page, actions } = props;
  const [runs, setRuns] = React.useState<IRun[]>([]);
  const [runsError, setRunsError] = React.useState<string | null>(null);

  const loadRuns = React.useCallback(async () => {
    try {
      const r = await api.runs(name, 200);
      setRuns(r.runs);
      setRunsError(null);
      if (!page.selectedRun && r.runs.length) {
        page.selectRun(r.runs[0].id, false);
      }
    } catch (error) {
      setRunsError((error as Error).message);
    }
  }, [name, page]);

  React.useEffect(() => {
    void loadRuns();
    const onRun = (_: unknown, run: IRun) => {
      if (run.project !== name) {
        return;
      }
      setRuns(old => {
        const i = old.findIndex(r => r.id === run.id);
        if (i < 0) {
          return [run, ...old];
        }
        const next = [...old];
        next[i] = run;
        return next;
      });
    };
    model.runChanged.connect(onRun);
    return () => {
      model.runChanged.disconnect(onRun);
    };
  }, [name, model, loadRuns]);

  return (
    <UseSignal signal={page.stateChanged}>
      {() => (
        <UseSignal signal={model.changed}>
          {() => {
            const project = model.project(name);
            const tab = page.tab;
            return (
              <div className="bk-page">
                <div className="bk-page-header">
                  <Button
                    small
                    minimal
                    className="bk-back"
                    onClick={actions.back}
                    title="Back to the project list"
                  >
                    ← Projects
                  </Button>
                  <beeIcon.react tag="span" className="bk-header-icon" />
                  <h2 className="bk-page-title">{name}</h2>
                  {project && (
                    <span className={`bk-badge bk-setup-${project.setup.state}`}>
                      {stateLabel(project.setup.state)}
                    </span>
                  )}
                </div>
                <div className="bk-tabs" role="tablist">
                  {TABS.map(t => (
                    <button
                      key={t}
                      role="tab"
                      aria-selected={tab === t}
                      className={'bk-tab' + (tab === t ? ' bk-tab-active' : '')}
                      data-tab={t}
                      onClick={() => page.setTab(t)}
                    >
                      {LABELS[t]}
                    </button>
                  ))}
                </div>
                <div className="bk-tab-body" data-tab-body={tab}>
                  {!project ? (
                    <div className="bk-muted bk-empty">
                      {model.loaded ? `There is no project named ${name} (any more).` : 'Loading…'}
                    </div>
                  ) : tab === 'overview' ? (
                    <Overview
                      project={project}
                      onSaved={p => model.upsert(p)}
                      onDeleted={() => {
                        model.forget(name);
                        actions.back();
                      }}
                    />
                  ) : tab === 'runs' ? (
                    <>
                      {runsError && <div className="bk-form-error">{runsError}</div>}
                      <Runs
                        project={project}
                        runs={runs}
                        onShowLog={id => page.selectRun(id, true)}
                        onDeleted={id => {
                          setRuns(old => old.filter(r => r.id !== id));
                          page.forgetRun(id);
                          void model.refresh(); // the sidebar's latest run may have been this one
                        }}
                      />
                    </>
                  ) : tab === 'logs' ? (
                    <Logs runs={runs} selected={page.selectedRun} onSelect={id => page.selectRun(id, true)} />
                  ) : tab === 'tensorboard' ? (
                    <TensorBoard name={name} />
                  ) : (
                    <Files name={name} openInLab={actions.openInLab} />
                  )}
                </div>
              </div>
            );
          }}
        </UseSignal>
      )}
    </UseSignal>
  );
}

/** One project's page in the main area; the tab and the selected run live here so commands can set them. */
export class ProjectPage extends ReactWidget {
  tab: Tab = 'overview';
  selectedRun: string | null = null;
  readonly stateChanged = new Signal<this, void>(this);

  constructor(
    private _model: BeekeeperModel,
    readonly projectName: string,
    private _actions: IPageActions
  ) {
    super();
    this.id = `beekeeper-project-${projectName}`;
    this.addClass('bk-page-widget');
    this.title.label = projectName;
    this.title.icon = beeIcon;
    this.title.closable = true;
    this.title.caption = `Beekeeper project ${projectName}`;
  }

  setTab(tab: Tab): void {
    this.tab = tab;
    this.stateChanged.emit();
  }

  /** A deleted run is no longer the one the Logs tab shows. */
  forgetRun(id: string): void {
    if (this.selectedRun === id) {
      this.selectedRun = null;
      this.stateChanged.emit();
    }
  }

  selectRun(id: string, show: boolean): void {
    this.selectedRun = id;
    if (show) {
      this.tab = 'logs';
    }
    this.stateChanged.emit();
  }

  /** Closing (its tab's ×, or Back) disposes the page, so opening the project again builds a fresh one. */
  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  render(): JSX.Element {
    return <PageView model={this._model} name={this.projectName} page={this} actions={this._actions} />;
  }
}
