/**
 * The log view's model, free of DOM: a line buffer fed with raw chunks (split on "\n", "\r" progress
 * rewrites collapsed to what a terminal would finally show), ANSI SGR colours parsed into spans,
 * search over the plain text, and the window of lines to draw for a scroll position.
 */

/** Keep at most this many lines in the browser; older ones are dropped (the download has them all). */
export const DEFAULT_MAX_LINES = 200000;

/**
 * What a terminal shows for a line that redrew itself with "\r" (tqdm): each rewrite overwrites the
 * start of the previous one. With ANSI escapes in play, widths are unknowable: show the last rewrite.
 */
export function collapseCarriageReturns(line: string): string {
  if (line.indexOf('\r') < 0) {
    return line;
  }
  const parts = line.split('\r').filter(p => p !== '');
  if (!parts.length) {
    return '';
  }
  if (line.indexOf('\x1b') >= 0) {
    return parts[parts.length - 1];
  }
  let shown = '';
  for (const part of parts) {
    shown = part + shown.slice(part.length);
  }
  return shown;
}

export class LineBuffer {
  private _lines: string[] = [];
  private _partial = '';
  private _dropped = 0;

  constructor(readonly maxLines: number = DEFAULT_MAX_LINES) {}

  /** Add a chunk of text as it arrived; returns how many complete lines it added. */
  append(chunk: string): number {
    if (!chunk) {
      return 0;
    }
    const pieces = (this._partial + chunk).split('\n');
    this._partial = pieces.pop() as string;
    for (const p of pieces) {
      this._lines.push(collapseCarriageReturns(p.endsWith('\r') ? p.slice(0, -1) : p));
    }
    const over = this._lines.length - this.maxLines;
    if (over > 0) {
      this._lines.splice(0, over);
      this._dropped += over;
    }
    return pieces.length;
  }

  clear(): void {
    this._lines = [];
    this._partial = '';
    this._dropped = 0;
  }

  /** Complete lines plus the unterminated last one (a live progress bar), if any. */
  get length(): number {
    return this._lines.length + (this._partial ? 1 : 0);
  }

  /** Lines dropped from the front to stay under maxLines. */
  get dropped(): number {
    return this._dropped;
  }

  line(i: number): string {
    if (i < this._lines.length) {
      return this._lines[i];
    }
    return i === this._lines.length && this._partial ? collapseCarriageReturns(this._partial) : '';
  }

  /** Indices of lines whose plain text contains the query (case-insensitive). */
  search(query: string, limit = 10000): number[] {
    const q = query.toLowerCase();
    if (!q) {
      return [];
    }
    const hits: number[] = [];
    const n = this.length;
    for (let i = 0; i < n && hits.length < limit; i++) {
      const l = this.line(i);
      if (l.toLowerCase().includes(q) && stripAnsi(l).toLowerCase().includes(q)) {
        hits.push(i);
      }
    }
    return hits;
  }
}

/** How a stretch of log text is drawn (from its ANSI escapes). */
interface IStyle {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

export interface ISpan extends IStyle {
  text: string;
}

// ANSI escapes are control characters by definition.
const ESCAPE_RE =
  // eslint-disable-next-line no-control-regex
  /\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78DEHMc]/g;

export function stripAnsi(text: string): string {
  return text.indexOf('\x1b') < 0 ? text : text.replace(ESCAPE_RE, '');
}

/** The 16 basic colours are CSS variables (style/base.css), so they follow the light/dark theme. */
const BASIC = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

export function ansiColor(i: number, bright = false): string {
  return `var(--bk-ansi-${bright ? 'bright-' : ''}${BASIC[i]})`;
}

/** xterm's 256-colour palette: 16 basic, a 6×6×6 cube, then 24 greys. */
export function color256(n: number): string {
  if (n < 8) {
    return ansiColor(n);
  }
  if (n < 16) {
    return ansiColor(n - 8, true);
  }
  if (n < 232) {
    const c = n - 16;
    const lv = (x: number) => (x === 0 ? 0 : 55 + x * 40);
    return `rgb(${lv(Math.floor(c / 36))}, ${lv(Math.floor(c / 6) % 6)}, ${lv(c % 6)})`;
  }
  const g = 8 + (n - 232) * 10;
  return `rgb(${g}, ${g}, ${g})`;
}

function applySgr(style: IStyle, params: number[]): IStyle {
  const s = { ...style };
  if (!params.length) {
    params = [0];
  }
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) {
      for (const k of Object.keys(s)) {
        delete (s as any)[k];
      }
    } else if (p === 1) {
      s.bold = true;
    } else if (p === 2) {
      s.dim = true;
    } else if (p === 3) {
      s.italic = true;
    } else if (p === 4) {
      s.underline = true;
    } else if (p === 22) {
      s.bold = false;
      s.dim = false;
    } else if (p === 23) {
      s.italic = false;
    } else if (p === 24) {
      s.underline = false;
    } else if (p >= 30 && p <= 37) {
      s.fg = ansiColor(p - 30);
    } else if (p >= 90 && p <= 97) {
      s.fg = ansiColor(p - 90, true);
    } else if (p >= 40 && p <= 47) {
      s.bg = ansiColor(p - 40);
    } else if (p >= 100 && p <= 107) {
      s.bg = ansiColor(p - 100, true);
    } else if (p === 39) {
      delete s.fg;
    } else if (p === 49) {
      delete s.bg;
    } else if (p === 38 || p === 48) {
      let c: string | undefined;
      if (params[i + 1] === 5 && i + 2 < params.length) {
        c = color256(params[i + 2]);
        i += 2;
      } else if (params[i + 1] === 2 && i + 4 < params.length) {
        c = `rgb(${params[i + 2]}, ${params[i + 3]}, ${params[i + 4]})`;
        i += 4;
      } else {
        break;
      }
      if (p === 38) {
        s.fg = c;
      } else {
        s.bg = c;
      }
    }
  }
  return s;
}

/**
 * One line's text and SGR escapes as styled spans; other escapes (cursor moves, titles) are dropped.
 * Each line starts unstyled: programs that colour logs reset at line ends, and it keeps windowed
 * rendering independent of the lines before.
 */
export function parseAnsi(line: string): ISpan[] {
  if (line.indexOf('\x1b') < 0) {
    return line ? [{ text: line }] : [];
  }
  const spans: ISpan[] = [];
  let style: IStyle = {};
  let last = 0;
  const push = (text: string) => {
    if (text) {
      const span: ISpan = { text };
      for (const [k, v] of Object.entries(style)) {
        if (v) {
          (span as any)[k] = v;
        }
      }
      spans.push(span);
    }
  };
  ESCAPE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ESCAPE_RE.exec(line))) {
    push(line.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm' && !(m[1] || '').startsWith('?')) {
      const params = (m[1] || '')
        .split(';')
        .filter(x => x !== '')
        .map(x => parseInt(x, 10));
      style = applySgr(style, params);
    }
  }
  push(line.slice(last));
  return spans;
}

export interface IWindow {
  start: number;
  end: number;
  padTop: number;
  padBottom: number;
}

/** Which lines to draw for a scroll position: the visible ones plus `overscan` either side. */
export function computeWindow(
  scrollTop: number,
  viewportHeight: number,
  lineHeight: number,
  total: number,
  overscan = 20
): IWindow {
  const first = Math.floor(Math.max(0, scrollTop) / lineHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / lineHeight) + 1;
  const start = Math.max(0, Math.min(total, first - overscan));
  const end = Math.max(start, Math.min(total, first + visible + overscan));
  return { start, end, padTop: start * lineHeight, padBottom: (total - end) * lineHeight };
}
