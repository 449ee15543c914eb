/**
 * The Runs tab's rules, free of React and JupyterLab so they are unit-tested: what a preset fills
 * in, what "Run again" sends (and which env values the user must type again, since the server
 * never returns them), the queue's order and the move request an up/down or drop asks for.
 */
import { IProject, IRun } from '../api';
import { parseGpus, splitArgs } from '../format';

/** What a run body may leave out and a preset or the project's default_run fills in. */
export interface IRunTemplate {
  args?: string[];
  env?: Record<string, string>;
  gpus?: number | number[];
  executor?: string;
}

/** The project's default_run with the named preset over it ('' = the default_run alone), as the server merges them. */
export function runTemplate(
  project: Pick<IProject, 'default_run' | 'presets'>,
  preset: string
): IRunTemplate {
  const base = (project.default_run || {}) as IRunTemplate;
  const named = preset ? ((project.presets || {})[preset] as IRunTemplate | undefined) || {} : {};
  return { ...base, ...named };
}

/** The run form as typed; '' leaves a field to the preset, then the project's default_run. */
export interface IRunFields {
  args: string;
  env: string;
  gpus: string;
  executor: string;
  preset: string;
}

/**
 * What the form's Run sends: the typed fields, and an empty one only where no template fills it
 * (args [] and env {} then say "none", as typed); `env` is the parsed env text.
 */
export function runRequest(
  fields: IRunFields,
  template: IRunTemplate,
  env: Record<string, string>
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    args: fields.args.trim() || !template.args ? splitArgs(fields.args) : undefined,
    // Typed values over the template's (the server would replace its env whole).
    env: fields.env.trim() || !template.env ? { ...(template.env || {}), ...env } : undefined,
    preset: fields.preset || undefined,
    gpus: parseGpus(fields.gpus),
    executor: fields.executor || undefined
  };
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/** The project's preset names, sorted. */
export function presetNames(project: Pick<IProject, 'presets'>): string[] {
  return Object.keys(project.presets || {}).sort();
}

/** Args as the form's one line, quoted where splitArgs would otherwise cut or unescape them (its inverse). */
export function joinArgs(args: string[]): string {
  return args.map(a => (a && !/[\s"'\\]/.test(a) ? a : `"${a.replace(/[\\"]/g, c => '\\' + c)}"`)).join(' ');
}

/** What the run form shows for a run to start again: its args, env names, GPUs, executor and preset. */
export interface IRunAgain {
  /** The body to POST when nothing needs typing (no env value to re-enter). */
  body: Record<string, unknown>;
  /** Env names the run had that no preset or default_run supplies: their values must be typed again. */
  askEnv: string[];
  preset: string;
}

/**
 * "Run again": same args, GPUs (as requested, not as placed) and executor, and the preset it
 * was started with (whose env values the server fills in again); env names the templates do not
 * cover are asked for, since env values are secret and never come back.
 */
export function runAgain(run: IRun, project: Pick<IProject, 'default_run' | 'presets'>): IRunAgain {
  const preset = run.preset && (project.presets || {})[run.preset] ? run.preset : '';
  const known = runTemplate(project, preset).env || {};
  const body: Record<string, unknown> = {
    args: [...(run.args || [])],
    gpus: run.gpus_requested,
    executor: run.executor
  };
  if (preset) {
    body.preset = preset;
  }
  return { body, askEnv: (run.env_keys || []).filter(k => !(k in known)), preset };
}

/** This project's queued runs in start order (the server's queue_position: priority, then FIFO). */
export function queueOf(runs: IRun[]): IRun[] {
  return runs
    .filter(r => r.state === 'queued')
    .sort((a, b) => (a.queue_position ?? Infinity) - (b.queue_position ?? Infinity));
}

/** A POST /runs/{id}/move: which run moves, and its body. */
export interface IMove {
  id: string;
  body: { before: string } | { position: number };
}

/**
 * Up: the run goes before the one above it. Down: the one below goes before it (the queue is
 * shared by every project, so "before a run of this project" is the move that means what the
 * button says). null at either end.
 */
export function moveRequest(queue: IRun[], id: string, delta: -1 | 1): IMove | null {
  const i = queue.findIndex(r => r.id === id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= queue.length) {
    return null;
  }
  return delta < 0 ? { id, body: { before: queue[j].id } } : { id: queue[j].id, body: { before: id } };
}

/**
 * A run dragged onto another: dropped upwards it stands before the target, downwards just after
 * it (position counts the whole queue without the moved run, 0 = next to start).
 */
export function dropRequest(queue: IRun[], dragged: string, target: string): IMove | null {
  const from = queue.findIndex(r => r.id === dragged);
  const to = queue.findIndex(r => r.id === target);
  if (from < 0 || to < 0 || from === to) {
    return null;
  }
  if (to < from) {
    return { id: dragged, body: { before: target } };
  }
  const after = queue[to + 1];
  if (after) {
    return { id: dragged, body: { before: after.id } };
  }
  // The target is this project's last: stand right after it in the shared queue.
  const position = queue[to].queue_position;
  return position ? { id: dragged, body: { position: position - 1 } } : null;
}
