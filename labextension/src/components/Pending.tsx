import * as React from 'react';
import { useTrans } from '../i18n';

/** What a page shows before its data is in: the error that stopped it, else "Loading…". */
export function Pending(props: { error?: string | null }): JSX.Element {
  const trans = useTrans();
  return props.error ? (
    <div className="bk-form-error">{props.error}</div>
  ) : (
    <div className="bk-muted">{trans.__('Loading…')}</div>
  );
}
