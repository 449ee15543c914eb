/**
 * The notification settings page: the sinks (secrets masked as the server returns them) with add,
 * edit, delete and "Send test", and the recent delivery attempts, newest first.
 */
import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { formatTime } from '../format';
import { useTrans, useTranslate } from '../i18n';
import { confirmDanger } from '../components/confirm';
import { PageWidget } from '../components/PageWidget';
import { Table } from '../components/Table';
import { NewButton, useEditor } from '../components/useEditor';
import { useModel } from '../useModel';
import { deliveryOutcome, IDelivery, ISink, sinkTarget } from './data';
import { ITestState, NotificationsModel } from './notificationsmodel';
import { eventLabels, kindLabels, SinkForm } from './SinkForm';

const REFRESH_MS = 10000;

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
  const __ = useTranslate();
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
        <Table
          className="bk-deliveries-table"
          headers={[__('Time'), __('Sink'), __('Event'), __('Run'), __('Try'), __('Outcome')]}
        >
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
        </Table>
      ) : (
        <div className="bk-muted">{trans.__('Nothing sent yet.')}</div>
      )}
    </div>
  );
}

function NotificationsBody(props: { notifications: NotificationsModel }): JSX.Element {
  const { notifications } = props;
  const trans = useTrans();
  const __ = useTranslate();
  const { sinks, deliveries, error, tests } = useModel(notifications, n => n);
  const editor = useEditor(sinks);

  React.useEffect(() => {
    void notifications.load();
    const timer = window.setInterval(() => void notifications.load(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [notifications]);

  const remove = async (sink: ISink) => {
    const ok = await confirmDanger(
      trans.__('Delete sink'),
      trans.__('Delete the notification sink %1? Its delivery record stays.', sink.name || ''),
      trans.__('Delete')
    );
    if (ok) {
      await notifications.remove(sink.id || '');
    }
  };

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
          <NewButton editor={editor} className="bk-add-sink" label={trans.__('Add sink')} />
        </div>
        {editor.open && (
          <SinkForm
            key={editor.editing}
            notifications={notifications}
            sink={editor.current}
            onClose={editor.close}
          />
        )}
        {sinks === null ? (
          <div className="bk-muted">{trans.__('Loading…')}</div>
        ) : sinks.length ? (
          <Table
            className="bk-sinks-table"
            headers={[__('Name'), __('Kind'), __('Sends to'), __('Events'), '']}
          >
            {sinks.map(s => (
              <SinkRow
                key={s.id}
                sink={s}
                test={tests.get(s.id || '')}
                onTest={() => void notifications.test(s.id || '')}
                onEdit={() => editor.edit(s.id || '')}
                onDelete={() => void remove(s)}
              />
            ))}
          </Table>
        ) : (
          <div className="bk-muted bk-no-sinks">
            {trans.__('No sinks yet: add a webhook, Slack, Discord, ntfy or e-mail sink.')}
          </div>
        )}
      </div>
      <Deliveries deliveries={deliveries} onRefresh={() => void notifications.load()} />
    </div>
  );
}

/** The notification settings in the main area (one at a time). */
export class NotificationsWidget extends PageWidget {
  constructor(notifications: NotificationsModel, trans: TranslationBundle) {
    super(trans, <NotificationsBody notifications={notifications} />, {
      id: 'beekeeper-notifications',
      className: 'bk-notifications-widget',
      label: trans.__('Notifications'),
      caption: trans.__('Beekeeper notification sinks')
    });
  }
}
