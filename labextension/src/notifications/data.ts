/**
 * Notification sinks as the panel edits them: the types the server's OpenAPI document gives
 * (src/generated) and the pure form ↔ request-body helpers the unit tests cover. The calls are in
 * api.ts; the state (sinks, deliveries, test sends) in notificationsmodel.ts.
 */
import type { components, paths } from '../generated/api';
import { sinkEvents } from '../generated/enums';
import { english, Translate } from '../format';

type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never;
export type ISinkList = JsonOf<paths['/notifications/sinks']['get']['responses'][200]>;
export type IDeliveryList = JsonOf<paths['/notifications/deliveries']['get']['responses'][200]>;

export type ISink = NonNullable<ISinkList['sinks']>[number];
export type SinkKind = NonNullable<ISink['kind']>;
export type SinkEvent = NonNullable<ISink['events']>[number];
export type SmtpSecurity = NonNullable<ISink['security']>;
/** A POST body (with kind) or a PATCH body (without): the fields of SinkUpdate. */
export type ISinkBody = components['schemas']['SinkUpdate'] & { kind?: SinkKind };
export type IDelivery = NonNullable<IDeliveryList['deliveries']>[number];
export type ITestResult = JsonOf<paths['/notifications/test']['post']['responses'][200]>;

/** What the sink form edits: every kind's fields, strings as typed. */
export interface ISinkForm {
  name: string;
  kind: SinkKind;
  events: SinkEvent[];
  enabled: boolean;
  /** Webhook, Slack, Discord and ntfy: the URL (when editing, the server's masked form until changed). */
  url: string;
  host: string;
  port: string;
  security: SmtpSecurity;
  username: string;
  /** Empty when editing keeps the stored password (the server never sends it). */
  password: string;
  /** Editing: send an empty password, which the server takes as none (no SMTP login password). */
  clearPassword: boolean;
  sender: string;
  /** Addresses separated by commas or new lines. */
  to: string;
}

export const FORM_FIELDS = [
  'name',
  'kind',
  'events',
  'enabled',
  'url',
  'host',
  'port',
  'security',
  'username',
  'password',
  'sender',
  'to'
] as const;
export type FormField = (typeof FORM_FIELDS)[number];

export function isEmail(kind: SinkKind | undefined): boolean {
  return kind === 'email';
}

/** The form for a new sink of `kind`, or filled from an existing sink. */
export function initialForm(sink?: ISink, kind: SinkKind = 'webhook'): ISinkForm {
  return {
    name: sink?.name || '',
    kind: sink?.kind || kind,
    events: sink?.events ? [...sink.events] : [...sinkEvents],
    enabled: sink?.enabled ?? true,
    url: sink?.url || '',
    host: sink?.host || '',
    port: sink?.port ? String(sink.port) : '',
    security: sink?.security || 'starttls',
    username: sink?.username || '',
    password: '',
    clearPassword: false,
    sender: sink?.sender || '',
    to: (sink?.to || []).join(', ')
  };
}

export function splitAddresses(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map(a => a.trim())
    .filter(Boolean);
}

/**
 * The POST (new) or PATCH (editing) body. Only the kind's own fields go; an empty port lets the
 * server pick the security's default; an untouched URL or empty password keeps the stored secret
 * (clearPassword sends "" instead, which the server stores as no password).
 */
export function sinkBody(form: ISinkForm, editing?: ISink): ISinkBody {
  const body: ISinkBody = { name: form.name.trim() || form.kind, events: form.events, enabled: form.enabled };
  if (!editing) {
    body.kind = form.kind;
  }
  if (!isEmail(form.kind)) {
    if (!editing || form.url !== (editing.url || '')) {
      body.url = form.url.trim();
    }
    return body;
  }
  body.host = form.host.trim();
  body.security = form.security;
  if (form.port.trim()) {
    body.port = Number(form.port.trim());
  }
  body.username = form.username.trim();
  if (form.clearPassword) {
    body.password = '';
  } else if (form.password) {
    body.password = form.password;
  }
  body.sender = form.sender.trim();
  body.to = splitAddresses(form.to);
  return body;
}

/** Checks before asking the server (which checks everything again). */
export function localErrors(form: ISinkForm, __: Translate = english): Partial<Record<FormField, string>> {
  const errors: Partial<Record<FormField, string>> = {};
  if (!form.events.length) {
    errors.events = __('Pick at least one event');
  }
  if (isEmail(form.kind)) {
    if (!form.host.trim()) {
      errors.host = __('The SMTP server is required');
    }
    if (form.port.trim() && !/^\d{1,5}$/.test(form.port.trim())) {
      errors.port = __('A port number, or empty for the default');
    }
    if (!form.sender.includes('@')) {
      errors.sender = __('An e-mail address');
    }
    if (!splitAddresses(form.to).length) {
      errors.to = __('At least one e-mail address');
    }
  } else if (!/^https?:\/\/\S+$/.test(form.url.trim())) {
    errors.url = __('An http or https URL');
  }
  return errors;
}

/** The form field a server 400 names ("to", "run.args" → "args"), or 'form' when none fits. */
export function errorField(field: string | null | undefined): FormField | 'form' {
  const head = (field || '').split('.')[0];
  return (FORM_FIELDS as readonly string[]).includes(head) ? (head as FormField) : 'form';
}

/** Where a sink sends: its masked URL, or "user@host:port → a@b". */
export function sinkTarget(sink: ISink): string {
  if (isEmail(sink.kind)) {
    const login = sink.username ? `${sink.username}@` : '';
    return `${login}${sink.host}:${sink.port} (${sink.security}) → ${(sink.to || []).join(', ')}`;
  }
  return sink.url || '';
}

/** A delivery attempt's outcome in a few words: "HTTP 200", "ok", or the (redacted) error. */
export function deliveryOutcome(d: IDelivery): string {
  if (d.ok) {
    return typeof d.status === 'number' ? `HTTP ${d.status}` : 'ok';
  }
  return d.error || (typeof d.status === 'number' ? `HTTP ${d.status}` : 'failed');
}

/** Newest first, whatever order they came in (id grows with time). */
export function newestFirst(deliveries: IDelivery[]): IDelivery[] {
  return [...deliveries].sort((a, b) => (b.id ?? 0) - (a.id ?? 0));
}
