import * as React from 'react';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { IProject } from '../api';
import { BeekeeperModel } from '../model';
import { TransContext } from '../i18n';
import { beeIcon } from '../icons';
import { ProjectForm } from './ProjectForm';

/**
 * New project or Edit as a full-width form in the main area, where a long git URL and every path
 * fit (the sidebar cut them off). Closes itself when saved or cancelled.
 */
export class ProjectFormWidget extends MainAreaWidget<ReactWidget> {
  constructor(
    model: BeekeeperModel,
    trans: TranslationBundle,
    options: { project?: IProject; onDone: (project: IProject) => void }
  ) {
    const { project } = options;
    // The form's callbacks run after construction, once `close` is this widget's.
    const widget = { close: () => undefined as void };
    const heading = project ? trans.__('Edit %1', project.name) : trans.__('New Beekeeper project');
    const content = ReactWidget.create(
      <TransContext.Provider value={trans}>
        <div className="bk-form-page">
          <h2 className="bk-form-page-title">{heading}</h2>
          {!project && (
            <p className="bk-muted">
              {trans.__(
                'Beekeeper clones the repository, creates its own Python environment and installs the requirements.'
              )}
            </p>
          )}
          <ProjectForm
            model={model}
            project={project}
            onCancel={() => widget.close()}
            onDone={saved => {
              widget.close();
              options.onDone(saved);
            }}
          />
        </div>
      </TransContext.Provider>
    );
    content.addClass('bk-page-widget'); // the panel's buttons and fields look the same here
    super({ content });
    widget.close = () => this.close();
    this.id = project ? `beekeeper-form-edit-${project.name}` : 'beekeeper-form-new';
    this.addClass('bk-form-widget');
    this.title.label = heading;
    this.title.icon = beeIcon;
    this.title.closable = true;
  }
}
