import * as React from 'react';
import { Button, ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Notification } from '@jupyterlab/apputils';
import { api, IProject, IRun } from '../api';
import { BeekeeperModel } from '../model';
import {
  formatHeadline,
  formatShortDuration,
  isActiveRun,
  isSettingUp,
  pickHeadline,
  stateLabel
} from '../format';
import { ProjectForm } from '../components/ProjectForm';
import { Stats } from './Stats';
import { beeIcon } from '../icons';

export interface ISidebarActions {
  open: (name: string, tab?: string) => void;
  tryExample: () => Promise<void>;
}

/** "running 12 min · loss 0.213 @ 4,100" */
export function summary(model: BeekeeperModel, p: IProject, run: IRun | undefined): string {
  if (isSettingUp(p.setup.state)) {
    return `setup: ${stateLabel(p.setup.state)}…`;
  }
  if (p.setup.state === 'failed') {
    return `setup failed${p.setup.message ? ': ' + p.setup.message : ''}`;
  }
  const parts: string[] = [];
  if (run) {
    if (run.state === 'queued') {
      parts.push(run.queue_position ? `queued #${run.queue_position}` : 'queued');
    } else if (run.state === 'running' || run.state === 'starting') {
      const started = run.started ? (Date.now() - new Date(run.started).getTime()) / 1000 : null;
      parts.push(`${run.state} ${formatShortDuration(started)}`.trim());
    } else {
      parts.push(
        run.exit_code !== null && run.state === 'failed' ? `failed (exit ${run.exit_code})` : run.state
      );
    }
  } else {
    parts.push('no runs yet');
  }
  const headline = formatHeadline(pickHeadline(model.scalars.get(p.name)));
  if (headline) {
    parts.push(headline);
  }
  return parts.join(' · ');
}

function RunStop(props: { project: IProject; run?: IRun }): JSX.Element {
  const { project, run } = props;
  const [busy, setBusy] = React.useState(false);
  const active = isActiveRun(run?.state);
  const click = async (e: React.MouseEvent) => {
    e.stopPropagation();
    setBusy(true);
    try {
      if (active && run) {
        await api.stopRun(run.id);
      } else {
        await api.startRun(project.name, {});
      }
    } catch (error) {
      Notification.error(`${project.name}: ${(error as Error).message}`, { autoClose: 8000 });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      small
      className={'bk-row-action ' + (active ? 'bk-stop' : 'bk-run')}
      disabled={busy || (!active && project.setup.state !== 'ready')}
      onClick={click}
      title={active ? 'Stop the run' : 'Start a run with default settings'}
    >
      {active ? 'Stop' : 'Run'}
    </Button>
  );
}

function ProjectRow(props: {
  model: BeekeeperModel;
  project: IProject;
  actions: ISidebarActions;
}): JSX.Element {
  const { model, project, actions } = props;
  const run = model.latest.get(project.name);
  const state = isSettingUp(project.setup.state) ? 'setup' : project.setup.state;
  return (
    <li
      className="bk-project-row"
      data-project={project.name}
      onClick={() => actions.open(project.name)}
      title={`Open ${project.name}`}
      tabIndex={0}
      onKeyDown={e => e.key === 'Enter' && actions.open(project.name)}
    >
      <div className="bk-project-main">
        <div className="bk-project-name">
          <span className={`bk-dot bk-state-${run && project.setup.state === 'ready' ? run.state : state}`} />
          {project.name}
          <span className={`bk-badge bk-setup-${project.setup.state}`}>
            {stateLabel(project.setup.state)}
          </span>
        </div>
        <div className="bk-project-summary" title={summary(model, project, run)}>
          {summary(model, project, run)}
        </div>
      </div>
      <RunStop project={project} run={run} />
    </li>
  );
}

function TryExampleButton(props: { actions: ISidebarActions }): JSX.Element {
  const [busy, setBusy] = React.useState(false);
  const click = async () => {
    setBusy(true);
    try {
      await props.actions.tryExample();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      small
      className="bk-try-example"
      disabled={busy}
      onClick={click}
      title="Create a project from the example that ships with Beekeeper"
    >
      {busy ? 'Creating…' : 'Try the example'}
    </Button>
  );
}

function SidebarView(props: { model: BeekeeperModel; actions: ISidebarActions }): JSX.Element {
  const { model, actions } = props;
  const [creating, setCreating] = React.useState(false);
  const [, tick] = React.useState(0);
  React.useEffect(() => {
    const t = window.setInterval(() => tick(x => x + 1), 30000); // "running N min" keeps moving
    return () => window.clearInterval(t);
  }, []);
  return (
    <div className="bk-sidebar">
      <div className="bk-sidebar-header">
        <beeIcon.react tag="span" className="bk-header-icon" />
        <span className="bk-title">Beekeeper</span>
      </div>
      <Stats />
      {creating ? (
        <div className="bk-section">
          <div className="bk-section-title">
            <span>New project</span>
          </div>
          <ProjectForm
            onCancel={() => setCreating(false)}
            onDone={project => {
              setCreating(false);
              void model.refresh();
              actions.open(project.name);
            }}
          />
        </div>
      ) : (
        <div className="bk-section">
          <div className="bk-section-title">
            <span>Projects</span>
            <Button small className="bk-primary bk-new-project" onClick={() => setCreating(true)}>
              New project
            </Button>
          </div>
          <UseSignal signal={model.changed}>
            {() => (
              <>
                {model.error && <div className="bk-form-error">{model.error}</div>}
                {model.loaded && !model.projects.length && !model.error && (
                  <div className="bk-empty">
                    <p className="bk-muted">
                      No projects yet. Create one from a git repository, or try the bundled example: a small
                      classifier that writes TensorBoard scalars and a checkpoint, with no download needed.
                    </p>
                    <TryExampleButton actions={actions} />
                  </div>
                )}
                <ul className="bk-project-list">
                  {model.projects.map(p => (
                    <ProjectRow key={p.name} model={model} project={p} actions={actions} />
                  ))}
                </ul>
              </>
            )}
          </UseSignal>
        </div>
      )}
    </div>
  );
}

export class Sidebar extends ReactWidget {
  constructor(
    private _model: BeekeeperModel,
    private _actions: ISidebarActions
  ) {
    super();
    this.id = 'beekeeper-sidebar';
    this.addClass('bk-sidebar-widget');
    this.title.icon = beeIcon;
    this.title.caption = 'Beekeeper';
  }

  /** Opens the "New project" form (the palette command). */
  newProject(): void {
    this.node.querySelector<HTMLButtonElement>('.bk-new-project')?.click();
  }

  render(): JSX.Element {
    return <SidebarView model={this._model} actions={this._actions} />;
  }
}
