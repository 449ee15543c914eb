import * as React from 'react';

/** One labelled input with its error (or hint) beneath; `data-field` lets tests and errors find it. */
export function Field(props: {
  id: string;
  label: string;
  error?: string | null;
  hint?: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <div className={'bk-field' + (props.error ? ' bk-field-invalid' : '')} data-field={props.id}>
      <label htmlFor={`bk-f-${props.id}`}>{props.label}</label>
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
