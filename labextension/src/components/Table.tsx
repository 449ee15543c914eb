/** The panel's tables: one header row from a list of column titles, the rows as children. */
import * as React from 'react';

/** A column title with what a plain title cannot say: the order the rows are sorted in, a class. */
export interface IColumn {
  title: React.ReactNode;
  className?: string;
  sort?: 'ascending' | 'descending';
}

function isColumn(header: React.ReactNode | IColumn): header is IColumn {
  return typeof header === 'object' && header !== null && 'title' in header;
}

export function Table(props: {
  /** Classes beside `bk-table`, e.g. "bk-sinks-table". */
  className?: string;
  /**
   * Column titles, already translated; '' for an untitled column (row actions). None: no header
   * row, as in a table of facts whose rows start with their own `<th>`.
   */
  headers?: (React.ReactNode | IColumn)[];
  children: React.ReactNode;
}): JSX.Element {
  return (
    <table className={props.className ? `bk-table ${props.className}` : 'bk-table'}>
      {props.headers && (
        <thead>
          <tr>
            {props.headers.map((header, i) =>
              isColumn(header) ? (
                <th key={i} className={header.className} aria-sort={header.sort}>
                  {header.title}
                </th>
              ) : (
                <th key={i}>{header}</th>
              )
            )}
          </tr>
        </thead>
      )}
      <tbody>{props.children}</tbody>
    </table>
  );
}
