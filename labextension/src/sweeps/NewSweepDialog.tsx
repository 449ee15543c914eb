/**
 * The New sweep dialog: method, parameters as rows, how the params reach the script, what every
 * trial shares, the objective and early stopping, with the trial count live as the rows change.
 * A server 400 stays in the dialog, shown next to the field (or parameter row) it names.
 */
import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { ApiError, IProject } from '../api';
import { BeekeeperModel } from '../model';
import { confirmDanger } from '../components/confirm';
import { executorOptions, useExecutors } from '../components/useExecutors';
import { SelectField } from '../components/form/SelectField';
import { useTrans, useTranslate } from '../i18n';
import { ISweep } from './types';
import {
  buildBody,
  CONFIRM_OVER,
  emptyForm,
  emptyRow,
  errorPlace,
  IFieldError,
  IParamRow,
  ISweepForm,
  trialCount
} from './spec';

type Setter = <K extends keyof ISweepForm>(key: K, value: ISweepForm[K]) => void;

function ParamRowView(props: {
  row: IParamRow;
  index: number;
  random: boolean;
  error: { part: string; message: string } | null;
  onChange: (row: IParamRow) => void;
  onRemove: () => void;
}): JSX.Element {
  const { row, index, random, error } = props;
  const trans = useTrans();
  const set = (patch: Partial<IParamRow>) => props.onChange({ ...row, ...patch });
  const range = random && row.kind === 'range';
  const invalid = (part: string) => (error && error.part === part ? ' bk-field-invalid' : '');
  return (
    <div className="bk-sweep-param" data-row={index}>
      <div className="bk-field-row">
        <div className={'bk-field bk-medium' + invalid('name')}>
          <label htmlFor={`bk-sweep-p${index}-name`}>{trans.__('Name')}</label>
          <input
            id={`bk-sweep-p${index}-name`}
            className="jp-mod-styled bk-sweep-param-name"
            value={row.name}
            placeholder="lr"
            onChange={e => set({ name: e.target.value })}
          />
        </div>
        {random && (
          <SelectField
            id={`bk-sweep-p${index}-kind`}
            label={trans.__('Kind')}
            className="bk-narrow"
            selectClassName="bk-sweep-param-kind"
            value={row.kind}
            options={[
              { value: 'values', label: trans.__('values') },
              { value: 'range', label: trans.__('range') }
            ]}
            onChange={kind => set({ kind: kind as IParamRow['kind'] })}
          />
        )}
        {range ? (
          <>
            <div className={'bk-field bk-narrow' + invalid('min')}>
              <label htmlFor={`bk-sweep-p${index}-min`}>{trans.__('Min')}</label>
              <input
                id={`bk-sweep-p${index}-min`}
                className="jp-mod-styled bk-sweep-param-min"
                value={row.min}
                onChange={e => set({ min: e.target.value })}
              />
            </div>
            <div className={'bk-field bk-narrow' + invalid('max')}>
              <label htmlFor={`bk-sweep-p${index}-max`}>{trans.__('Max')}</label>
              <input
                id={`bk-sweep-p${index}-max`}
                className="jp-mod-styled bk-sweep-param-max"
                value={row.max}
                onChange={e => set({ max: e.target.value })}
              />
            </div>
            <label className="bk-check">
              <input
                type="checkbox"
                className="bk-sweep-param-log"
                checked={row.log}
                onChange={e => set({ log: e.target.checked })}
              />
              {trans.__('log scale')}
            </label>
            <label className="bk-check">
              <input
                type="checkbox"
                className="bk-sweep-param-integer"
                checked={row.integer}
                onChange={e => set({ integer: e.target.checked })}
              />
              {trans.__('integer')}
            </label>
          </>
        ) : (
          <div className={'bk-field bk-grow' + invalid('values')}>
            <label htmlFor={`bk-sweep-p${index}-values`}>{trans.__('Values (comma-separated)')}</label>
            <input
              id={`bk-sweep-p${index}-values`}
              className="jp-mod-styled bk-sweep-param-values"
              value={row.values}
              placeholder="0.1, 0.01, 0.001"
              onChange={e => set({ values: e.target.value })}
            />
          </div>
        )}
        <Button
          small
          minimal
          type="button"
          className="bk-sweep-param-remove"
          title={trans.__('Remove this parameter')}
          onClick={props.onRemove}
        >
          ✕
        </Button>
      </div>
      {error && <div className="bk-field-error">{error.message}</div>}
    </div>
  );
}

function Field(props: {
  id: string;
  label: string;
  field: string;
  error: IFieldError | null;
  className?: string;
  children: React.ReactNode;
}): JSX.Element {
  const invalid = props.error && props.error.field === props.field;
  return (
    <div
      className={`bk-field ${props.className || ''}${invalid ? ' bk-field-invalid' : ''}`}
      data-field={props.field}
    >
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {invalid && <div className="bk-field-error">{props.error!.message}</div>}
    </div>
  );
}

/** The message of `error` when it belongs to `field`. */
function messageOf(error: IFieldError | null, field: string): string | null {
  return error && error.field === field ? error.message : null;
}

type TextKey = { [K in keyof ISweepForm]: ISweepForm[K] extends string ? K : never }[keyof ISweepForm];

/** One text input of the form, bound to its key, with the error of its field beside it. */
function TextField(props: {
  id: string;
  name: TextKey;
  label: string;
  field: string;
  form: ISweepForm;
  set: Setter;
  error: IFieldError | null;
  className?: string;
  placeholder?: string;
  title?: string;
}): JSX.Element {
  const { id, name, form, set } = props;
  return (
    <Field id={id} label={props.label} field={props.field} error={props.error} className={props.className}>
      <input
        id={id}
        className="jp-mod-styled"
        value={form[name]}
        placeholder={props.placeholder}
        title={props.title}
        onChange={e => set(name, e.target.value)}
      />
    </Field>
  );
}

function MethodFields(props: { form: ISweepForm; set: Setter; error: IFieldError | null }): JSX.Element {
  const { form, set, error } = props;
  const trans = useTrans();
  return (
    <div className="bk-field-row">
      <SelectField
        id="bk-sweep-method"
        label={trans.__('Method')}
        field="method"
        error={messageOf(error, 'method')}
        className="bk-medium"
        value={form.method}
        options={[
          { value: 'grid', label: trans.__('grid: every combination') },
          { value: 'random', label: trans.__('random: draw trials') }
        ]}
        onChange={method => set('method', method as ISweepForm['method'])}
      />
      {form.method === 'random' && (
        <>
          <TextField
            id="bk-sweep-trials"
            name="trials"
            label={trans.__('Trials')}
            field="trials"
            className="bk-narrow"
            form={form}
            set={set}
            error={error}
          />
          <TextField
            id="bk-sweep-seed"
            name="seed"
            label={trans.__('Seed')}
            field="seed"
            className="bk-narrow"
            placeholder={trans.__('random')}
            title={trans.__('The same seed draws the same trials')}
            form={form}
            set={set}
            error={error}
          />
        </>
      )}
    </div>
  );
}

function DeliveryFields(props: { form: ISweepForm; set: Setter; error: IFieldError | null }): JSX.Element {
  const { form, set, error } = props;
  const trans = useTrans();
  return (
    <div className="bk-field-row">
      <SelectField
        id="bk-sweep-as"
        label={trans.__('Params reach the script as')}
        field="as"
        error={messageOf(error, 'as')}
        value={form.delivery}
        options={[
          { value: 'args', label: trans.__('arguments: --name value') },
          { value: 'template', label: trans.__('an argument template') },
          { value: 'env', label: trans.__('environment variables') }
        ]}
        onChange={delivery => set('delivery', delivery as ISweepForm['delivery'])}
      />
      {form.delivery === 'template' && (
        <TextField
          id="bk-sweep-template"
          name="template"
          label={trans.__('Template ({name} and {run_id} filled in)')}
          field="args_template"
          className="bk-grow"
          placeholder="--lr={lr} --work-dir=out/{run_id}"
          form={form}
          set={set}
          error={error}
        />
      )}
    </div>
  );
}

function SharedFields(props: {
  model: BeekeeperModel;
  project: IProject;
  form: ISweepForm;
  set: Setter;
  error: IFieldError | null;
}): JSX.Element {
  const { form, set, error, project } = props;
  const trans = useTrans();
  const { executors, serverDefault } = useExecutors(props.model);
  return (
    <>
      <div className="bk-field-row">
        <TextField
          id="bk-sweep-args"
          name="args"
          label={trans.__('Arguments every trial gets')}
          field="args"
          form={form}
          set={set}
          error={error}
        />
        <TextField
          id="bk-sweep-gpus"
          name="gpus"
          label={trans.__('GPUs per trial')}
          field="gpus"
          className="bk-narrow"
          placeholder={trans.__('auto')}
          title={trans.__('A count (0 for CPU only) or GPU ids like 0,1')}
          form={form}
          set={set}
          error={error}
        />
        <TextField
          id="bk-sweep-parallel"
          name="maxParallel"
          label={trans.__('Max parallel')}
          field="max_parallel"
          className="bk-narrow"
          placeholder={trans.__('queue')}
          title={trans.__('Trials active at once (default: as many as the queue allows)')}
          form={form}
          set={set}
          error={error}
        />
        {executors.length > 1 && (
          <SelectField
            id="bk-sweep-executor"
            label={trans.__('Run on')}
            field="executor"
            error={messageOf(error, 'executor')}
            className="bk-medium"
            value={form.executor}
            options={executorOptions(
              executors,
              trans.__('Default (%1)', project.default_executor || serverDefault)
            )}
            onChange={executor => set('executor', executor)}
          />
        )}
      </div>
      <Field id="bk-sweep-env" label={trans.__('Environment (KEY=value per line)')} field="env" error={error}>
        <textarea
          id="bk-sweep-env"
          className="jp-mod-styled"
          rows={2}
          value={form.env}
          onChange={e => set('env', e.target.value)}
        />
      </Field>
    </>
  );
}

function ObjectiveFields(props: {
  form: ISweepForm;
  set: Setter;
  error: IFieldError | null;
  tags: string[];
}): JSX.Element {
  const { form, set, error } = props;
  const trans = useTrans();
  return (
    <>
      <div className="bk-field-row">
        <Field id="bk-sweep-metric" label={trans.__('Objective metric')} field="objective" error={error}>
          <input
            id="bk-sweep-metric"
            className="jp-mod-styled"
            list="bk-sweep-tags"
            value={form.metric}
            placeholder="loss/test"
            onChange={e => set('metric', e.target.value)}
          />
          <datalist id="bk-sweep-tags">
            {props.tags.map(t => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </Field>
        <SelectField
          id="bk-sweep-goal"
          label={trans.__('Goal')}
          field="objective.goal"
          error={messageOf(error, 'objective.goal')}
          className="bk-narrow"
          value={form.goal}
          options={[
            { value: 'min', label: trans.__('min') },
            { value: 'max', label: trans.__('max') }
          ]}
          onChange={goal => set('goal', goal as ISweepForm['goal'])}
        />
        <SelectField
          id="bk-sweep-summary"
          label={trans.__('Counts')}
          field="objective.summary"
          error={messageOf(error, 'objective.summary')}
          className="bk-narrow"
          value={form.summary}
          title={trans.__("Which of a trial's values counts")}
          options={[
            { value: 'last', label: trans.__('last') },
            { value: 'min', label: trans.__('min') },
            { value: 'max', label: trans.__('max') }
          ]}
          onChange={summary => set('summary', summary as ISweepForm['summary'])}
        />
      </div>
      <div className="bk-field-row" data-field="early_stop">
        <label className="bk-check">
          <input
            type="checkbox"
            className="bk-sweep-early-stop"
            checked={form.earlyStop}
            onChange={e => set('earlyStop', e.target.checked)}
          />
          {trans.__('Stop trials worse than the median at the same step')}
        </label>
        {form.earlyStop && (
          <TextField
            id="bk-sweep-min-steps"
            name="minSteps"
            label={trans.__('after step')}
            field="early_stop"
            className="bk-narrow"
            form={form}
            set={set}
            error={error}
          />
        )}
      </div>
    </>
  );
}

/** The tags the project's runs have logged, offered as objective metrics. */
function useProjectTags(model: BeekeeperModel, project: string): string[] {
  const runs = model.runs.get(project) || [];
  const tags = new Set<string>();
  runs.forEach(r => Object.keys(r.metrics || {}).forEach(t => tags.add(t)));
  return [...tags].sort();
}

export function NewSweepDialog(props: {
  model: BeekeeperModel;
  project: IProject;
  onClose: () => void;
  onCreated: (sweep: ISweep) => void;
}): JSX.Element {
  const { model, project } = props;
  const trans = useTrans();
  const __ = useTranslate();
  const [form, setForm] = React.useState<ISweepForm>(emptyForm);
  const [error, setError] = React.useState<IFieldError | null>(null);
  const [busy, setBusy] = React.useState(false);
  const tags = useProjectTags(model, project.name);
  const set: Setter = (key, value) => setForm(f => ({ ...f, [key]: value }));
  const count = trialCount(form);
  const random = form.method === 'random';
  const ready = project.setup.state === 'ready';

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    let confirm = false;
    if (count !== null && count > CONFIRM_OVER) {
      confirm = await confirmDanger(
        trans.__('Queue %1 trials?', count),
        trans.__('This sweep queues %1 runs at once. They wait in the run queue like any run.', count),
        trans.__('Queue them')
      );
      if (!confirm) {
        return;
      }
    }
    const built = buildBody(form, __, confirm);
    if ('error' in built) {
      setError(built.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      props.onCreated(await model.sweeps.create(project.name, built.body));
    } catch (err) {
      const e2 = err as ApiError;
      setError({ field: e2.field || 'form', message: e2.message });
    } finally {
      setBusy(false);
    }
  };

  const place = error ? errorPlace(error.field, form.params) : null;
  const shown: IFieldError | null =
    error && place && 'field' in place ? { ...error, field: place.field } : null;
  const known = [
    'method',
    'trials',
    'seed',
    'as',
    'args_template',
    'args',
    'gpus',
    'max_parallel',
    'executor',
    'env',
    'objective',
    'early_stop',
    'parameters'
  ];
  return (
    <div className="bk-modal-backdrop" onMouseDown={e => e.target === e.currentTarget && props.onClose()}>
      <form
        className="bk-page-widget bk-sweep-dialog"
        role="dialog"
        aria-label={trans.__('New sweep of %1', project.name)}
        onSubmit={submit}
        onKeyDown={e => e.key === 'Escape' && props.onClose()}
      >
        <div className="bk-card-title">{trans.__('New sweep of %1', project.name)}</div>
        <MethodFields form={form} set={set} error={shown} />
        <div className="bk-sweep-section">{trans.__('Parameters')}</div>
        {form.params.map((row, i) => (
          <ParamRowView
            key={i}
            row={row}
            index={i}
            random={random}
            error={
              place && 'row' in place && place.row === i
                ? { part: place.part, message: error!.message }
                : null
            }
            onChange={next =>
              set(
                'params',
                form.params.map((r, j) => (j === i ? next : r))
              )
            }
            onRemove={() =>
              set('params', form.params.length > 1 ? form.params.filter((_, j) => j !== i) : [emptyRow()])
            }
          />
        ))}
        {shown && shown.field === 'parameters' && <div className="bk-field-error">{shown.message}</div>}
        <Button
          small
          type="button"
          className="bk-sweep-add-param"
          onClick={() => set('params', [...form.params, emptyRow()])}
        >
          {trans.__('+ Parameter')}
        </Button>
        <DeliveryFields form={form} set={set} error={shown} />
        <div className="bk-sweep-section">{trans.__('Every trial')}</div>
        <SharedFields model={model} project={project} form={form} set={set} error={shown} />
        <div className="bk-sweep-section">{trans.__('Objective')}</div>
        <ObjectiveFields form={form} set={set} error={shown} tags={tags} />
        {shown && !known.includes(shown.field) && <div className="bk-form-error">{shown.message}</div>}
        <div className="bk-form-actions">
          <span className="bk-sweep-count bk-muted" data-count={count ?? ''}>
            {count === null
              ? trans.__('Give every parameter its values to see the trial count')
              : trans._n('%1 trial', '%1 trials', count, count)}
          </span>
          <Button small type="button" className="bk-sweep-cancel" onClick={props.onClose}>
            {trans.__('Cancel')}
          </Button>
          <Button
            type="submit"
            className="bk-primary bk-sweep-submit"
            disabled={busy || !ready || count === null}
            title={ready ? trans.__('Queue every trial') : trans.__('The project is not ready yet')}
          >
            {busy ? trans.__('Queuing…') : trans.__('Start sweep')}
          </Button>
        </div>
      </form>
    </div>
  );
}
