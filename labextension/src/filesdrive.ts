/**
 * A read-only JupyterLab drive over Beekeeper's files API. A run's executed notebook lies in its run
 * folder under BEEKEEPER_HOME, which is usually outside Jupyter's root_dir (so the default drive cannot
 * reach it); through this drive it opens in JupyterLab's own notebook viewer, as it is on disk and
 * never written back. Paths are `Beekeeper:PROJECT/PATH`, PATH as the files API names it (runs/ID/…).
 */
import { Contents, ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';
import { apiUrl, encodePath, settings } from './api';

export const DRIVE_NAME = 'Beekeeper';

/** The drive path of a project file (`path` as the files API and `IRun.notebook` give it). */
export function drivePath(project: string, path: string): string {
  return `${DRIVE_NAME}:${project}/${path}`;
}

function filesPath(localPath: string): string {
  const [project, ...rest] = localPath.split('/');
  return `projects/${encodeURIComponent(project)}/files/${encodePath(rest.join('/'))}`;
}

export class BeekeeperDrive implements Contents.IDrive {
  readonly name = DRIVE_NAME;
  readonly serverSettings: ServerConnection.ISettings = settings();
  private _fileChanged = new Signal<this, Contents.IChangedArgs>(this);
  private _disposed = false;

  constructor(private _readOnlyMessage: string) {}

  get fileChanged(): ISignal<this, Contents.IChangedArgs> {
    return this._fileChanged;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    this._disposed = true;
    Signal.clearData(this);
  }

  async get(localPath: string): Promise<Contents.IModel> {
    const response = await ServerConnection.makeRequest(
      apiUrl(filesPath(localPath)),
      {},
      this.serverSettings
    );
    if (!response.ok) {
      throw await ServerConnection.ResponseError.create(response);
    }
    const text = await response.text();
    const name = localPath.split('/').pop() || localPath;
    const notebook = name.toLowerCase().endsWith('.ipynb');
    const modified = response.headers.get('Last-Modified');
    const time = modified ? new Date(modified).toISOString() : new Date().toISOString();
    return {
      name,
      path: localPath,
      type: notebook ? 'notebook' : 'file',
      format: notebook ? 'json' : 'text',
      mimetype: notebook ? 'application/x-ipynb+json' : response.headers.get('Content-Type') || 'text/plain',
      content: notebook ? JSON.parse(text) : text,
      writable: false,
      created: time,
      last_modified: time,
      size: text.length
    };
  }

  async getDownloadUrl(localPath: string): Promise<string> {
    return apiUrl(filesPath(localPath));
  }

  private _refuse(): Promise<never> {
    return Promise.reject(new Error(this._readOnlyMessage));
  }

  newUntitled(): Promise<Contents.IModel> {
    return this._refuse();
  }

  delete(): Promise<void> {
    return this._refuse();
  }

  rename(): Promise<Contents.IModel> {
    return this._refuse();
  }

  save(): Promise<Contents.IModel> {
    return this._refuse();
  }

  copy(): Promise<Contents.IModel> {
    return this._refuse();
  }

  createCheckpoint(): Promise<Contents.ICheckpointModel> {
    return this._refuse();
  }

  async listCheckpoints(): Promise<Contents.ICheckpointModel[]> {
    return [];
  }

  restoreCheckpoint(): Promise<void> {
    return this._refuse();
  }

  deleteCheckpoint(): Promise<void> {
    return this._refuse();
  }
}
