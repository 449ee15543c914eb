import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { ITensorBoardStatus } from '../api';
import { BeekeeperModel } from '../model';
import { useTrans } from '../i18n';
import { usePoll } from '../components/usePoll';

/** Whether JupyterLab's theme is dark now (the theme manager marks <body>), following theme changes. */
export function useLabDark(): boolean {
  const read = () => document.body.dataset.jpThemeLight === 'false';
  const [dark, setDark] = React.useState(read);
  React.useEffect(() => {
    const observer = new MutationObserver(() => setDark(read()));
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-light'] });
    return () => observer.disconnect();
  }, []);
  return dark;
}

/** TensorBoard's own `darkMode` query flag, from JupyterLab's theme (a user's toggle in TensorBoard wins). */
export function withTheme(url: string, dark: boolean): string {
  return url + (url.includes('?') ? '&' : '?') + `darkMode=${dark}`;
}

/** Starts (or reuses) the project's TensorBoard and shows it through Jupyter's proxy once ready. */
export function TensorBoard(props: { model: BeekeeperModel; name: string }): JSX.Element {
  const { model, name } = props;
  const trans = useTrans();
  const [status, setStatus] = React.useState<ITensorBoardStatus | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [attempt, setAttempt] = React.useState(0);

  // Start (or reuse) it, then ask again while it is starting: soon after the start, then each second.
  usePoll(
    round => {
      if (round === 0) {
        setError(null);
        return model.startTensorboard(name);
      }
      return model.tensorboard(name);
    },
    (s, round) => {
      setStatus(s);
      if (round === 0) {
        return s.state !== 'ready' ? 500 : null;
      }
      return s.state === 'starting' ? 1000 : null;
    },
    e => setError(e.message),
    [model, name, attempt]
  );

  const dark = useLabDark();
  const src = withTheme(model.tensorboardUrl(name, status), dark);
  const retry = (
    <Button small onClick={() => setAttempt(a => a + 1)}>
      {trans.__('Retry')}
    </Button>
  );
  if (error) {
    return (
      <div className="bk-card bk-tb-message">
        <div className="bk-form-error">{trans.__('TensorBoard: %1', error)}</div>
        {retry}
      </div>
    );
  }
  if (!status || status.state === 'starting') {
    return (
      <div className="bk-card bk-tb-message bk-muted">
        <span className="bk-spinner" /> {trans.__('Starting TensorBoard…')}
      </div>
    );
  }
  if (status.state !== 'ready') {
    return (
      <div className="bk-card bk-tb-message">
        <div className="bk-form-error">
          {trans.__('TensorBoard is %1', status.state)}
          {status.message ? `: ${status.message}` : ''}
        </div>
        {retry}
      </div>
    );
  }
  return (
    <div className="bk-tb">
      <div className="bk-tb-bar">
        <span className="bk-muted">TensorBoard · {name}</span>
        <span className="bk-spacer" />
        <Button small minimal onClick={() => setAttempt(a => a + 1)}>
          {trans.__('Reload')}
        </Button>
        <a className="bk-link-button" href={src} target="_blank" rel="noopener">
          {trans.__('Open in new tab')}
        </a>
      </div>
      <iframe key={attempt} className="bk-tb-frame" src={src} title={trans.__('TensorBoard for %1', name)} />
    </div>
  );
}
