/** Add or edit one notification sink: its kind's fields, the events it wants, errors by field. */
import * as React from 'react';
import { TranslationBundle } from '@jupyterlab/translation';
import { ApiError } from '../api';
import { sinkEvents, sinkKinds, smtpSecurity } from '../generated/enums';
import { Field } from '../components/form/Field';
import { EnabledSaveCancel, SelectField } from '../components/form/SelectField';
import { useTrans, useTranslate } from '../i18n';
import {
  errorField,
  FormField,
  initialForm,
  isEmail,
  ISink,
  ISinkForm,
  localErrors,
  SinkEvent,
  SinkKind,
  sinkBody,
  SmtpSecurity
} from './data';
import { NotificationsModel } from './notificationsmodel';

/** Labels for the server's enums; the Record types make a new server value a compile error here. */
export function eventLabels(trans: TranslationBundle): Record<SinkEvent, string> {
  return {
    succeeded: trans.__('Run succeeded'),
    failed: trans.__('Run failed'),
    stopped: trans.__('Run stopped'),
    lost: trans.__('Run lost'),
    stalled: trans.__('Run stalled'),
    sweep_finished: trans.__('Sweep finished'),
    setup_failed: trans.__('Setup failed'),
    disk_full: trans.__('Disk above 90 %'),
    gpu_hot: trans.__('GPU above its slowdown temperature')
  };
}

export function kindLabels(trans: TranslationBundle): Record<SinkKind, string> {
  return {
    webhook: trans.__('JSON webhook'),
    slack: trans.__('Slack'),
    discord: trans.__('Discord'),
    ntfy: trans.__('ntfy'),
    email: trans.__('E-mail (SMTP)')
  };
}

function securityLabels(trans: TranslationBundle): Record<SmtpSecurity, string> {
  return {
    starttls: trans.__('STARTTLS (587)'),
    ssl: trans.__('SSL/TLS (465)'),
    none: trans.__('None (25, loopback only)')
  };
}

/** The form's two selects, each over one of the server's enums with its labels. */
const CHOICES = {
  kind: { values: sinkKinds, labels: kindLabels },
  security: { values: smtpSecurity, labels: securityLabels }
};

/** `field` names the select's id, data-field, error and value, and picks its options. */
function SinkSelect(props: {
  field: keyof typeof CHOICES;
  label: string;
  form: ISinkForm;
  set: (patch: Partial<ISinkForm>) => void;
  errors: Partial<Record<FormField, string>>;
  disabled?: boolean;
}): JSX.Element {
  const { field } = props;
  const trans = useTrans();
  const { values, labels } = CHOICES[field];
  const label = labels(trans) as Record<string, string>;
  return (
    <SelectField
      id={`bk-f-sink-${field}`}
      field={`sink-${field}`}
      label={props.label}
      error={props.errors[field]}
      value={props.form[field]}
      disabled={props.disabled}
      options={values.map(value => ({ value, label: label[value] }))}
      onChange={value => props.set({ [field]: value })}
    />
  );
}

function EventPicker(props: { value: SinkEvent[]; onChange: (v: SinkEvent[]) => void }): JSX.Element {
  const trans = useTrans();
  const labels = eventLabels(trans);
  const toggle = (e: SinkEvent, on: boolean) =>
    props.onChange(sinkEvents.filter(x => (x === e ? on : props.value.includes(x))));
  return (
    <div className="bk-sink-events" id="bk-f-sink-events">
      {sinkEvents.map(e => (
        <label key={e} className="bk-check" data-event={e}>
          <input
            type="checkbox"
            checked={props.value.includes(e)}
            onChange={ev => toggle(e, ev.target.checked)}
          />
          {labels[e]}
        </label>
      ))}
    </div>
  );
}

function UrlFields(props: {
  form: ISinkForm;
  set: (patch: Partial<ISinkForm>) => void;
  errors: Partial<Record<FormField, string>>;
  editing: boolean;
}): JSX.Element {
  const { form, set, errors } = props;
  const trans = useTrans();
  const placeholder: Record<string, string> = {
    webhook: 'https://example.org/hooks/beekeeper',
    slack: 'https://hooks.slack.com/services/…',
    discord: 'https://discord.com/api/webhooks/…',
    ntfy: 'https://ntfy.sh/your-secret-topic'
  };
  return (
    <Field
      id="sink-url"
      label={trans.__('URL')}
      error={errors.url}
      hint={
        props.editing
          ? trans.__('Shown masked; leave it as it is to keep the stored URL')
          : trans.__('Kept on the server and never shown in full again')
      }
    >
      <input
        id="bk-f-sink-url"
        className="jp-mod-styled"
        value={form.url}
        placeholder={placeholder[form.kind] || ''}
        onChange={e => set({ url: e.target.value })}
        autoComplete="off"
      />
    </Field>
  );
}

function EmailFields(props: {
  form: ISinkForm;
  set: (patch: Partial<ISinkForm>) => void;
  errors: Partial<Record<FormField, string>>;
  sink?: ISink;
}): JSX.Element {
  const { form, set, errors, sink } = props;
  const trans = useTrans();
  const passwordHint = form.clearPassword
    ? trans.__('The stored password is removed on Save')
    : sink?.password_set
      ? trans.__('A password is stored; leave empty to keep it')
      : trans.__('Kept on the server and never shown');
  const input = (field: 'host' | 'port' | 'username' | 'sender', label: string, hint?: string) => (
    <Field id={`sink-${field}`} label={label} error={errors[field]} hint={hint}>
      <input
        id={`bk-f-sink-${field}`}
        className="jp-mod-styled"
        value={form[field]}
        onChange={e => set({ [field]: e.target.value })}
        autoComplete="off"
      />
    </Field>
  );
  return (
    <>
      <div className="bk-field-row">
        {input('host', trans.__('SMTP server'))}
        {input('port', trans.__('Port'), trans.__('Empty: the default for the security'))}
        <SinkSelect field="security" label={trans.__('Security')} form={form} set={set} errors={errors} />
      </div>
      <div className="bk-field-row">
        {input('username', trans.__('User'), trans.__('Empty: no login'))}
        <Field id="sink-password" label={trans.__('Password')} error={errors.password} hint={passwordHint}>
          <input
            id="bk-f-sink-password"
            type="password"
            className="jp-mod-styled"
            value={form.password}
            disabled={form.clearPassword}
            onChange={e => set({ password: e.target.value })}
            autoComplete="new-password"
          />
          {sink?.password_set && (
            <label className="bk-check bk-clear-password">
              <input
                type="checkbox"
                checked={form.clearPassword}
                onChange={e => set({ clearPassword: e.target.checked, password: '' })}
              />
              {trans.__('Clear the stored password')}
            </label>
          )}
        </Field>
      </div>
      <div className="bk-field-row">
        {input('sender', trans.__('From'))}
        <Field
          id="sink-to"
          label={trans.__('To')}
          error={errors.to}
          hint={trans.__('Addresses separated by commas')}
        >
          <input
            id="bk-f-sink-to"
            className="jp-mod-styled"
            value={form.to}
            onChange={e => set({ to: e.target.value })}
          />
        </Field>
      </div>
    </>
  );
}

/** The form card; `sink` given: editing it (its kind fixed). It saves through the model. */
export function SinkForm(props: {
  notifications: NotificationsModel;
  sink?: ISink;
  /** After saving, or on Cancel. */
  onClose: () => void;
}): JSX.Element {
  const { notifications, sink } = props;
  const trans = useTrans();
  const __ = useTranslate();
  const [form, setForm] = React.useState<ISinkForm>(() => initialForm(sink));
  const [errors, setErrors] = React.useState<Partial<Record<FormField | 'form', string>>>({});
  const [busy, setBusy] = React.useState(false);
  const set = (patch: Partial<ISinkForm>) => setForm(f => ({ ...f, ...patch }));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const local = localErrors(form, __);
    setErrors(local);
    if (Object.keys(local).length) {
      return;
    }
    setBusy(true);
    try {
      const body = sinkBody(form, sink);
      await (sink?.id ? notifications.update(sink.id, body) : notifications.create(body));
      props.onClose();
    } catch (err) {
      const error = err as ApiError;
      setErrors({ [errorField(error.field)]: error.message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="bk-card bk-form bk-sink-form" onSubmit={submit} data-sink={sink?.id || 'new'}>
      <div className="bk-card-title">
        {sink ? trans.__('Edit sink %1', sink.name || '') : trans.__('New notification sink')}
      </div>
      <div className="bk-field-row">
        <SinkSelect
          field="kind"
          label={trans.__('Kind')}
          form={form}
          set={set}
          errors={errors}
          disabled={!!sink}
        />
        <Field id="sink-name" label={trans.__('Name')} error={errors.name}>
          <input
            id="bk-f-sink-name"
            className="jp-mod-styled"
            value={form.name}
            placeholder={form.kind}
            onChange={e => set({ name: e.target.value })}
          />
        </Field>
      </div>
      {isEmail(form.kind) ? (
        <EmailFields form={form} set={set} errors={errors} sink={sink} />
      ) : (
        <UrlFields form={form} set={set} errors={errors} editing={!!sink} />
      )}
      <Field id="sink-events" label={trans.__('Events')} error={errors.events}>
        <EventPicker value={form.events} onChange={events => set({ events })} />
      </Field>
      <EnabledSaveCancel
        name="sink"
        enabled={form.enabled}
        onEnabled={enabled => set({ enabled })}
        busy={busy}
        label={sink ? trans.__('Save') : trans.__('Add sink')}
        onCancel={props.onClose}
      >
        {errors.enabled && <div className="bk-field-error">{errors.enabled}</div>}
        {errors.form && <div className="bk-form-error">{errors.form}</div>}
      </EnabledSaveCancel>
    </form>
  );
}
