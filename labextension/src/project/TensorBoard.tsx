import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { api, baseUrl, ITensorBoardStatus } from '../api';

/** Starts (or reuses) the project's TensorBoard and shows it through Jupyter's proxy once ready. */
export function TensorBoard(props: { name: string }): JSX.Element {
  const { name } = props;
  const [status, setStatus] = React.useState<ITensorBoardStatus | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [attempt, setAttempt] = React.useState(0);

  React.useEffect(() => {
    let alive = true;
    let timer: number | null = null;
    const poll = async () => {
      try {
        const s = await api.tensorboard(name);
        if (!alive) {
          return;
        }
        setStatus(s);
        if (s.state === 'starting') {
          timer = window.setTimeout(poll, 1000);
        }
      } catch (e) {
        if (alive) {
          setError((e as Error).message);
        }
      }
    };
    setError(null);
    api
      .startTensorboard(name)
      .then(s => {
        if (alive) {
          setStatus(s);
          if (s.state !== 'ready') {
            timer = window.setTimeout(poll, 500);
          }
        }
      })
      .catch(e => alive && setError((e as Error).message));
    return () => {
      alive = false;
      if (timer !== null) {
        window.clearTimeout(timer);
      }
    };
  }, [name, attempt]);

  // The server's `url` already carries its base_url (e.g. /user/alice/).
  const src = status?.url || baseUrl(`beekeeper/tensorboard/${encodeURIComponent(name)}/`);
  const retry = (
    <Button small onClick={() => setAttempt(a => a + 1)}>
      Retry
    </Button>
  );
  if (error) {
    return (
      <div className="bk-card bk-tb-message">
        <div className="bk-form-error">TensorBoard: {error}</div>
        {retry}
      </div>
    );
  }
  if (!status || status.state === 'starting') {
    return (
      <div className="bk-card bk-tb-message bk-muted">
        <span className="bk-spinner" /> Starting TensorBoard…
      </div>
    );
  }
  if (status.state !== 'ready') {
    return (
      <div className="bk-card bk-tb-message">
        <div className="bk-form-error">
          TensorBoard is {status.state}
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
          Reload
        </Button>
        <a className="bk-link-button" href={src} target="_blank" rel="noopener">
          Open in new tab
        </a>
      </div>
      <iframe key={attempt} className="bk-tb-frame" src={src} title={`TensorBoard for ${name}`} />
    </div>
  );
}
