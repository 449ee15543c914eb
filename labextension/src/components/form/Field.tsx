import * as React from 'react';

/** One labelled input with its error (or hint) beneath; `data-field` lets tests and errors find it. */
export function Field(props: {
  id: string;
  label: string;
  error?: string | null;
  hint?: string;
  /** The input the label names, when it is not `bk-f-<id>` (the sweep dialog's own ids). */
  inputId?: string;
  /** Classes beside `bk-field`, e.g. a width: "bk-narrow". */
  className?: string;
  /** Marked invalid while its message shows elsewhere (a sweep parameter row has one for the row). */
  invalid?: boolean;
  children: React.ReactNode;
}): JSX.Element {
  const classes = ['bk-field', props.className, props.error || props.invalid ? 'bk-field-invalid' : ''];
  return (
    <div className={classes.filter(Boolean).join(' ')} data-field={props.id}>
      <label htmlFor={props.inputId || `bk-f-${props.id}`}>{props.label}</label>
      {props.children}
      {props.error ? (
        <div className="bk-field-error" role="alert">
          {props.error}
        </div>
      ) : (
        props.hint && <div className="bk-field-hint">{props.hint}</div>
      )}
    </div>
  );
}
