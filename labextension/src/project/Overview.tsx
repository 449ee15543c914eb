import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { Notification } from '@jupyterlab/apputils';
import { api, IProject, LogFollower } from '../api';
import { formatTime, isSettingUp, SETUP_STEPS, stateLabel } from '../format';
import { LogView, useLogBuffer } from '../components/LogView';
import { ProjectForm } from '../components/ProjectForm';
import { confirmDanger } from '../components/confirm';

function SetupSteps({ state }: { state: string }): JSX.Element {
  const current = SETUP_STEPS.indexOf(state);
  return (
    <ol className="bk-steps">
      {SETUP_STEPS.map((s, i) => (
        <li key={s} className={i < current ? 'bk-step-done' : i === current ? 'bk-step-current' : ''}>
          {stateLabel(s)}
        </li>
      ))}
    </ol>
  );
}

export function SetupLog({ project }: { project: IProject }): JSX.Element {
  const name = project.name;
  const setupKey = project.setup.started || '';
  const { buffer, version } = useLogBuffer(
    onData => {
      const f = new LogFollower(
        `projects/${encodeURIComponent(name)}/setup/log/stream`,
        onData,
        () => undefined
      );
      return () => f.dispose();
    },
    [name, setupKey]
  );
  return <LogView buffer={buffer} version={version} emptyText="The setup log is empty." />;
}

export function Overview(props: {
  project: IProject;
  onDeleted: () => void;
  onSaved: (project: IProject) => void;
}): JSX.Element {
  const { project } = props;
  const [editing, setEditing] = React.useState(false);
  const [showLog, setShowLog] = React.useState(false);
  const settingUp = isSettingUp(project.setup.state);
  const failed = project.setup.state === 'failed';

  const resync = async () => {
    try {
      await api.resync(project.name);
    } catch (error) {
      Notification.error(`Re-sync ${project.name}: ${(error as Error).message}`, { autoClose: 8000 });
    }
  };
  const remove = async () => {
    const agreed = await confirmDanger(
      `Delete ${project.name}?`,
      'This deletes its checkout, its environment and all its runs and logs. It cannot be undone.',
      'Delete'
    );
    if (!agreed) {
      return;
    }
    try {
      await api.deleteProject(project.name);
      props.onDeleted();
    } catch (error) {
      Notification.error(`Delete ${project.name}: ${(error as Error).message}`, { autoClose: 8000 });
    }
  };

  const rows: [string, React.ReactNode][] = [
    ['Git URL', project.git_url],
    ['Branch', project.branch],
    ['Commit', project.setup.commit ? <code>{project.setup.commit.slice(0, 10)}</code> : '—'],
    ['Python', project.python?.version || project.python_version || 'default'],
    ['Train file', project.train_file],
    ['TensorBoard log dir', project.tensorboard_log_dir],
    ['Requirements', project.requirements_file || '—'],
    ['Packages', String(project.setup.package_count ?? '—')],
    ['Environment', Object.keys(project.env || {}).join(', ') || '—'],
    ['Credentials', project.has_credentials ? 'stored' : 'none'],
    ...(project.default_executor
      ? [['Runs go to', project.default_executor] as [string, React.ReactNode]]
      : []),
    ['Last setup', formatTime(project.setup.ended || project.setup.started)]
  ];

  return (
    <div className="bk-overview">
      <div className={`bk-setup-card bk-setup-${project.setup.state}`}>
        <div className="bk-setup-head">
          <span className="bk-setup-title">Setup: {stateLabel(project.setup.state)}</span>
          <span className="bk-spacer" />
          <Button
            small
            onClick={resync}
            disabled={settingUp}
            title="Pull the branch and reinstall the requirements"
          >
            Re-sync
          </Button>
        </div>
        {(settingUp || project.setup.state === 'ready') && <SetupSteps state={project.setup.state} />}
        {failed && <div className="bk-form-error">{project.setup.message || 'Setup failed'}</div>}
        {project.setup.warning && <div className="bk-warning">{project.setup.warning}</div>}
        {settingUp || failed || showLog ? (
          <div className="bk-setup-log">
            <SetupLog project={project} />
          </div>
        ) : (
          <Button small minimal onClick={() => setShowLog(true)}>
            Show setup log
          </Button>
        )}
      </div>
      {editing ? (
        <div className="bk-card">
          <div className="bk-card-title">Edit settings</div>
          <ProjectForm
            project={project}
            onCancel={() => setEditing(false)}
            onDone={p => {
              setEditing(false);
              props.onSaved(p);
            }}
          />
        </div>
      ) : (
        <div className="bk-card">
          <div className="bk-card-title">
            Settings
            <span className="bk-spacer" />
            <Button small onClick={() => setEditing(true)}>
              Edit
            </Button>
            <Button small className="bk-danger" onClick={remove}>
              Delete
            </Button>
          </div>
          <table className="bk-kv">
            <tbody>
              {rows.map(([k, v]) => (
                <tr key={k}>
                  <th>{k}</th>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
