import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { Notification } from '@jupyterlab/apputils';
import { api, apiUrl, encodePath, IFileEntry } from '../api';
import { formatBytes, formatTime } from '../format';
import { confirmDanger } from '../components/confirm';

/** Browse a project's `src/` and `runs/`; download files or folders (zip), upload, open in JupyterLab. */
export function Files(props: { name: string; openInLab: (path: string) => void }): JSX.Element {
  const { name } = props;
  const [path, setPath] = React.useState('src');
  const [entries, setEntries] = React.useState<IFileEntry[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [reload, setReload] = React.useState(0);
  const upload = React.useRef<HTMLInputElement>(null);

  React.useEffect(() => {
    let alive = true;
    setEntries(null);
    setError(null);
    api
      .files(name, path)
      .then(
        r =>
          alive &&
          setEntries(
            [...(r.entries || [])].sort((a, b) =>
              a.kind === b.kind
                ? a.name.localeCompare(b.name)
                : a.kind === 'dir'
                  ? -1
                  : b.kind === 'dir'
                    ? 1
                    : 0
            )
          )
      )
      .catch(e => alive && setError((e as Error).message));
    return () => {
      alive = false;
    };
  }, [name, path, reload]);

  const fileUrl = (p: string, query: Record<string, string> = {}) =>
    apiUrl(`projects/${encodeURIComponent(name)}/files/${encodePath(p)}`, query);
  const parts = path.split('/');
  const onUpload = async (e: React.ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files || []);
    for (const file of files) {
      // The server refuses to replace a file unless asked: ask the user first.
      const exists = (entries || []).some(entry => entry.name === file.name);
      if (exists) {
        if (
          !(await confirmDanger(
            `Replace ${file.name}?`,
            `${path}/${file.name} already exists in ${name}.`,
            'Replace'
          ))
        ) {
          continue;
        }
      }
      try {
        await api.upload(name, `${path}/${file.name}`, file, exists);
        Notification.success(`Uploaded ${file.name}`, { autoClose: 3000 });
      } catch (err) {
        Notification.error(`Upload ${file.name}: ${(err as Error).message}`, { autoClose: 8000 });
      }
    }
    e.target.value = '';
    setReload(r => r + 1);
  };

  return (
    <div className="bk-files bk-card">
      <div className="bk-files-bar">
        <div className="bk-roots">
          {['src', 'runs'].map(root => (
            <Button
              key={root}
              small
              className={parts[0] === root ? 'bk-active' : ''}
              onClick={() => setPath(root)}
            >
              {root}/
            </Button>
          ))}
        </div>
        <div className="bk-crumbs">
          {parts.map((p, i) => (
            <React.Fragment key={i}>
              {i > 0 && <span className="bk-muted"> / </span>}
              <a
                href="#"
                onClick={e => {
                  e.preventDefault();
                  setPath(parts.slice(0, i + 1).join('/'));
                }}
              >
                {p}
              </a>
            </React.Fragment>
          ))}
        </div>
        <span className="bk-spacer" />
        <a
          className="bk-link-button"
          href={fileUrl(path, { format: 'zip' })}
          download
          title="Download this folder as a zip"
        >
          Download folder
        </a>
        {parts[0] === 'src' && (
          <>
            <Button small onClick={() => upload.current?.click()}>
              Upload
            </Button>
            <input ref={upload} type="file" multiple hidden onChange={onUpload} />
          </>
        )}
      </div>
      {error && <div className="bk-form-error">{error}</div>}
      {!entries && !error && <div className="bk-muted">Loading…</div>}
      {entries && (
        <table className="bk-table bk-files-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Size</th>
              <th>Modified</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {parts.length > 1 && (
              <tr>
                <td colSpan={4}>
                  <a
                    href="#"
                    onClick={e => {
                      e.preventDefault();
                      setPath(parts.slice(0, -1).join('/'));
                    }}
                  >
                    ..
                  </a>
                </td>
              </tr>
            )}
            {entries.map(entry => {
              const p = `${path}/${entry.name}`;
              return (
                <tr key={entry.name} data-entry={entry.name}>
                  <td>
                    {entry.kind === 'dir' ? (
                      <a
                        href="#"
                        className="bk-dir"
                        onClick={e => {
                          e.preventDefault();
                          setPath(p);
                        }}
                      >
                        {entry.name}/
                      </a>
                    ) : (
                      <a href={fileUrl(p)} download={entry.name}>
                        {entry.name}
                      </a>
                    )}
                  </td>
                  <td>{entry.kind === 'dir' ? '' : formatBytes(entry.size)}</td>
                  <td>{formatTime(entry.mtime)}</td>
                  <td className="bk-actions">
                    {entry.kind === 'dir' ? (
                      <a className="bk-link-button" href={fileUrl(p, { format: 'zip' })} download>
                        zip
                      </a>
                    ) : (
                      <a className="bk-link-button" href={fileUrl(p)} download={entry.name}>
                        download
                      </a>
                    )}
                    {entry.jupyter_path && entry.kind === 'file' && (
                      <Button small minimal onClick={() => props.openInLab(entry.jupyter_path!)}>
                        Open in JupyterLab
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
            {!entries.length && (
              <tr>
                <td colSpan={4} className="bk-muted">
                  Empty folder
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}
