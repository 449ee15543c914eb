/**
 * The Runs tab's sweeps: "New sweep" (the dialog) and the project's sweeps with their progress and
 * best value so far, each opening its sweep view. Live through the model's sweep events.
 */
import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { IProject } from '../api';
import { BeekeeperModel } from '../model';
import { formatTime, formatValue } from '../format';
import { useTrans } from '../i18n';
import { ActionLink } from '../components/ActionLink';
import { Table } from '../components/Table';
import { useModel } from '../useModel';
import { ISweep } from './types';
import { NewSweepDialog } from './NewSweepDialog';

/** "4/6 done" from a sweep's trial counts (ended trials of the total). */
export function progressText(sweep: ISweep): string {
  const t = sweep.trials || {};
  const ended = (t.succeeded || 0) + (t.failed || 0) + (t.stopped || 0) + (t.lost || 0);
  return `${ended}/${t.total || 0}`;
}

export function SweepsCard(props: {
  model: BeekeeperModel;
  project: IProject;
  onOpen: (id: string) => void;
}): JSX.Element {
  const { model, project } = props;
  const trans = useTrans();
  React.useEffect(() => model.sweeps.watchProject(project.name), [model, project.name]);
  const { sweeps, error } = useModel(model.sweeps, s => s.list(project.name));
  const [open, setOpen] = React.useState(false);
  return (
    <div className="bk-card bk-sweeps">
      <div className="bk-card-title bk-history-title">
        {trans.__('Sweeps')}
        <Button
          small
          className="bk-new-sweep"
          disabled={project.setup.state !== 'ready'}
          title={trans.__('Grid or random search over the arguments, queued as runs')}
          onClick={() => setOpen(true)}
        >
          {trans.__('New sweep')}
        </Button>
      </div>
      {error && <div className="bk-form-error">{error}</div>}
      {sweeps.length ? (
        <Table
          className="bk-sweeps-table"
          headers={[
            trans.__('Sweep'),
            trans.__('State'),
            trans.__('Done'),
            trans.__('Best'),
            trans.__('Created')
          ]}
        >
          {sweeps.map(s => (
            <tr key={s.id} data-sweep={s.id}>
              <td>
                <ActionLink
                  className="bk-sweep-link"
                  title={trans.__('Open the sweep')}
                  onClick={() => props.onOpen(s.id)}
                >
                  {s.id}
                </ActionLink>
              </td>
              <td>
                <span className={`bk-badge bk-sweep-state-${s.state}`}>{s.state}</span>
              </td>
              <td className="bk-sweep-progress">{progressText(s)}</td>
              <td>{s.best ? `${s.objective?.metric || ''} ${formatValue(s.best.value)}`.trim() : '—'}</td>
              <td>{formatTime(s.created)}</td>
            </tr>
          ))}
        </Table>
      ) : (
        <div className="bk-muted">{trans.__('No sweeps yet.')}</div>
      )}
      {open && (
        <NewSweepDialog
          model={model}
          project={project}
          onClose={() => setOpen(false)}
          onCreated={sweep => {
            setOpen(false);
            props.onOpen(sweep.id);
          }}
        />
      )}
    </div>
  );
}
