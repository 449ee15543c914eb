import * as React from 'react';
import { Field } from './Field';

/**
 * One labelled text input (a text area with `rows`) with its error beneath: the run form's, the
 * sweep dialog's and a sweep parameter row's inputs each spelled this out. `field` becomes
 * `data-field` (tests and server errors find it by it); `id` is the input's own id.
 */
export function TextField(props: {
  id: string;
  field: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  /** Marked invalid while its message shows elsewhere (a parameter row's one message). */
  invalid?: boolean;
  /** Classes beside `bk-field`, e.g. a width: "bk-narrow". */
  className?: string;
  /** Classes beside the input's `jp-mod-styled`. */
  inputClassName?: string;
  placeholder?: string;
  title?: string;
  rows?: number;
  /** A <datalist> id to offer values from. */
  list?: string;
}): JSX.Element {
  const { id, rows } = props;
  const shared = {
    id,
    className: 'jp-mod-styled' + (props.inputClassName ? ' ' + props.inputClassName : ''),
    value: props.value,
    placeholder: props.placeholder,
    title: props.title
  };
  return (
    <Field
      id={props.field}
      inputId={id}
      label={props.label}
      className={props.className}
      error={props.error}
      invalid={props.invalid}
    >
      {rows ? (
        <textarea {...shared} rows={rows} onChange={e => props.onChange(e.target.value)} />
      ) : (
        <input {...shared} list={props.list} onChange={e => props.onChange(e.target.value)} />
      )}
    </Field>
  );
}
