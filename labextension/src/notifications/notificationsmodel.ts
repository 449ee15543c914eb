/**
 * The notification settings' state, in the model like everything else the panel shows: the sinks,
 * the recent delivery attempts (newest first) and each sink's last "Send test". The page reads it
 * through `useModel(model.notifications, …)` and acts through these methods, never the API itself.
 */
import { api } from '../api';
import { Observable } from '../useModel';
import { IDelivery, ISink, ISinkBody, ITestResult, newestFirst } from './data';

/** A sink's "Send test": under way, or what it got (the result, or why the request failed). */
export interface ITestState {
  busy: boolean;
  result?: ITestResult;
  error?: string;
}

export class NotificationsModel extends Observable {
  /** null until the first load. */
  sinks: ISink[] | null = null;
  /** Newest first. */
  deliveries: IDelivery[] = [];
  /** Why the last load or delete failed (cleared by the next load that works). */
  error: string | null = null;
  /** By sink id. */
  readonly tests = new Map<string, ITestState>();

  /** The sinks and the delivery record, together. */
  async load(): Promise<void> {
    try {
      const [sinks, sent] = await Promise.all([api.sinks(), api.deliveries()]);
      this.sinks = sinks;
      this.deliveries = newestFirst(sent);
      this.error = null;
    } catch (error) {
      this.error = (error as Error).message;
    }
    this.emitChanged();
  }

  /** Throws the server's refusal (an ApiError naming the field) for the form to show. */
  async create(body: ISinkBody): Promise<ISink> {
    return this._saved(await api.createSink(body));
  }

  async update(id: string, body: ISinkBody): Promise<ISink> {
    return this._saved(await api.updateSink(id, body));
  }

  /** A failure shows as the page's error; the list is read again either way. */
  async remove(id: string): Promise<void> {
    try {
      await api.deleteSink(id);
    } catch (error) {
      this.error = (error as Error).message;
      this.emitChanged();
    }
    await this.load();
  }

  /** Sends a test message; the attempts it made join the delivery record, so that is read again. */
  async test(id: string): Promise<void> {
    this._setTest(id, { busy: true });
    try {
      this._setTest(id, { busy: false, result: await api.testSink(id) });
    } catch (error) {
      this._setTest(id, { busy: false, error: (error as Error).message });
    }
    await this.load();
  }

  /** The server's answer in the list at once; a reload follows (the server may have reordered). */
  private _saved(sink: ISink): ISink {
    const list = this.sinks || [];
    this.sinks = list.some(s => s.id === sink.id)
      ? list.map(s => (s.id === sink.id ? sink : s))
      : [...list, sink];
    this.emitChanged();
    void this.load();
    return sink;
  }

  private _setTest(id: string, state: ITestState): void {
    this.tests.set(id, state);
    this.emitChanged();
  }
}
