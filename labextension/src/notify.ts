/**
 * Toasts, one policy: a success dismisses itself; a failure stays until dismissed, with a button to
 * its log when there is one. Run and setup ends are announced as the user's settings ask.
 */
import { Notification } from '@jupyterlab/apputils';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { IProject, IRun } from './api';
import { BeekeeperModel } from './model';
import { shouldNotify } from './settings';

const SUCCESS_MS = 6000;

let trans: TranslationBundle = nullTranslator.load('beekeeper');

export function notifySuccess(text: string): void {
  Notification.success(text, { autoClose: SUCCESS_MS });
}

export function notifyInfo(text: string): void {
  Notification.info(text, { autoClose: SUCCESS_MS });
}

/** Stays until dismissed; `showLog` adds a "Show log" button. */
export function notifyError(text: string, showLog?: () => void): void {
  Notification.error(text, {
    autoClose: false,
    actions: showLog ? [{ label: trans.__('Show log'), callback: showLog }] : []
  });
}

export interface INotifyActions {
  /** Open a project's page on a tab, optionally on a run. */
  open: (name: string, tab: string, run?: string) => void;
}

function runEndText(run: IRun): string {
  const exit = run.exit_code !== null && run.exit_code !== undefined ? ` (exit ${run.exit_code})` : '';
  const reason = run.message && run.state !== 'succeeded' ? ` — ${run.message}` : '';
  return trans.__('%1: run %2 %3', run.project, run.id, run.state) + exit + reason;
}

function onRunEnded(model: BeekeeperModel, actions: INotifyActions, run: IRun): void {
  if (!shouldNotify(model.settings.notifyRunEnds, run.state)) {
    return;
  }
  const text = runEndText(run);
  const showLog = () => actions.open(run.project, 'logs', run.id);
  const options = { autoClose: SUCCESS_MS, actions: [{ label: trans.__('Show log'), callback: showLog }] };
  if (run.state === 'succeeded') {
    Notification.success(text, options);
  } else if (run.state === 'stopped') {
    Notification.info(text, options);
  } else {
    notifyError(text, showLog);
  }
}

function onSetupEnded(model: BeekeeperModel, actions: INotifyActions, project: IProject): void {
  if (project.setup.state === 'ready') {
    notifySuccess(trans.__('%1 is set up and ready to run.', project.name));
  } else if (project.setup.state === 'failed' && model.settings.notifyRunEnds !== 'none') {
    notifyError(
      trans.__('Setup of %1 failed', project.name) +
        (project.setup.message ? `: ${project.setup.message}` : ''),
      () => actions.open(project.name, 'overview')
    );
  }
}

/** Announce ends of runs and setups this page saw in progress. */
export function connectNotifications(
  model: BeekeeperModel,
  bundle: TranslationBundle,
  actions: INotifyActions
): void {
  trans = bundle;
  model.runEnded.connect((_, run) => onRunEnded(model, actions, run));
  model.setupEnded.connect((_, project) => onSetupEnded(model, actions, project));
}
