/** The panel's commands (palette, launcher card), each a thin call into the model or the pages. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, InputDialog } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { TranslationBundle } from '@jupyterlab/translation';
import { BeekeeperModel } from './model';
import { Pages } from './pages';
import { Tab, TABS } from './project/ProjectPage';
import { beeIcon } from './icons';
import { isActiveRun } from './format';
import { tryExample } from './examples';
import { notifyInfo } from './notify';
import { attempt } from './components/attempt';
import { ISweep } from './sweeps/types';

export const CMD = {
  open: 'beekeeper:open-project',
  newProject: 'beekeeper:new-project',
  run: 'beekeeper:run',
  stop: 'beekeeper:stop',
  panel: 'beekeeper:show-panel',
  example: 'beekeeper:try-example',
  allRuns: 'beekeeper:all-runs',
  openRun: 'beekeeper:open-run',
  openSweep: 'beekeeper:open-sweep',
  notifications: 'beekeeper:notifications'
};

export interface ICommandContext {
  app: JupyterFrontEnd;
  model: BeekeeperModel;
  pages: Pages;
  trans: TranslationBundle;
  sidebarId: string;
}

/** The project a command was given (`args.name`), else the one the user picks from a list. */
async function pickProject(
  ctx: ICommandContext,
  args: { readonly name?: unknown },
  label: string
): Promise<string | null> {
  if (args.name) {
    return args.name as string;
  }
  const names = ctx.model.projects.map(p => p.name);
  if (!names.length) {
    notifyInfo(ctx.trans.__('No Beekeeper projects yet.'));
    return null;
  }
  const result = await InputDialog.getItem({ title: label, items: names });
  return result.button.accept ? result.value : null;
}

type ICommandOptions = Parameters<JupyterFrontEnd['commands']['addCommand']>[1];
type CommandArgs = Parameters<ICommandOptions['execute']>[0];

/** A command's label: `named` for the thing its args name (`args[key]`), else the palette's `generic`. */
function labelBy(key: string, generic: string, named: (value: string) => string): ICommandOptions['label'] {
  return args => (args[key] ? named(args[key] as string) : generic);
}

/** A command on one thing: the one `pick` returns (named in the args, else chosen), then `act`; nothing when none is. */
function addPickCommand(
  ctx: ICommandContext,
  id: string,
  text: Pick<ICommandOptions, 'label' | 'caption'>,
  pick: (args: CommandArgs) => Promise<string | null>,
  act: (picked: string, args: CommandArgs) => unknown
): void {
  ctx.app.commands.addCommand(id, {
    ...text,
    icon: beeIcon,
    execute: async args => {
      const picked = await pick(args);
      if (picked) {
        await act(picked, args);
      }
    }
  });
}

/** A command on one project: the one its args name, else the one picked from a list titled `pick`. */
function addProjectCommand(
  ctx: ICommandContext,
  id: string,
  text: { label: string; pick: string },
  act: (name: string) => Promise<void>
): void {
  addPickCommand(ctx, id, { label: text.label }, args => pickProject(ctx, args, text.pick), act);
}

/** The run a command was given (`args.id`), else the id the user types. */
async function pickRun(ctx: ICommandContext, args: { readonly id?: unknown }): Promise<string | null> {
  if (args.id) {
    return args.id as string;
  }
  const result = await InputDialog.getText({ title: ctx.trans.__('Run id') });
  return result.button.accept ? result.value || null : null;
}

/** The sweep a command was given (`args.id`), else one picked from a project's sweeps. */
async function pickSweep(
  ctx: ICommandContext,
  args: { readonly id?: unknown; readonly name?: unknown }
): Promise<string | null> {
  const { model, trans } = ctx;
  if (args.id) {
    return args.id as string;
  }
  const name = await pickProject(ctx, args, trans.__('Open a sweep of'));
  if (!name) {
    return null;
  }
  let sweeps: ISweep[] = [];
  await attempt(
    async () => (sweeps = await model.sweeps.ofProject(name)),
    message => trans.__('Sweeps of %1: %2', name, message)
  );
  if (!sweeps.length) {
    notifyInfo(trans.__('%1 has no sweeps.', name));
    return null;
  }
  const items = new Map(sweeps.map(s => [`${s.id} · ${s.method} · ${s.state}`, s.id]));
  const result = await InputDialog.getItem({ title: trans.__('Open sweep'), items: [...items.keys()] });
  return result.button.accept && result.value ? items.get(result.value) || null : null;
}

function addRunCommands(ctx: ICommandContext): void {
  const { model, pages, trans } = ctx;
  const run = { label: trans.__('Beekeeper: Run Project…'), pick: trans.__('Run project') };
  addProjectCommand(ctx, CMD.run, run, name =>
    attempt(
      async () => pages.open(name, 'logs', (await model.startRun(name, {})).id),
      message => trans.__('Run %1: %2', name, message)
    )
  );
  const stop = { label: trans.__('Beekeeper: Stop Run…'), pick: trans.__('Stop the active run of') };
  addProjectCommand(ctx, CMD.stop, stop, async name => {
    const latest = model.latest.get(name);
    if (!latest || !isActiveRun(latest.state)) {
      notifyInfo(trans.__('%1 has no active run.', name));
      return;
    }
    await attempt(
      () => model.stopRun(latest.id),
      message => trans.__('Stop %1: %2', name, message)
    );
  });
}

export function addCommands(
  ctx: ICommandContext,
  palette: ICommandPalette | null,
  launcher: ILauncher | null
): void {
  const { app, model, pages, trans } = ctx;
  app.commands.addCommand(CMD.panel, {
    label: trans.__('Beekeeper: Show Panel'),
    icon: beeIcon,
    execute: () => app.shell.activateById(ctx.sidebarId)
  });
  addPickCommand(
    ctx,
    CMD.open,
    {
      label: labelBy('name', trans.__('Beekeeper: Open Project…'), name => trans.__('Open %1', name)),
      caption: trans.__('Open a Beekeeper project page')
    },
    args => pickProject(ctx, args, trans.__('Open project')),
    (name, args) => {
      const tab = TABS.includes(args.tab as Tab) ? (args.tab as Tab) : undefined;
      pages.open(name, tab, args.run as string | undefined);
    }
  );
  app.commands.addCommand(CMD.newProject, {
    label: args => (args.isLauncher ? trans.__('Beekeeper project') : trans.__('Beekeeper: New Project…')),
    caption: trans.__('Create a Beekeeper project from a git repository'),
    icon: beeIcon,
    execute: () => pages.newProject()
  });
  addRunCommands(ctx);
  app.commands.addCommand(CMD.example, {
    label: trans.__('Beekeeper: Try the Example'),
    caption: trans.__('Create (or open) a project from the example that ships with Beekeeper'),
    icon: beeIcon,
    execute: () => tryExample(model, trans, name => pages.open(name))
  });
  app.commands.addCommand(CMD.allRuns, {
    label: trans.__('Beekeeper: All Runs'),
    caption: trans.__('Runs of every project: filter, sort by a metric, compare'),
    icon: beeIcon,
    execute: () => pages.allRuns()
  });
  addPickCommand(
    ctx,
    CMD.openRun,
    {
      label: labelBy('id', trans.__('Beekeeper: Open Run…'), id => trans.__('Open run %1', id))
    },
    args => pickRun(ctx, args),
    id => pages.openRun(id)
  );
  addPickCommand(
    ctx,
    CMD.openSweep,
    {
      label: labelBy('id', trans.__('Beekeeper: Open Sweep…'), id => trans.__('Open sweep %1', id)),
      caption: trans.__("Open a sweep's page: its trials by objective, its charts")
    },
    args => pickSweep(ctx, args),
    id => pages.openSweep(id)
  );
  app.commands.addCommand(CMD.notifications, {
    label: trans.__('Beekeeper: Notifications'),
    caption: trans.__('Notification sinks: where finished, failed and stalled runs are announced'),
    icon: beeIcon,
    execute: () => pages.notifications()
  });
  const items = [
    CMD.newProject,
    CMD.open,
    CMD.run,
    CMD.stop,
    CMD.panel,
    CMD.example,
    CMD.allRuns,
    CMD.openSweep,
    CMD.notifications
  ];
  for (const command of items) {
    palette?.addItem({ command, category: 'Beekeeper' });
  }
  launcher?.add({ command: CMD.newProject, category: 'Other', rank: 1, args: { isLauncher: true } });
}
