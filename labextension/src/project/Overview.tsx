import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { IProject } from '../api';
import { BeekeeperModel } from '../model';
import { formatTime, isSettingUp, stateLabel } from '../format';
import { SETUP_STEPS } from '../states';
import { LogView } from '../components/LogView';
import { useLogBuffer } from '../components/useLogBuffer';
import { attempt, confirmAndAttempt } from '../components/attempt';
import { useTrans } from '../i18n';

function SetupSteps({ state }: { state: string }): JSX.Element {
  const current = (SETUP_STEPS as readonly string[]).indexOf(state);
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

export function SetupLog({ model, project }: { model: BeekeeperModel; project: IProject }): JSX.Element {
  const trans = useTrans();
  const name = project.name;
  const setupKey = project.setup.started || '';
  const { buffer, version } = useLogBuffer(
    onData => {
      const f = model.followSetupLog(name, onData);
      return () => f.dispose();
    },
    [name, setupKey]
  );
  return <LogView buffer={buffer} version={version} emptyText={trans.__('The setup log is empty.')} />;
}

function SetupCard({ model, project }: { model: BeekeeperModel; project: IProject }): JSX.Element {
  const trans = useTrans();
  const [showLog, setShowLog] = React.useState(false);
  const settingUp = isSettingUp(project.setup.state);
  const failed = project.setup.state === 'failed';
  const resync = () =>
    attempt(
      () => model.resync(project.name),
      message => trans.__('Re-sync %1: %2', project.name, message)
    );
  return (
    <div className={`bk-setup-card bk-setup-${project.setup.state}`}>
      <div className="bk-setup-head">
        <span className="bk-setup-title">{trans.__('Setup: %1', stateLabel(project.setup.state))}</span>
        <span className="bk-spacer" />
        <Button
          small
          onClick={resync}
          disabled={settingUp}
          title={trans.__('Pull the branch and reinstall the requirements')}
        >
          {trans.__('Re-sync')}
        </Button>
      </div>
      {(settingUp || project.setup.state === 'ready') && <SetupSteps state={project.setup.state} />}
      {failed && <div className="bk-form-error">{project.setup.message || trans.__('Setup failed')}</div>}
      {project.setup.warning && <div className="bk-warning">{project.setup.warning}</div>}
      {settingUp || failed || showLog ? (
        <div className="bk-setup-log">
          <SetupLog model={model} project={project} />
        </div>
      ) : (
        <Button small minimal onClick={() => setShowLog(true)}>
          {trans.__('Show setup log')}
        </Button>
      )}
    </div>
  );
}

function settingRows(trans: ReturnType<typeof useTrans>, project: IProject): [string, React.ReactNode][] {
  return [
    [trans.__('Git URL'), project.git_url],
    [trans.__('Branch'), project.branch],
    [trans.__('Commit'), project.setup.commit ? <code>{project.setup.commit.slice(0, 10)}</code> : '—'],
    [trans.__('Python'), project.python?.version || project.python_version || trans.__('default')],
    [trans.__('Train file'), project.train_file],
    [trans.__('TensorBoard log dir'), project.tensorboard_log_dir],
    [trans.__('Requirements'), project.requirements_file || '—'],
    [trans.__('Packages'), String(project.setup.package_count ?? '—')],
    [trans.__('Environment'), Object.keys(project.env || {}).join(', ') || '—'],
    [trans.__('Credentials'), project.has_credentials ? trans.__('stored') : trans.__('none')],
    ...(project.default_executor
      ? [[trans.__('Runs go to'), project.default_executor] as [string, React.ReactNode]]
      : []),
    [trans.__('Last setup'), formatTime(project.setup.ended || project.setup.started)]
  ];
}

export function Overview(props: {
  model: BeekeeperModel;
  project: IProject;
  onEdit: () => void;
  onDeleted: () => void;
}): JSX.Element {
  const { model, project } = props;
  const trans = useTrans();
  const ask = {
    title: trans.__('Delete %1?', project.name),
    body: trans.__(
      'This deletes its checkout, its environment and all its runs and logs. It cannot be undone.'
    ),
    label: trans.__('Delete')
  };
  const remove = () =>
    confirmAndAttempt(
      ask,
      async () => {
        await model.deleteProject(project.name);
        props.onDeleted();
      },
      message => trans.__('Delete %1: %2', project.name, message)
    );
  return (
    <div className="bk-overview">
      <SetupCard model={model} project={project} />
      <div className="bk-card">
        <div className="bk-card-title">
          {trans.__('Settings')}
          <span className="bk-spacer" />
          <Button small className="bk-edit-project" onClick={props.onEdit}>
            {trans.__('Edit')}
          </Button>
          <Button small className="bk-danger" onClick={remove}>
            {trans.__('Delete')}
          </Button>
        </div>
        <table className="bk-kv">
          <tbody>
            {settingRows(trans, project).map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
