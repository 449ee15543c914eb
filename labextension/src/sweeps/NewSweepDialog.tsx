/**
 * The New sweep dialog: method, parameters as rows, how the params reach the script, what every
 * trial shares, the objective and early stopping, with the trial count live as the rows change.
 * A server 400 stays in the dialog, shown next to the field (or parameter row) it names.
 */
import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { ApiError, IProject } from '../api';
import { BeekeeperModel } from '../model';
import { confirmDanger } from '../components/confirm';
import { executorOptions, useExecutors } from '../components/useExecutors';
import { choices, IOption, SelectField } from '../components/form/SelectField';
import { TextField } from '../components/form/TextField';
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

/** The form's inputs (all but the parameter rows and the early-stop box). */
type InputKey = Exclude<keyof ISweepForm, 'params' | 'earlyStop'>;

/** One input: its element id (tests find it by it), the request field a server error names, its looks. */
interface IInput {
  id: string;
  field: string;
  label: string;
  className?: string;
  placeholder?: string;
  title?: string;
  /** A choice's options (the executors come from the server). */
  options?: IOption[];
  /** A text area of this many rows. */
  rows?: number;
}

/** Every input of the form, in one place. */
function formInputs(trans: TranslationBundle): Record<InputKey, IInput> {
  return {
    method: {
      id: 'bk-sweep-method',
      field: 'method',
      label: trans.__('Method'),
      className: 'bk-medium',
      options: choices({ grid: trans.__('grid: every combination'), random: trans.__('random: draw trials') })
    },
    trials: { id: 'bk-sweep-trials', field: 'trials', label: trans.__('Trials'), className: 'bk-narrow' },
    seed: {
      id: 'bk-sweep-seed',
      field: 'seed',
      label: trans.__('Seed'),
      className: 'bk-narrow',
      placeholder: trans.__('random'),
      title: trans.__('The same seed draws the same trials')
    },
    delivery: {
      id: 'bk-sweep-as',
      field: 'as',
      label: trans.__('Params reach the script as'),
      options: choices({
        args: trans.__('arguments: --name value'),
        template: trans.__('an argument template'),
        env: trans.__('environment variables')
      })
    },
    template: {
      id: 'bk-sweep-template',
      field: 'args_template',
      label: trans.__('Template ({name} and {run_id} filled in)'),
      className: 'bk-grow',
      placeholder: '--lr={lr} --work-dir=out/{run_id}'
    },
    args: { id: 'bk-sweep-args', field: 'args', label: trans.__('Arguments every trial gets') },
    gpus: {
      id: 'bk-sweep-gpus',
      field: 'gpus',
      label: trans.__('GPUs per trial'),
      className: 'bk-narrow',
      placeholder: trans.__('auto'),
      title: trans.__('A count (0 for CPU only) or GPU ids like 0,1')
    },
    maxParallel: {
      id: 'bk-sweep-parallel',
      field: 'max_parallel',
      label: trans.__('Max parallel'),
      className: 'bk-narrow',
      placeholder: trans.__('queue'),
      title: trans.__('Trials active at once (default: as many as the queue allows)')
    },
    executor: {
      id: 'bk-sweep-executor',
      field: 'executor',
      label: trans.__('Run on'),
      className: 'bk-medium'
    },
    env: { id: 'bk-sweep-env', field: 'env', label: trans.__('Environment (KEY=value per line)'), rows: 2 },
    metric: {
      id: 'bk-sweep-metric',
      field: 'objective',
      label: trans.__('Objective metric'),
      placeholder: 'loss/test'
    },
    goal: {
      id: 'bk-sweep-goal',
      field: 'objective.goal',
      label: trans.__('Goal'),
      className: 'bk-narrow',
      options: choices({ min: trans.__('min'), max: trans.__('max') })
    },
    summary: {
      id: 'bk-sweep-summary',
      field: 'objective.summary',
      label: trans.__('Counts'),
      className: 'bk-narrow',
      title: trans.__("Which of a trial's values counts"),
      options: choices({ last: trans.__('last'), min: trans.__('min'), max: trans.__('max') })
    },
    minSteps: {
      id: 'bk-sweep-min-steps',
      field: 'early_stop',
      label: trans.__('after step'),
      className: 'bk-narrow'
    }
  };
}

/** What every input of the dialog binds to: the form, its setter, the inputs and the server's placed error. */
interface IBinding {
  form: ISweepForm;
  set: Setter;
  inputs: Record<InputKey, IInput>;
  error: IFieldError | null;
}

/** The message of `error` when it belongs to `field`. */
function messageOf(error: IFieldError | null, field: string): string | null {
  return error && error.field === field ? error.message : null;
}

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
  /** A text input of the row, marked while the row's error names it. */
  const text = (
    part: 'name' | 'min' | 'max' | 'values',
    label: string,
    className: string,
    placeholder?: string
  ) => {
    const id = `bk-sweep-p${index}-${part}`;
    return (
      <TextField
        id={id}
        field={id}
        label={label}
        className={className}
        inputClassName={`bk-sweep-param-${part}`}
        invalid={error?.part === part}
        value={row[part]}
        placeholder={placeholder}
        onChange={value => set({ [part]: value })}
      />
    );
  };
  const check = (part: 'log' | 'integer', label: string) => (
    <label className="bk-check">
      <input
        type="checkbox"
        className={`bk-sweep-param-${part}`}
        checked={row[part]}
        onChange={e => set({ [part]: e.target.checked })}
      />
      {label}
    </label>
  );
  return (
    <div className="bk-sweep-param" data-row={index}>
      <div className="bk-field-row">
        {text('name', trans.__('Name'), 'bk-medium', 'lr')}
        {random && (
          <SelectField
            id={`bk-sweep-p${index}-kind`}
            label={trans.__('Kind')}
            className="bk-narrow"
            selectClassName="bk-sweep-param-kind"
            value={row.kind}
            options={choices({ values: trans.__('values'), range: trans.__('range') })}
            onChange={kind => set({ kind: kind as IParamRow['kind'] })}
          />
        )}
        {range ? (
          <>
            {text('min', trans.__('Min'), 'bk-narrow')}
            {text('max', trans.__('Max'), 'bk-narrow')}
            {check('log', trans.__('log scale'))}
            {check('integer', trans.__('integer'))}
          </>
        ) : (
          text('values', trans.__('Values (comma-separated)'), 'bk-grow', '0.1, 0.01, 0.001')
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

/** One input of the form from its table entry, bound to its key, with its field's error beneath. */
function Input(props: { name: InputKey; bind: IBinding; options?: IOption[]; list?: string }): JSX.Element {
  const { name, bind } = props;
  const input = bind.inputs[name];
  const error = messageOf(bind.error, input.field);
  const value = bind.form[name];
  const onChange = (text: string) => bind.set(name, text as ISweepForm[typeof name]);
  const options = props.options || input.options;
  if (options) {
    return (
      <SelectField
        id={input.id}
        field={input.field}
        label={input.label}
        error={error}
        className={input.className}
        title={input.title}
        value={value}
        options={options}
        onChange={onChange}
      />
    );
  }
  return (
    <TextField
      id={input.id}
      field={input.field}
      label={input.label}
      className={input.className}
      error={error}
      value={value}
      onChange={onChange}
      placeholder={input.placeholder}
      title={input.title}
      rows={input.rows}
      list={props.list}
    />
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
  const { executors, serverDefault } = useExecutors(model);
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
  const inputs = React.useMemo(() => formInputs(trans), [trans]);
  const bind: IBinding = { form, set, inputs, error: shown };
  const placed = new Set([...Object.values(inputs).map(i => i.field.split('.')[0]), 'parameters']);
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
        <div className="bk-field-row">
          <Input name="method" bind={bind} />
          {random && (
            <>
              <Input name="trials" bind={bind} />
              <Input name="seed" bind={bind} />
            </>
          )}
        </div>
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
        <div className="bk-field-row">
          <Input name="delivery" bind={bind} />
          {form.delivery === 'template' && <Input name="template" bind={bind} />}
        </div>
        <div className="bk-sweep-section">{trans.__('Every trial')}</div>
        <div className="bk-field-row">
          <Input name="args" bind={bind} />
          <Input name="gpus" bind={bind} />
          <Input name="maxParallel" bind={bind} />
          {executors.length > 1 && (
            <Input
              name="executor"
              bind={bind}
              options={executorOptions(
                executors,
                trans.__('Default (%1)', project.default_executor || serverDefault)
              )}
            />
          )}
        </div>
        <Input name="env" bind={bind} />
        <div className="bk-sweep-section">{trans.__('Objective')}</div>
        <div className="bk-field-row">
          <Input name="metric" bind={bind} list="bk-sweep-tags" />
          <datalist id="bk-sweep-tags">
            {tags.map(t => (
              <option key={t} value={t} />
            ))}
          </datalist>
          <Input name="goal" bind={bind} />
          <Input name="summary" bind={bind} />
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
          {form.earlyStop && <Input name="minSteps" bind={bind} />}
        </div>
        {shown && !placed.has(shown.field) && <div className="bk-form-error">{shown.message}</div>}
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
