/**
 * Pure helpers shared by the panel: input rules that mirror the server's, and human formatting.
 * No DOM, no JupyterLab imports, so they are unit-tested directly.
 */
import type { components } from './generated/api';
import { ACTIVE_RUN_STATES, SETUP_IN_PROGRESS } from './states';

export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A translation bundle's `__` (gettext style, %1 %2 … placeholders); the panel passes its own. */
export type Translate = (msg: string, ...args: (string | number)[]) => string;

/** The messages as written, placeholders filled: for tests and code with no translator. */
export const english: Translate = (msg, ...args) =>
  msg.replace(/%(\d+)/g, (m, i) => (args[Number(i) - 1] !== undefined ? String(args[Number(i) - 1]) : m));

/** The server's project-name rule, checked as the user types; null when the name is fine. */
export function validateName(name: string, __: Translate = english): string | null {
  if (!name) {
    return __('A name is required');
  }
  if (/\s/.test(name)) {
    return __('No spaces: use letters, digits, "-", "_" or "."');
  }
  if (name.includes('..')) {
    return __('The name may not contain ".."');
  }
  if (name.length > 64) {
    return __('At most 64 characters');
  }
  if (!NAME_RE.test(name)) {
    return __('Start with a letter or digit; then letters, digits, "-", "_" or "."');
  }
  return null;
}

/** Parse "KEY=value" lines into an env object; errors name the offending line. */
export function parseEnv(
  text: string,
  __: Translate = english
): { env: Record<string, string>; error: string | null } {
  const env: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) {
      continue;
    }
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      return { env, error: __('Line %1: expected KEY=value', i + 1) };
    }
    env[key] = line.slice(eq + 1);
  }
  return { env, error: null };
}

/** Env object back to editable "KEY=value" lines. */
export function formatEnv(env: Record<string, string> | null | undefined): string {
  return Object.entries(env || {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

/** "2" → 2 (a count), "0,1" → [0, 1] (device ids), "" → not sent; NaN entries reach the server's check. */
export function parseGpus(text: string): number | number[] | undefined {
  const t = text.trim();
  if (!t) {
    return undefined;
  }
  return /^\d+$/.test(t) ? parseInt(t, 10) : t.split(',').map(x => Number(x.trim()));
}

/** Split a command line into argv like a POSIX shell would for quotes and backslashes (no expansion). */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) {
        quote = null;
      } else if (c === '\\' && quote === '"' && i + 1 < text.length) {
        cur += text[++i];
      } else {
        cur += c;
      }
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) {
        out.push(cur);
        cur = '';
        has = false;
      }
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) {
    out.push(cur);
  }
  return out;
}

/** 0 → "0 s", 75 → "1 min 15 s", 7500 → "2 h 5 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '—';
  }
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  }
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** Short duration for tight rows: "42 s", "12 min", "3 h". */
export function formatShortDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '';
  }
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min`;
  }
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !isFinite(bytes)) {
    return '—';
  }
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${UNITS[i]}`;
}

/** Scalars read well with 3 significant digits; big steps with thousands separators. */
export function formatValue(v: number): string {
  if (!isFinite(v)) {
    return String(v);
  }
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.001 || a >= 1e6)) {
    return v.toExponential(2);
  }
  return String(Number(v.toPrecision(3)));
}

export function formatStep(step: number): string {
  return step.toLocaleString('en-US');
}

/** A tag's latest point, as the project scalars route returns it. */
export type IScalarPoint = components['schemas']['LatestScalar'];

/** The scalar worth one glance: the newest run folder's loss-like tag, else its first tag. */
export function pickHeadline(
  runs: Record<string, Record<string, IScalarPoint>> | null | undefined
): { tag: string; point: IScalarPoint } | null {
  let best: { tag: string; point: IScalarPoint; wall: number } | null = null;
  for (const tags of Object.values(runs || {})) {
    const entries = Object.entries(tags);
    if (!entries.length) {
      continue;
    }
    const wall = Math.max(...entries.map(([, p]) => p.wall_time));
    if (best && wall <= best.wall) {
      continue;
    }
    const sorted = entries.sort(([a], [b]) => a.localeCompare(b));
    const loss = sorted.find(([t]) => /loss/i.test(t));
    const [tag, point] = loss || sorted[0];
    best = { tag, point, wall };
  }
  return best ? { tag: best.tag, point: best.point } : null;
}

/** "loss 0.213 @ 4,100" — the tag's last path part keeps rows short. */
export function formatHeadline(h: { tag: string; point: IScalarPoint } | null): string {
  if (!h) {
    return '';
  }
  const short = h.tag.split('/').pop() || h.tag;
  return `${short} ${formatValue(h.point.value)} @ ${formatStep(h.point.step)}`;
}

export function isActiveRun(state: string | null | undefined): boolean {
  return !!state && (ACTIVE_RUN_STATES as readonly string[]).includes(state);
}

export function isSettingUp(state: string | null | undefined): boolean {
  return !!state && (SETUP_IN_PROGRESS as readonly string[]).includes(state);
}

/** "creating_env" → "creating env". */
export function stateLabel(state: string | null | undefined): string {
  return (state || 'unknown').replace(/_/g, ' ');
}

/** ISO time → local "2026-11-22 19:04". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return '—';
  }
  const d = new Date(iso);
  if (isNaN(d.getTime())) {
    return iso;
  }
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** "CPU 97% · RAM 312 MB · GPU 1.2 GB · 3 processes": what a running run's process tree uses. */
export function formatUsage(
  usage:
    { cpu_percent: number; rss_bytes: number; gpu_memory_bytes: number; processes: number } | null | undefined
): string {
  if (!usage) {
    return '';
  }
  const parts = [`CPU ${Math.round(usage.cpu_percent)}%`, `RAM ${formatBytes(usage.rss_bytes)}`];
  if (usage.gpu_memory_bytes) {
    parts.push(`GPU ${formatBytes(usage.gpu_memory_bytes)}`);
  }
  parts.push(`${usage.processes} process${usage.processes === 1 ? '' : 'es'}`);
  return parts.join(' · ');
}

/** Where a run ran, and what that means for its outputs ("" for plain local runs). */
export function describePlacement(
  run: { executor: string | null; mode: string | null },
  __: Translate = english
): {
  label: string;
  note: string;
} {
  const executor = run.executor || 'local';
  if (executor === 'local' && (!run.mode || run.mode === 'local')) {
    return { label: 'local', note: '' };
  }
  const label = run.mode && run.mode !== executor ? `${executor} · ${run.mode}` : executor;
  const note =
    run.mode === 'working-dir'
      ? __(
          'Ran on a cluster node from a copy of src/: TensorBoard events, checkpoints and other outputs stay on that node, so the TensorBoard and Files tabs do not show them; the log is mirrored here.'
        )
      : run.mode === 'shared-filesystem'
        ? __(
            "Ran on a cluster node in this project's own src/ and venv (shared filesystem): TensorBoard and files work as for local runs."
          )
        : '';
  return { label, note };
}

/** "ray (unreachable)", "ray · 1/2 GPUs free": an executor as a dropdown option. */
export function executorLabel(e: {
  name: string;
  reachable: boolean;
  gpus?: { total: number; used: number | null } | null;
}): string {
  if (!e.reachable) {
    return `${e.name} (unreachable)`;
  }
  if (e.gpus && e.gpus.total) {
    return typeof e.gpus.used === 'number'
      ? `${e.name} · ${e.gpus.total - e.gpus.used}/${e.gpus.total} GPUs free`
      : `${e.name} · ${e.gpus.total} GPUs`;
  }
  return e.name;
}

/** The GPUs column: the devices Beekeeper assigned, or "×N" when an engine (Ray) placed the run. */
export function formatGpus(run: {
  gpus: number[] | null;
  gpus_requested?: number | number[] | null;
}): string {
  if (run.gpus && run.gpus.length) {
    return run.gpus.join(',');
  }
  const asked = run.gpus_requested;
  return typeof asked === 'number' && asked > 0 ? `×${asked}` : '—';
}

/** Seconds a run has run: its recorded duration once ended, counted up to `now` while it runs. */
export function liveDuration(
  run: { state: string; started: string | null; duration: number | null },
  now: number
): number | null {
  if ((run.state === 'running' || run.state === 'starting') && run.started) {
    const started = new Date(run.started).getTime();
    if (!isNaN(started)) {
      return Math.max(run.duration ?? 0, (now - started) / 1000);
    }
  }
  return run.duration;
}
