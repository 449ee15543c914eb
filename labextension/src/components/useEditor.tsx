/**
 * In-place editing in a list section (the notification sinks, a project's schedules): at most one
 * form open, for a new item or for the listed item it names; the section's New button is disabled
 * while the new form shows. Both sections held this state and button by hand.
 */
import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';

export interface IEditor<T> {
  /** 'new', the id of the item being edited, or null: no form. */
  editing: string | null;
  /** The item being edited, while it is still listed. */
  current: T | undefined;
  /** Whether a form shows: the new one, or that of an item still listed. */
  open: boolean;
  /** Open the form for 'new' or for the item with this id. */
  edit: (id: string) => void;
  close: () => void;
}

export function useEditor<T extends { id?: string | null }>(items: T[] | null): IEditor<T> {
  const [editing, setEditing] = React.useState<string | null>(null);
  const current = editing === 'new' ? undefined : items?.find(item => item.id === editing);
  const close = React.useCallback(() => setEditing(null), []);
  return { editing, current, open: editing === 'new' || !!current, edit: setEditing, close };
}

/** The section's "New …" button: it opens the new form, and is disabled while that shows. */
export function NewButton(props: {
  editor: IEditor<unknown>;
  className: string;
  label: string;
}): JSX.Element {
  const { editor } = props;
  return (
    <Button
      small
      className={`bk-primary ${props.className}`}
      disabled={editor.editing === 'new'}
      onClick={() => editor.edit('new')}
    >
      {props.label}
    </Button>
  );
}
