import { Dialog, showDialog } from '@jupyterlab/apputils';

/** Ask before something that cannot be undone (delete, replace); true when the user agreed. */
export async function confirmDanger(title: string, body: string, label: string): Promise<boolean> {
  const answer = await showDialog({
    title,
    body,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label })]
  });
  return answer.button.accept;
}
