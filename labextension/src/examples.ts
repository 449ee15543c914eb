/**
 * "Try the example": one click from an empty Beekeeper to a real project. The server turns the
 * bundled example into a local git repository, so this works with no internet and no git host.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { ApiError } from './api';
import { BeekeeperModel } from './model';
import { notifyError, notifyInfo } from './notify';

/** Creates the bundled example project (or opens it when it exists already) and opens its page. */
export async function tryExample(
  model: BeekeeperModel,
  trans: TranslationBundle,
  open: (name: string) => void
): Promise<void> {
  try {
    const [example] = await model.examples();
    if (!example) {
      notifyInfo(trans.__('This Beekeeper ships no example project.'));
      return;
    }
    if (model.projects.some(p => p.name === example.project)) {
      open(example.project);
      return;
    }
    try {
      const project = await model.tryExample(example.name);
      open(project.name);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.field === 'name') {
        open(example.project); // created meanwhile, e.g. from another tab
        return;
      }
      throw error;
    }
  } catch (error) {
    notifyError(trans.__('Try the example: %1', (error as Error).message));
  }
}
