import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { IFileEntry } from '../api';
import { BeekeeperModel } from '../model';
import { formatBytes, formatTime } from '../format';
import { confirmDanger } from '../components/confirm';
import { attempt } from '../components/attempt';
import { ActionLink } from '../components/ActionLink';
import { Table } from '../components/Table';
import { Pending } from '../components/Pending';
import { DownloadLink } from '../components/DownloadLink';
import { notifySuccess } from '../notify';
import { useTrans } from '../i18n';

const ROOTS = ['src', 'runs'];

/** A folder's entries (dirs first), reloaded when `reload` changes. */
function useEntries(model: BeekeeperModel, name: string, path: string, reload: number) {
  const [entries, setEntries] = React.useState<IFileEntry[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    let alive = true;
    setEntries(null);
    setError(null);
    model.files(name, path).then(
      e => alive && setEntries(e),
      e => alive && setError((e as Error).message)
    );
    return () => {
      alive = false;
    };
  }, [model, name, path, reload]);
  return { entries, error };
}

/** Uploads into `path`, asking before replacing a file the folder has (the server refuses otherwise). */
function useUpload(
  model: BeekeeperModel,
  name: string,
  path: string,
  entries: IFileEntry[] | null,
  done: () => void
) {
  const trans = useTrans();
  return async (e: React.ChangeEvent<HTMLInputElement>) => {
    for (const file of Array.from(e.target.files || [])) {
      const exists = (entries || []).some(entry => entry.name === file.name);
      const title = trans.__('Replace %1?', file.name);
      const body = trans.__('%1/%2 already exists in %3.', path, file.name, name);
      if (exists && !(await confirmDanger(title, body, trans.__('Replace')))) {
        continue;
      }
      await attempt(
        async () => {
          await model.upload(name, `${path}/${file.name}`, file, exists);
          notifySuccess(trans.__('Uploaded %1', file.name));
        },
        message => trans.__('Upload %1: %2', file.name, message)
      );
    }
    e.target.value = '';
    done();
  };
}

/** Roots, breadcrumbs, folder download and (under src/) upload. */
function FilesBar(props: {
  path: string;
  setPath: (p: string) => void;
  zipUrl: string;
  onUpload: (e: React.ChangeEvent<HTMLInputElement>) => void;
}): JSX.Element {
  const { path, setPath } = props;
  const trans = useTrans();
  const upload = React.useRef<HTMLInputElement>(null);
  const parts = path.split('/');
  return (
    <div className="bk-files-bar">
      <div className="bk-roots">
        {ROOTS.map(root => (
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
            <ActionLink onClick={() => setPath(parts.slice(0, i + 1).join('/'))}>{p}</ActionLink>
          </React.Fragment>
        ))}
      </div>
      <span className="bk-spacer" />
      <DownloadLink href={props.zipUrl} title={trans.__('Download this folder as a zip')}>
        {trans.__('Download folder')}
      </DownloadLink>
      {parts[0] === 'src' && (
        <>
          <Button small onClick={() => upload.current?.click()}>
            {trans.__('Upload')}
          </Button>
          <input ref={upload} type="file" multiple hidden onChange={props.onUpload} />
        </>
      )}
    </div>
  );
}

function FileRow(props: {
  entry: IFileEntry;
  path: string;
  url: (p: string, query?: Record<string, string>) => string;
  setPath: (p: string) => void;
  openInLab: (path: string) => void;
}): JSX.Element {
  const { entry, url } = props;
  const trans = useTrans();
  const p = `${props.path}/${entry.name}`;
  const dir = entry.kind === 'dir';
  return (
    <tr data-entry={entry.name}>
      <td>
        {dir ? (
          <ActionLink className="bk-dir" onClick={() => props.setPath(p)}>
            {entry.name}/
          </ActionLink>
        ) : (
          <a href={url(p)} download={entry.name}>
            {entry.name}
          </a>
        )}
      </td>
      <td>{dir ? '' : formatBytes(entry.size)}</td>
      <td>{formatTime(entry.mtime)}</td>
      <td className="bk-actions">
        {dir ? (
          <DownloadLink href={url(p, { format: 'zip' })}>zip</DownloadLink>
        ) : (
          <DownloadLink href={url(p)} fileName={entry.name}>
            {trans.__('download')}
          </DownloadLink>
        )}
        {entry.jupyter_path && entry.kind === 'file' && (
          <Button small minimal onClick={() => props.openInLab(entry.jupyter_path!)}>
            {trans.__('Open in JupyterLab')}
          </Button>
        )}
      </td>
    </tr>
  );
}

/** Browse a project's `src/` and `runs/`; download files or folders (zip), upload, open in JupyterLab. */
export function Files(props: {
  model: BeekeeperModel;
  name: string;
  openInLab: (path: string) => void;
}): JSX.Element {
  const { model, name } = props;
  const trans = useTrans();
  const [path, setPath] = React.useState('src');
  const [reload, setReload] = React.useState(0);
  const { entries, error } = useEntries(model, name, path, reload);
  const onUpload = useUpload(model, name, path, entries, () => setReload(r => r + 1));
  const url = (p: string, query: Record<string, string> = {}) => model.fileUrl(name, p, query);
  const parts = path.split('/');
  return (
    <div className="bk-files bk-card">
      <FilesBar path={path} setPath={setPath} zipUrl={url(path, { format: 'zip' })} onUpload={onUpload} />
      {!entries ? (
        <Pending error={error} />
      ) : (
        <Table
          className="bk-files-table"
          headers={[trans.__('Name'), trans.__('Size'), trans.__('Modified'), '']}
        >
          {parts.length > 1 && (
            <tr>
              <td colSpan={4}>
                <ActionLink onClick={() => setPath(parts.slice(0, -1).join('/'))}>..</ActionLink>
              </td>
            </tr>
          )}
          {entries.map(entry => (
            <FileRow
              key={entry.name}
              entry={entry}
              path={path}
              url={url}
              setPath={setPath}
              openInLab={props.openInLab}
            />
          ))}
          {!entries.length && (
            <tr>
              <td colSpan={4} className="bk-muted">
                {trans.__('Empty folder')}
              </td>
            </tr>
          )}
        </Table>
      )}
    </div>
  );
}
