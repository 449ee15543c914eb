import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

/**
 * Placeholder plugin: the lab panel is built on top of the REST API.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'beekeeper-ext:plugin',
  description: 'Beekeeper: a training control room for JupyterLab',
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    console.log('Beekeeper is activated');
  }
};

export default plugin;
