/**
 * The panel's buttons that call the server (stop, delete, move, re-sync) end the same way: a
 * failure is an error notification saying what failed. Deleting asks first.
 */
import { notifyError } from '../notify';
import { confirmDanger } from './confirm';

/** What to ask before a step that cannot be undone: the dialog's title, text and button. */
export interface IAsk {
  title: string;
  body: string;
  label: string;
}

/** Runs `action`; if it throws, notifies `failed(message)`, e.g. "Stop run-1: not found". */
export async function attempt(
  action: () => Promise<unknown>,
  failed: (message: string) => string
): Promise<void> {
  try {
    await action();
  } catch (error) {
    notifyError(failed((error as Error).message));
  }
}

/** `attempt` once the user has agreed to `ask`; nothing when they cancel. */
export async function confirmAndAttempt(
  ask: IAsk,
  action: () => Promise<unknown>,
  failed: (message: string) => string
): Promise<void> {
  if (await confirmDanger(ask.title, ask.body, ask.label)) {
    await attempt(action, failed);
  }
}
