/** The panel's tables: one header row from a list of column titles, the rows as children. */
import * as React from 'react';

export function Table(props: {
  /** Classes beside `bk-table`, e.g. "bk-sinks-table". */
  className?: string;
  /**
   * Column titles, already translated; '' for an untitled column (row actions). None: no header
   * row, as in a table of facts whose rows start with their own `<th>`.
   */
  headers?: React.ReactNode[];
  children: React.ReactNode;
}): JSX.Element {
  return (
    <table className={props.className ? `bk-table ${props.className}` : 'bk-table'}>
      {props.headers && (
        <thead>
          <tr>
            {props.headers.map((title, i) => (
              <th key={i}>{title}</th>
            ))}
          </tr>
        </thead>
      )}
      <tbody>{props.children}</tbody>
    </table>
  );
}
