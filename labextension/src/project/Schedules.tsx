/**
 * The Runs tab's Schedules section: a project's cron schedules with their next fire times (from
 * the server) and last outcome, an enabled toggle, and create, edit and delete with the run fields.
 */
import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { ApiError, IProject } from '../api';
import { BeekeeperModel } from '../model';
import { formatTime } from '../format';
import { fireOutcomes } from '../generated/enums';
import { executorOptions, useExecutors } from '../components/useExecutors';
import { confirmDanger } from '../components/confirm';
import { Field } from '../components/form/Field';
import { EnabledSaveCancel, SelectField } from '../components/form/SelectField';
import { Table } from '../components/Table';
import { NewButton, useEditor } from '../components/useEditor';
import { useTrans, useTranslate } from '../i18n';
import { useModel } from '../useModel';
import {
  formatFire,
  IFire,
  initialScheduleForm,
  ISchedule,
  IScheduleForm,
  joinArgs,
  lastFire,
  scheduleBody,
  ScheduleField,
  scheduleErrorField
} from './schedules';

type Outcome = NonNullable<IFire['outcome']>;

function outcomeLabels(trans: TranslationBundle): Record<Outcome, string> {
  return {
    fired: trans.__('started a run'),
    skipped: trans.__('skipped: the previous run was still active'),
    missed: trans.__('missed while the server was down'),
    failed: trans.__('failed to start')
  };
}

function LastFire(props: { schedule: ISchedule; openRun: (id: string) => void }): JSX.Element {
  const trans = useTrans();
  const fire = lastFire(props.schedule);
  if (!fire || !fire.outcome) {
    return <span className="bk-muted">{trans.__('not yet')}</span>;
  }
  const labels = outcomeLabels(trans);
  const known = (fireOutcomes as readonly string[]).includes(fire.outcome);
  return (
    <span
      className={`bk-fire bk-fire-${fire.outcome}`}
      data-outcome={fire.outcome}
      title={[labels[fire.outcome], fire.message].filter(Boolean).join(': ')}
    >
      <span className={`bk-badge bk-fire-badge bk-fire-${fire.outcome}`}>
        {known ? fire.outcome : trans.__('unknown')}
      </span>{' '}
      {formatTime(fire.due)}
      {fire.run_id && (
        <>
          {' · '}
          <a
            href="#"
            className="bk-run-link"
            onClick={e => {
              e.preventDefault();
              props.openRun(fire.run_id || '');
            }}
          >
            {fire.run_id}
          </a>
        </>
      )}
    </span>
  );
}

function ScheduleForm(props: {
  model: BeekeeperModel;
  project: IProject;
  schedule?: ISchedule;
  /** After saving, or on Cancel. */
  onClose: () => void;
}): JSX.Element {
  const { model, project, schedule } = props;
  const trans = useTrans();
  const __ = useTranslate();
  const { executors, serverDefault } = useExecutors(model);
  const [form, setForm] = React.useState<IScheduleForm>(() => initialScheduleForm(schedule));
  const [error, setError] = React.useState<{ field: ScheduleField | 'form'; message: string } | null>(null);
  const [busy, setBusy] = React.useState(false);
  const set = (patch: Partial<IScheduleForm>) => setForm(f => ({ ...f, ...patch }));
  const errorOf = (field: ScheduleField) => (error && error.field === field ? error.message : null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const built = scheduleBody(form, __, schedule);
    if (built.error) {
      setError(built.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      if (schedule) {
        await model.schedules.update(schedule, built.body);
      } else {
        await model.schedules.create(project.name, built.body);
      }
      props.onClose();
    } catch (err) {
      const failure = err as ApiError;
      setError({ field: scheduleErrorField(failure.field), message: failure.message });
    } finally {
      setBusy(false);
    }
  };
  const text = (
    field: 'cron' | 'timezone' | 'args' | 'gpus',
    label: string,
    hint?: string,
    placeholder?: string
  ) => (
    <Field id={`schedule-${field}`} label={label} error={errorOf(field)} hint={hint}>
      <input
        id={`bk-f-schedule-${field}`}
        className="jp-mod-styled"
        value={form[field]}
        placeholder={placeholder}
        onChange={e => set({ [field]: e.target.value })}
      />
    </Field>
  );

  return (
    <form
      className="bk-card bk-form bk-schedule-form"
      onSubmit={submit}
      data-schedule={schedule?.id || 'new'}
    >
      <div className="bk-card-title">{schedule ? trans.__('Edit schedule') : trans.__('New schedule')}</div>
      <div className="bk-field-row">
        {text(
          'cron',
          trans.__('Cron'),
          trans.__('minute hour day month weekday, e.g. 0 2 * * * for 02:00 daily')
        )}
        {text('timezone', trans.__('Time zone'), trans.__('An IANA name like Europe/Berlin'))}
      </div>
      <div className="bk-field-row">
        {text(
          'args',
          trans.__('Arguments'),
          undefined,
          trans.__('extra arguments for %1', project.train_file)
        )}
        {text(
          'gpus',
          trans.__('GPUs'),
          trans.__('A count (0 for CPU only) or GPU ids like 0,1'),
          trans.__('auto')
        )}
        {executors.length > 1 && (
          <SelectField
            id="bk-f-schedule-executor"
            label={trans.__('Run on')}
            field="schedule-executor"
            error={errorOf('executor')}
            value={form.executor}
            options={executorOptions(
              executors,
              trans.__('Default (%1)', project.default_executor || serverDefault)
            )}
            onChange={executor => set({ executor })}
          />
        )}
      </div>
      <Field id="schedule-env" label={trans.__('Environment (KEY=value per line)')} error={errorOf('env')}>
        <textarea
          id="bk-f-schedule-env"
          className="jp-mod-styled"
          rows={2}
          value={form.env}
          onChange={e => set({ env: e.target.value })}
        />
      </Field>
      <EnabledSaveCancel
        name="schedule"
        enabled={form.enabled}
        onEnabled={enabled => set({ enabled })}
        busy={busy}
        label={schedule ? trans.__('Save') : trans.__('Create schedule')}
        onCancel={props.onClose}
      >
        {error && (error.field === 'form' || error.field === 'enabled') && (
          <div className="bk-form-error">{error.message}</div>
        )}
      </EnabledSaveCancel>
    </form>
  );
}

function ScheduleRow(props: {
  schedule: ISchedule;
  onToggle: (enabled: boolean) => void;
  onEdit: () => void;
  onDelete: () => void;
  openRun: (id: string) => void;
}): JSX.Element {
  const { schedule } = props;
  const trans = useTrans();
  const tz = schedule.timezone || 'UTC';
  const next = schedule.next || [];
  const args = joinArgs(schedule.run?.args);
  return (
    <tr data-schedule={schedule.id}>
      <td>
        <code className="bk-schedule-cron">{schedule.cron}</code>
        <div className="bk-muted">{tz}</div>
      </td>
      <td className="bk-args" title={args}>
        {args || '—'}
      </td>
      <td>
        <input
          type="checkbox"
          className="bk-schedule-enabled"
          aria-label={trans.__('Enabled')}
          checked={!!schedule.enabled}
          onChange={e => props.onToggle(e.target.checked)}
        />
      </td>
      <td className="bk-schedule-next">
        {next.length ? (
          <ul className="bk-next-fires">
            {next.slice(0, 3).map(t => (
              <li key={t} title={t} data-time={t}>
                {formatFire(t, tz)}
              </li>
            ))}
          </ul>
        ) : (
          <span className="bk-muted">{schedule.enabled ? '—' : trans.__('paused')}</span>
        )}
      </td>
      <td className="bk-schedule-last">
        <LastFire schedule={schedule} openRun={props.openRun} />
      </td>
      <td className="bk-actions">
        <Button small minimal className="bk-edit-schedule" onClick={props.onEdit}>
          {trans.__('Edit')}
        </Button>
        <Button small minimal className="bk-danger bk-delete-schedule" onClick={props.onDelete}>
          {trans.__('Delete')}
        </Button>
      </td>
    </tr>
  );
}

/** The section, loaded when the Runs tab shows, every 30 s (next fire times) and after every change. */
export function Schedules(props: {
  model: BeekeeperModel;
  project: IProject;
  openRun: (id: string) => void;
}): JSX.Element {
  const { model, project } = props;
  const name = project.name;
  const trans = useTrans();
  const __ = useTranslate();
  const [schedules, error] = useModel(model.schedules, s => [s.of(name), s.errorOf(name)] as const);
  const editor = useEditor(schedules);
  React.useEffect(() => {
    void model.schedules.load(name);
    const timer = window.setInterval(() => void model.schedules.load(name), 30000);
    return () => window.clearInterval(timer);
  }, [model, name]);

  const remove = async (s: ISchedule) => {
    if (
      await confirmDanger(
        trans.__('Delete schedule'),
        trans.__('Delete the schedule %1? The runs it started stay.', s.cron || ''),
        trans.__('Delete')
      )
    ) {
      await model.schedules.remove(s);
    }
  };

  return (
    <div className="bk-section bk-schedules">
      <div className="bk-section-title">
        <span>{trans.__('Schedules')}</span>
        <NewButton editor={editor} className="bk-new-schedule" label={trans.__('New schedule')} />
      </div>
      {error && <div className="bk-form-error">{error}</div>}
      {editor.open && (
        <ScheduleForm
          key={editor.editing}
          model={model}
          project={project}
          schedule={editor.current}
          onClose={editor.close}
        />
      )}
      {schedules && schedules.length > 0 && (
        <Table
          className="bk-schedules-table"
          headers={[__('Cron'), __('Arguments'), __('On'), __('Next'), __('Last'), '']}
        >
          {schedules.map(s => (
            <ScheduleRow
              key={s.id}
              schedule={s}
              onToggle={enabled => void model.schedules.setEnabled(s, enabled)}
              onEdit={() => editor.edit(s.id)}
              onDelete={() => void remove(s)}
              openRun={props.openRun}
            />
          ))}
        </Table>
      )}
      {schedules && !schedules.length && editor.editing !== 'new' && (
        <div className="bk-muted bk-no-schedules">
          {trans.__(
            'No schedules. A schedule starts an ordinary run at cron times, skipping while its last run is active.'
          )}
        </div>
      )}
    </div>
  );
}
