/**
 * Beekeeper's JupyterLab plugins: the sidebar panel with project pages, commands and a launcher
 * card; and the optional "Beekeeper Dark" theme. Logic lives in the modules this file wires up.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, IThemeManager } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { BeekeeperModel } from './model';
import { Sidebar } from './sidebar/Sidebar';
import { Tab } from './project/ProjectPage';
import { Pages } from './pages';
import { addCommands } from './commands';
import { connectNotifications } from './notify';
import { readSettings } from './settings';
import { tryExample } from './examples';
import { BeekeeperDrive } from './filesdrive';
import { takeRunLink } from './runlink';

const PLUGIN_ID = 'beekeeper-ext:plugin';

/** The user's settings, now and after every edit in the Settings Editor. */
async function followSettings(registry: ISettingRegistry, model: BeekeeperModel): Promise<void> {
  try {
    const settings = await registry.load(PLUGIN_ID);
    const apply = () => model.setSettings(readSettings(settings.composite as Record<string, unknown>));
    apply();
    settings.changed.connect(apply);
    // The panel's own pickers (the Runs tab's metric columns) save where the Settings Editor does.
    model.setSettingsWriter((key, value) => settings.set(key, value as any));
  } catch (error) {
    console.warn('Beekeeper: settings not loaded, using defaults', error);
  }
}

const panel: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Beekeeper: projects, runs, logs, TensorBoard and host stats',
  autoStart: true,
  optional: [ICommandPalette, ILauncher, ILayoutRestorer, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    restorer: ILayoutRestorer | null,
    registry: ISettingRegistry | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator || nullTranslator).load('beekeeper');
    const model = new BeekeeperModel();
    app.serviceManager.contents.addDrive(
      new BeekeeperDrive(trans.__('Files opened from Beekeeper are read-only: download a copy to edit it.'))
    );
    const sidebarId = 'beekeeper-sidebar';
    const pages = new Pages(app, model, trans, sidebarId);
    const open = (name: string, tab?: string, run?: string) => pages.open(name, tab as Tab | undefined, run);

    const sidebar = new Sidebar(
      model,
      {
        open,
        newProject: () => pages.newProject(),
        tryExample: () => tryExample(model, trans, open),
        notifications: () => pages.notifications()
      },
      trans
    );
    app.shell.add(sidebar, 'left', { rank: 450 });
    restorer?.add(sidebar, sidebar.id);

    addCommands({ app, model, pages, trans, sidebarId }, palette, launcher);
    connectNotifications(model, trans, { open });
    if (registry) {
      void followSettings(registry, model);
    }
    // Links in notification messages: <public_url>/lab?beekeeper-run=<id> opens that run's detail.
    const linked = takeRunLink();
    void app.restored.then(() => {
      model.start();
      if (linked) {
        pages.openRun(linked);
      }
    });
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
