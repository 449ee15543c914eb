import * as React from 'react';
import { TranslationBundle } from '@jupyterlab/translation';
import { IProject } from '../api';
import { BeekeeperModel } from '../model';
import { useTrans } from '../i18n';
import { PageWidget } from './PageWidget';
import { ProjectForm } from './ProjectForm';

/** The form under its heading; a new project's says what creating one does. */
function ProjectFormPage(props: {
  model: BeekeeperModel;
  project?: IProject;
  heading: string;
  onDone: (project: IProject) => void;
  onCancel: () => void;
}): JSX.Element {
  const { project } = props;
  const trans = useTrans();
  return (
    <div className="bk-form-page">
      <h2 className="bk-form-page-title">{props.heading}</h2>
      {!project && (
        <p className="bk-muted">
          {trans.__(
            'Beekeeper clones the repository, creates its own Python environment and installs the requirements.'
          )}
        </p>
      )}
      <ProjectForm model={props.model} project={project} onCancel={props.onCancel} onDone={props.onDone} />
    </div>
  );
}

/**
 * New project or Edit as a full-width form in the main area, where a long git URL and every path
 * fit (the sidebar cut them off). Closes itself when saved or cancelled.
 */
export class ProjectFormWidget extends PageWidget {
  constructor(
    model: BeekeeperModel,
    trans: TranslationBundle,
    options: { project?: IProject; onDone: (project: IProject) => void }
  ) {
    const { project } = options;
    // The form's callbacks run after construction, once `close` is this widget's.
    const widget = { close: () => undefined as void };
    const heading = project ? trans.__('Edit %1', project.name) : trans.__('New Beekeeper project');
    const body = (
      <ProjectFormPage
        model={model}
        project={project}
        heading={heading}
        onCancel={() => widget.close()}
        onDone={saved => {
          widget.close();
          options.onDone(saved);
        }}
      />
    );
    super(trans, body, {
      id: project ? `beekeeper-form-edit-${project.name}` : 'beekeeper-form-new',
      className: 'bk-form-widget',
      label: heading
    });
    widget.close = () => this.close();
  }
}
