/**
 * Beekeeper's JupyterLab plugins: the sidebar panel with project pages, commands and a launcher
 * card; and the optional "Beekeeper Dark" theme. Logic lives in the modules this file wires up.
 */
import { ILabShell, ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, IThemeManager, Notification } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { api } from './api';
import { BeekeeperModel } from './model';
import { Sidebar } from './sidebar/Sidebar';
import { ProjectPage, Tab, TABS } from './project/ProjectPage';
import { beeIcon } from './icons';
import { isActiveRun } from './format';
import { tryExample } from './examples';

const CMD = {
  open: 'beekeeper:open-project',
  newProject: 'beekeeper:new-project',
  run: 'beekeeper:run',
  stop: 'beekeeper:stop',
  panel: 'beekeeper:show-panel',
  example: 'beekeeper:try-example'
};

async function pickProject(model: BeekeeperModel, label: string): Promise<string | null> {
  const { InputDialog } = await import('@jupyterlab/apputils');
  const names = model.projects.map(p => p.name);
  if (!names.length) {
    Notification.info('No Beekeeper projects yet.', { autoClose: 4000 });
    return null;
  }
  const result = await InputDialog.getItem({ title: label, items: names });
  return result.button.accept ? result.value : null;
}

const panel: JupyterFrontEndPlugin<void> = {
  id: 'beekeeper-ext:plugin',
  description: 'Beekeeper: projects, runs, logs, TensorBoard and host stats',
  autoStart: true,
  optional: [ICommandPalette, ILauncher, ILayoutRestorer, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    restorer: ILayoutRestorer | null
  ) => {
    const model = new BeekeeperModel();
    const pages = new Map<string, ProjectPage>();

    const open = (name: string) => void app.commands.execute(CMD.open, { name });
    const sidebar = new Sidebar(model, { open, tryExample: () => tryExample(model, open) });
    app.shell.add(sidebar, 'left', { rank: 450 });
    restorer?.add(sidebar, sidebar.id);

    const openPage = (name: string, tab?: Tab, run?: string): ProjectPage => {
      let page = pages.get(name);
      if (!page || page.isDisposed) {
        page = new ProjectPage(model, name, {
          back: () => {
            app.shell.activateById(sidebar.id);
            page?.close();
          },
          openInLab: path => void app.commands.execute('docmanager:open', { path })
        });
        pages.set(name, page);
        page.disposed.connect(() => pages.delete(name));
        app.shell.add(page, 'main');
      }
      if (run) {
        page.selectRun(run, true);
      }
      if (tab) {
        page.setTab(tab);
      }
      app.shell.activateById(page.id);
      return page;
    };

    app.commands.addCommand(CMD.panel, {
      label: 'Beekeeper: Show Panel',
      icon: beeIcon,
      execute: () => app.shell.activateById(sidebar.id)
    });
    app.commands.addCommand(CMD.open, {
      label: args => (args.name ? `Open ${args.name}` : 'Beekeeper: Open Project…'),
      caption: 'Open a Beekeeper project page',
      icon: beeIcon,
      execute: async args => {
        const name = (args.name as string) || (await pickProject(model, 'Open project'));
        if (name) {
          const tab = TABS.includes(args.tab as Tab) ? (args.tab as Tab) : undefined;
          openPage(name, tab, args.run as string | undefined);
        }
      }
    });
    app.commands.addCommand(CMD.newProject, {
      label: args => (args.isLauncher ? 'Beekeeper project' : 'Beekeeper: New Project…'),
      caption: 'Create a Beekeeper project from a git repository',
      icon: beeIcon,
      execute: () => {
        app.shell.activateById(sidebar.id);
        requestAnimationFrame(() => sidebar.newProject());
      }
    });
    app.commands.addCommand(CMD.run, {
      label: 'Beekeeper: Run Project…',
      icon: beeIcon,
      execute: async args => {
        const name = (args.name as string) || (await pickProject(model, 'Run project'));
        if (!name) {
          return;
        }
        try {
          const run = await api.startRun(name, {});
          openPage(name, 'logs', run.id);
        } catch (error) {
          Notification.error(`Run ${name}: ${(error as Error).message}`, { autoClose: 8000 });
        }
      }
    });
    app.commands.addCommand(CMD.stop, {
      label: 'Beekeeper: Stop Run…',
      icon: beeIcon,
      execute: async args => {
        const name = (args.name as string) || (await pickProject(model, 'Stop the active run of'));
        const run = name ? model.latest.get(name) : undefined;
        if (!name) {
          return;
        }
        if (!run || !isActiveRun(run.state)) {
          Notification.info(`${name} has no active run.`, { autoClose: 4000 });
          return;
        }
        try {
          await api.stopRun(run.id);
        } catch (error) {
          Notification.error(`Stop ${name}: ${(error as Error).message}`, { autoClose: 8000 });
        }
      }
    });
    app.commands.addCommand(CMD.example, {
      label: 'Beekeeper: Try the Example',
      caption: 'Create (or open) a project from the example that ships with Beekeeper',
      icon: beeIcon,
      execute: () => tryExample(model, open)
    });
    for (const command of [CMD.newProject, CMD.open, CMD.run, CMD.stop, CMD.panel, CMD.example]) {
      palette?.addItem({ command, category: 'Beekeeper' });
    }
    launcher?.add({ command: CMD.newProject, category: 'Other', rank: 1, args: { isLauncher: true } });

    model.runEnded.connect((_, run) => {
      const ok = run.state === 'succeeded';
      const text =
        `${run.project}: run ${run.id} ${run.state}` +
        (run.exit_code !== null && run.exit_code !== undefined ? ` (exit ${run.exit_code})` : '') +
        (run.message && !ok ? ` — ${run.message}` : '');
      const options = {
        autoClose: ok ? 8000 : (false as const),
        actions: [
          {
            label: 'Show log',
            callback: () =>
              void app.commands.execute(CMD.open, { name: run.project, tab: 'logs', run: run.id })
          }
        ]
      };
      if (ok) {
        Notification.success(text, options);
      } else if (run.state === 'stopped') {
        Notification.info(text, options);
      } else {
        Notification.error(text, options);
      }
    });

    void app.restored.then(() => model.start());
  }
};

const theme: JupyterFrontEndPlugin<void> = {
  id: 'beekeeper-ext:theme',
  description: 'Beekeeper Dark: a VSCode-like dark theme with a honey-yellow accent',
  autoStart: true,
  requires: [IThemeManager],
  activate: (app: JupyterFrontEnd, manager: IThemeManager) => {
    manager.register({
      name: 'Beekeeper Dark',
      displayName: 'Beekeeper Dark',
      isLight: false,
      themeScrollbars: true,
      // JupyterLab Dark supplies every variable; our sheet (package.json themePath) overrides colours.
      load: async () => {
        await manager.loadCSS('@jupyterlab/theme-dark-extension/index.css');
        await manager.loadCSS('beekeeper-ext/index.css');
      },
      unload: () => Promise.resolve(undefined)
    });
  }
};

export default [panel, theme];
