/**
 * "Try the example": one click from an empty Beekeeper to a real project. The server turns the
 * bundled example into a local git repository, so this works with no internet and no git host.
 */
import { Notification } from '@jupyterlab/apputils';
import { api, ApiError } from './api';
import { BeekeeperModel } from './model';

/** Creates the bundled example project (or opens it when it exists already) and opens its page. */
export async function tryExample(model: BeekeeperModel, open: (name: string) => void): Promise<void> {
  try {
    const [example] = await api.examples();
    if (!example) {
      Notification.info('This Beekeeper ships no example project.', { autoClose: 4000 });
      return;
    }
    if (model.projects.some(p => p.name === example.project)) {
      open(example.project);
      return;
    }
    try {
      const project = await api.tryExample(example.name);
      await model.refresh();
      open(project.name);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.field === 'name') {
        open(example.project); // created meanwhile, e.g. from another tab
        return;
      }
      throw error;
    }
  } catch (error) {
    Notification.error(`Try the example: ${(error as Error).message}`, { autoClose: 8000 });
  }
}
