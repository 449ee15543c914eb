import * as React from 'react';
import { Button, ReactWidget } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { IProject, IRun } from '../api';
import { BeekeeperModel } from '../model';
import {
  formatDuration,
  formatHeadline,
  isActiveRun,
  isSettingUp,
  liveDuration,
  pickHeadline,
  stateLabel
} from '../format';
import { attempt } from '../components/attempt';
import { TransContext, useTrans } from '../i18n';
import { useModel, useNow } from '../useModel';
import { Stats } from './Stats';
import { beeIcon } from '../icons';

export interface ISidebarActions {
  open: (name: string, tab?: string) => void;
  newProject: () => void;
  tryExample: () => Promise<void>;
  /** The notification settings page. */
  notifications?: () => void;
}

/** "running 12 min 5 s · loss 0.213 @ 4,100" */
export function summary(
  trans: TranslationBundle,
  p: IProject,
  run: IRun | undefined,
  scalars: BeekeeperModel['scalars'],
  now: number
): string {
  if (isSettingUp(p.setup.state)) {
    return trans.__('setup: %1…', stateLabel(p.setup.state));
  }
  if (p.setup.state === 'failed') {
    return p.setup.message ? trans.__('setup failed: %1', p.setup.message) : trans.__('setup failed');
  }
  const parts: string[] = [];
  if (!run) {
    parts.push(trans.__('no runs yet'));
  } else if (run.state === 'queued') {
    parts.push(run.queue_position ? trans.__('queued #%1', run.queue_position) : trans.__('queued'));
  } else if (run.state === 'running' || run.state === 'starting') {
    parts.push(`${run.state} ${formatDuration(liveDuration(run, now))}`);
  } else if (run.exit_code !== null && run.state === 'failed') {
    parts.push(trans.__('failed (exit %1)', run.exit_code));
  } else {
    parts.push(run.state);
  }
  const headline = formatHeadline(pickHeadline(scalars.get(p.name)));
  if (headline) {
    parts.push(headline);
  }
  return parts.join(' · ');
}

function RunStop(props: { model: BeekeeperModel; project: IProject; run?: IRun }): JSX.Element {
  const { model, project, run } = props;
  const trans = useTrans();
  const [busy, setBusy] = React.useState(false);
  const active = isActiveRun(run?.state);
  const click = async (e: React.MouseEvent) => {
    e.stopPropagation();
    setBusy(true);
    await attempt(
      () => (active && run ? model.stopRun(run.id) : model.startRun(project.name, {})),
      message => `${project.name}: ${message}`
    );
    setBusy(false);
  };
  return (
    <Button
      small
      className={'bk-row-action ' + (active ? 'bk-stop' : 'bk-run')}
      disabled={busy || (!active && project.setup.state !== 'ready')}
      onClick={click}
      title={active ? trans.__('Stop the run') : trans.__('Start a run with default settings')}
    >
      {active ? trans.__('Stop') : trans.__('Run')}
    </Button>
  );
}

function ProjectRow(props: {
  model: BeekeeperModel;
  project: IProject;
  actions: ISidebarActions;
}): JSX.Element {
  const { model, project, actions } = props;
  const trans = useTrans();
  const run = model.latest.get(project.name);
  const now = useNow(isActiveRun(run?.state));
  const state = isSettingUp(project.setup.state) ? 'setup' : project.setup.state;
  const text = summary(trans, project, run, model.scalars, now);
  return (
    <li
      className="bk-project-row"
      data-project={project.name}
      onClick={() => actions.open(project.name)}
      title={trans.__('Open %1', project.name)}
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
        <div className="bk-project-summary" title={text}>
          {text}
        </div>
      </div>
      <RunStop model={model} project={project} run={run} />
    </li>
  );
}

function EmptyState(props: { actions: ISidebarActions }): JSX.Element {
  const trans = useTrans();
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
    <div className="bk-empty">
      <p className="bk-muted">
        {trans.__(
          'No projects yet. Create one from a git repository, or try the bundled example: a small classifier that writes TensorBoard scalars and a checkpoint, with no download needed.'
        )}
      </p>
      <Button
        small
        className="bk-try-example"
        disabled={busy}
        onClick={click}
        title={trans.__('Create a project from the example that ships with Beekeeper')}
      >
        {busy ? trans.__('Creating…') : trans.__('Try the example')}
      </Button>
    </div>
  );
}

function ProjectList(props: { model: BeekeeperModel; actions: ISidebarActions }): JSX.Element {
  const { model, actions } = props;
  const { projects, error, loaded } = useModel(model, m => ({
    projects: m.projects,
    error: m.error,
    loaded: m.loaded
  }));
  return (
    <>
      {error && <div className="bk-form-error">{error}</div>}
      {loaded && !projects.length && !error && <EmptyState actions={actions} />}
      <ul className="bk-project-list">
        {projects.map(p => (
          <ProjectRow key={p.name} model={model} project={p} actions={actions} />
        ))}
      </ul>
    </>
  );
}

function SidebarView(props: { model: BeekeeperModel; actions: ISidebarActions }): JSX.Element {
  const { model, actions } = props;
  const trans = useTrans();
  return (
    <div className="bk-sidebar">
      <div className="bk-sidebar-header">
        <beeIcon.react tag="span" className="bk-header-icon" />
        <span className="bk-title">{trans.__('Beekeeper')}</span>
      </div>
      <Stats metrics={model.metrics} />
      <div className="bk-section">
        <div className="bk-section-title">
          <span>{trans.__('Projects')}</span>
          <Button small className="bk-primary bk-new-project" onClick={actions.newProject}>
            {trans.__('New project')}
          </Button>
        </div>
        <ProjectList model={model} actions={actions} />
      </div>
      {actions.notifications && (
        <div className="bk-section bk-settings-section">
          <div className="bk-section-title">
            <span>{trans.__('Settings')}</span>
          </div>
          <button
            className="bk-link-button bk-open-notifications"
            onClick={actions.notifications}
            title={trans.__('Where finished, failed and stalled runs are announced')}
          >
            {trans.__('Notifications…')}
          </button>
        </div>
      )}
    </div>
  );
}

export class Sidebar extends ReactWidget {
  constructor(
    private _model: BeekeeperModel,
    private _actions: ISidebarActions,
    private _trans: TranslationBundle
  ) {
    super();
    this.id = 'beekeeper-sidebar';
    this.addClass('bk-sidebar-widget');
    this.title.icon = beeIcon;
    this.title.caption = _trans.__('Beekeeper');
  }

  render(): JSX.Element {
    return (
      <TransContext.Provider value={this._trans}>
        <SidebarView model={this._model} actions={this._actions} />
      </TransContext.Provider>
    );
  }
}
