import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { useTrans } from '../../i18n';

export interface IOption {
  value: string;
  label: string;
  title?: string;
}

/** A fixed choice's options from value → label, in the order written. */
export function choices(labels: Record<string, string>): IOption[] {
  return Object.entries(labels).map(([value, label]) => ({ value, label }));
}

/**
 * One labelled <select> with its error beneath: the run form, the schedule form and the sweep
 * dialog each spelled this shape out per field. `field` becomes `data-field`, which tests and
 * server errors use to find it; `id` is the select's own id, so existing selectors keep working.
 */
export function SelectField(props: {
  id: string;
  label: string;
  field?: string;
  error?: string | null;
  value: string;
  options: IOption[];
  onChange: (value: string) => void;
  className?: string;
  selectClassName?: string;
  title?: string;
  disabled?: boolean;
}): JSX.Element {
  const { id, error } = props;
  return (
    <div
      className={`bk-field${props.className ? ' ' + props.className : ''}${error ? ' bk-field-invalid' : ''}`}
      data-field={props.field}
    >
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        className={'jp-mod-styled' + (props.selectClassName ? ' ' + props.selectClassName : '')}
        value={props.value}
        title={props.title}
        disabled={props.disabled}
        onChange={e => props.onChange(e.target.value)}
      >
        {props.options.map(o => (
          <option key={o.value} value={o.value} title={o.title}>
            {o.label}
          </option>
        ))}
      </select>
      {error && (
        <div className="bk-field-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** The "Enabled" box a schedule and a notification sink both end with. */
export function EnabledCheck(props: {
  field: string;
  checked: boolean;
  label: string;
  onChange: (checked: boolean) => void;
}): JSX.Element {
  return (
    <label className="bk-check" data-field={props.field}>
      <input type="checkbox" checked={props.checked} onChange={e => props.onChange(e.target.checked)} />
      {props.label}
    </label>
  );
}

/** Save (primary, disabled while busy) and Cancel, the end of every edit form in the panel. */
export function SaveCancel(props: {
  className: string;
  busy: boolean;
  label: string;
  busyLabel: string;
  cancelLabel: string;
  onCancel: () => void;
}): JSX.Element {
  return (
    <div className="bk-form-actions">
      <Button type="submit" className={'bk-primary ' + props.className} disabled={props.busy}>
        {props.busy ? props.busyLabel : props.label}
      </Button>
      <Button minimal type="button" onClick={props.onCancel}>
        {props.cancelLabel}
      </Button>
    </div>
  );
}

/**
 * How the schedule and sink forms end: the Enabled box, what `children` show (an error about it or
 * the whole form), then Save and Cancel. `name` gives the box's data-field and Save's class.
 */
export function EnabledSaveCancel(props: {
  /** "sink": data-field "sink-enabled", Save's class "bk-save-sink". */
  name: string;
  enabled: boolean;
  onEnabled: (enabled: boolean) => void;
  busy: boolean;
  label: string;
  onCancel: () => void;
  children?: React.ReactNode;
}): JSX.Element {
  const trans = useTrans();
  return (
    <>
      <EnabledCheck
        field={`${props.name}-enabled`}
        label={trans.__('Enabled')}
        checked={props.enabled}
        onChange={props.onEnabled}
      />
      {props.children}
      <SaveCancel
        className={`bk-save-${props.name}`}
        busy={props.busy}
        label={props.label}
        busyLabel={trans.__('Saving…')}
        cancelLabel={trans.__('Cancel')}
        onCancel={props.onCancel}
      />
    </>
  );
}
