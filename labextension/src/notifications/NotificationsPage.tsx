/**
 * The notification settings page: the sinks (secrets masked as the server returns them) with add,
 * edit, delete and "Send test", and the recent delivery attempts, newest first.
 */
import * as React from 'react';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { Button, ReactWidget } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { formatTime } from '../format';
import { beeIcon } from '../icons';
import { TransContext, useTrans } from '../i18n';
import { confirmDanger } from '../components/confirm';
import { deliveryOutcome, IDelivery, ISink, ITestResult, newestFirst, sinksApi, sinkTarget } from './data';
import { eventLabels, kindLabels, SinkForm } from './SinkForm';

const REFRESH_MS = 10000;

interface ITestState {
  busy: boolean;
  result?: ITestResult;
  error?: string;
}

function TestOutcome(props: { state?: ITestState }): JSX.Element | null {
  const trans = useTrans();
  const { state } = props;
  if (!state) {
    return null;
  }
  if (state.busy) {
    return <span className="bk-muted bk-test-outcome">{trans.__('Sending…')}</span>;
  }
  if (state.error) {
    return <span className="bk-error-text bk-test-outcome">{state.error}</span>;
  }
  const attempts = state.result?.attempts || [];
  const last = attempts[attempts.length - 1];
  return state.result?.delivered ? (
    <span className="bk-test-outcome bk-test-ok" data-outcome="delivered">
      {trans.__('Delivered')} {last ? `(${deliveryOutcome(last)})` : ''}
    </span>
  ) : (
    <span className="bk-error-text bk-test-outcome" data-outcome="failed">
      {trans._n(
        'Failed after %1 try: %2',
        'Failed after %1 tries: %2',
        attempts.length,
        last ? deliveryOutcome(last) : ''
      )}
    </span>
  );
}

function SinkRow(props: {
  sink: ISink;
  test?: ITestState;
  onTest: () => void;
  onEdit: () => void;
  onDelete: () => void;
}): JSX.Element {
  const { sink } = props;
  const trans = useTrans();
  const events = eventLabels(trans);
  const kinds = kindLabels(trans);
  const fromConfig = sink.source === 'config';
  const wanted = (sink.events || []).map(e => events[e]);
  return (
    <tr data-sink={sink.id} className={sink.enabled ? '' : 'bk-sink-disabled'}>
      <td>
        {sink.name}
        {fromConfig && (
          <span className="bk-badge" title={trans.__('From the server configuration: edit it there')}>
            {trans.__('config')}
          </span>
        )}
      </td>
      <td>{sink.kind ? kinds[sink.kind] : ''}</td>
      <td className="bk-sink-target">
        <code>{sinkTarget(sink)}</code>
      </td>
      <td className="bk-sink-wants" title={wanted.join(', ')}>
        {wanted.length === Object.keys(events).length
          ? trans.__('all events')
          : trans._n('%1 event', '%1 events', wanted.length)}
        {!sink.enabled && ` · ${trans.__('disabled')}`}
      </td>
      <td className="bk-actions">
        <Button small className="bk-test-sink" disabled={props.test?.busy} onClick={props.onTest}>
          {trans.__('Send test')}
        </Button>
        <Button small minimal className="bk-edit-sink" disabled={fromConfig} onClick={props.onEdit}>
          {trans.__('Edit')}
        </Button>
        <Button
          small
          minimal
          className="bk-danger bk-delete-sink"
          disabled={fromConfig}
          onClick={props.onDelete}
        >
          {trans.__('Delete')}
        </Button>
        <TestOutcome state={props.test} />
      </td>
    </tr>
  );
}

function Deliveries(props: { deliveries: IDelivery[]; onRefresh: () => void }): JSX.Element {
  const trans = useTrans();
  const events = eventLabels(trans) as Record<string, string>;
  return (
    <div className="bk-section bk-deliveries">
      <div className="bk-section-title">
        <span>{trans.__('Recent deliveries')}</span>
        <Button small minimal className="bk-refresh-deliveries" onClick={props.onRefresh}>
          {trans.__('Refresh')}
        </Button>
      </div>
      {props.deliveries.length ? (
        <table className="bk-table bk-deliveries-table">
          <thead>
            <tr>
              <th>{trans.__('Time')}</th>
              <th>{trans.__('Sink')}</th>
              <th>{trans.__('Event')}</th>
              <th>{trans.__('Run')}</th>
              <th>{trans.__('Try')}</th>
              <th>{trans.__('Outcome')}</th>
            </tr>
          </thead>
          <tbody>
            {props.deliveries.map(d => (
              <tr key={d.id} data-delivery={d.id} data-sink={d.sink_id} data-ok={d.ok ? 'true' : 'false'}>
                <td>{formatTime(d.created)}</td>
                <td>{d.sink_name || d.sink_id}</td>
                <td>{(d.event && events[d.event]) || (d.event === 'test' ? trans.__('Test') : d.event)}</td>
                <td>{d.run_id ? <code>{d.run_id}</code> : d.project || '—'}</td>
                <td>{d.attempt}</td>
                <td className={d.ok ? 'bk-test-ok' : 'bk-error-text'}>{deliveryOutcome(d)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="bk-muted">{trans.__('Nothing sent yet.')}</div>
      )}
    </div>
  );
}

function NotificationsBody(): JSX.Element {
  const trans = useTrans();
  const [sinks, setSinks] = React.useState<ISink[] | null>(null);
  const [deliveries, setDeliveries] = React.useState<IDelivery[]>([]);
  const [error, setError] = React.useState<string | null>(null);
  /** null: no form; 'new'; or the id of the sink being edited. */
  const [editing, setEditing] = React.useState<string | null>(null);
  const [tests, setTests] = React.useState<Record<string, ITestState>>({});

  const load = React.useCallback(async () => {
    try {
      const [list, sent] = await Promise.all([sinksApi.list(), sinksApi.deliveries()]);
      setSinks(list.sinks || []);
      setDeliveries(newestFirst(sent));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);
  React.useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  const test = async (sink: ISink) => {
    const id = sink.id || '';
    setTests(t => ({ ...t, [id]: { busy: true } }));
    try {
      const result = await sinksApi.test(id);
      setTests(t => ({ ...t, [id]: { busy: false, result } }));
    } catch (err) {
      setTests(t => ({ ...t, [id]: { busy: false, error: (err as Error).message } }));
    }
    void load();
  };
  const remove = async (sink: ISink) => {
    const ok = await confirmDanger(
      trans.__('Delete sink'),
      trans.__('Delete the notification sink %1? Its delivery record stays.', sink.name || ''),
      trans.__('Delete')
    );
    if (!ok) {
      return;
    }
    try {
      await sinksApi.remove(sink.id || '');
    } catch (err) {
      setError((err as Error).message);
    }
    void load();
  };
  const saved = () => {
    setEditing(null);
    void load();
  };
  const current = sinks?.find(s => s.id === editing);

  return (
    <div className="bk-form-page bk-notifications">
      <h2 className="bk-form-page-title">{trans.__('Notifications')}</h2>
      <p className="bk-muted">
        {trans.__(
          'Tell someone who walked away that a run finished, failed or hung. Each sink picks its events; messages link to the run in JupyterLab.'
        )}
      </p>
      {error && <div className="bk-form-error">{error}</div>}
      <div className="bk-section bk-sinks">
        <div className="bk-section-title">
          <span>{trans.__('Sinks')}</span>
          <Button
            small
            className="bk-primary bk-add-sink"
            disabled={editing === 'new'}
            onClick={() => setEditing('new')}
          >
            {trans.__('Add sink')}
          </Button>
        </div>
        {editing === 'new' && <SinkForm onSaved={saved} onCancel={() => setEditing(null)} />}
        {current && (
          <SinkForm key={current.id} sink={current} onSaved={saved} onCancel={() => setEditing(null)} />
        )}
        {sinks === null ? (
          <div className="bk-muted">{trans.__('Loading…')}</div>
        ) : sinks.length ? (
          <table className="bk-table bk-sinks-table">
            <thead>
              <tr>
                <th>{trans.__('Name')}</th>
                <th>{trans.__('Kind')}</th>
                <th>{trans.__('Sends to')}</th>
                <th>{trans.__('Events')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {sinks.map(s => (
                <SinkRow
                  key={s.id}
                  sink={s}
                  test={tests[s.id || '']}
                  onTest={() => void test(s)}
                  onEdit={() => setEditing(s.id || null)}
                  onDelete={() => void remove(s)}
                />
              ))}
            </tbody>
          </table>
        ) : (
          <div className="bk-muted bk-no-sinks">
            {trans.__('No sinks yet: add a webhook, Slack, Discord, ntfy or e-mail sink.')}
          </div>
        )}
      </div>
      <Deliveries deliveries={deliveries} onRefresh={() => void load()} />
    </div>
  );
}

/** The notification settings in the main area (one at a time). */
export class NotificationsWidget extends MainAreaWidget<ReactWidget> {
  constructor(trans: TranslationBundle) {
    const content = ReactWidget.create(
      <TransContext.Provider value={trans}>
        <NotificationsBody />
      </TransContext.Provider>
    );
    content.addClass('bk-page-widget');
    super({ content });
    this.id = 'beekeeper-notifications';
    this.addClass('bk-notifications-widget');
    this.title.label = trans.__('Notifications');
    this.title.caption = trans.__('Beekeeper notification sinks');
    this.title.icon = beeIcon;
    this.title.closable = true;
  }
}
