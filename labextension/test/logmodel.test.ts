import { describe, expect, it } from 'vitest';
import {
  collapseCarriageReturns,
  color256,
  computeWindow,
  LineBuffer,
  parseAnsi,
  stripAnsi
} from '../src/components/logmodel';

describe('collapseCarriageReturns', () => {
  it('keeps the last rewrite of a tqdm line', () => {
    expect(collapseCarriageReturns(' 10%|#   |\r 50%|##  |\r100%|####|')).toBe('100%|####|');
  });
  it('overlays a shorter rewrite like a terminal', () => {
    expect(collapseCarriageReturns('abcdef\rXY')).toBe('XYcdef');
  });
  it('ignores empty rewrites and plain lines', () => {
    expect(collapseCarriageReturns('done\r')).toBe('done');
    expect(collapseCarriageReturns('plain')).toBe('plain');
  });
});

describe('LineBuffer', () => {
  it('splits chunks at newlines across chunk borders', () => {
    const b = new LineBuffer();
    b.append('one\ntw');
    expect(b.length).toBe(2);
    expect(b.line(1)).toBe('tw');
    b.append('o\nthree\r\n');
    expect([0, 1, 2].map(i => b.line(i))).toEqual(['one', 'two', 'three']);
    expect(b.length).toBe(3);
  });
  it('collapses progress bars written in many chunks', () => {
    const b = new LineBuffer();
    for (let i = 0; i <= 100; i += 10) {
      b.append(`\r${String(i).padStart(3)}%`);
    }
    expect(b.length).toBe(1);
    expect(b.line(0)).toBe('100%');
    b.append('\nnext\n');
    expect(b.line(0)).toBe('100%');
    expect(b.line(1)).toBe('next');
  });
  it('drops the oldest lines past its cap and counts them', () => {
    const b = new LineBuffer(1000);
    const chunk = Array.from({ length: 150000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    b.append(chunk);
    expect(b.length).toBe(1000);
    expect(b.dropped).toBe(149000);
    expect(b.line(999)).toBe('line 149999');
  });
  it('searches plain text, not escape codes', () => {
    const b = new LineBuffer();
    b.append('\x1b[31merror\x1b[0m here\nfine\n[31m literal\n');
    expect(b.search('ERROR')).toEqual([0]);
    expect(b.search('31m')).toEqual([2]);
    expect(b.search('')).toEqual([]);
  });
});

describe('parseAnsi', () => {
  it('returns plain text as one span', () => {
    expect(parseAnsi('hello')).toEqual([{ text: 'hello' }]);
  });
  it('styles SGR colours, bold and reset', () => {
    const spans = parseAnsi('a\x1b[1;32mb\x1b[0mc');
    expect(spans).toEqual([
      { text: 'a' },
      { text: 'b', bold: true, fg: 'var(--bk-ansi-green)' },
      { text: 'c' }
    ]);
  });
  it('handles bright, background, 256 and true colours', () => {
    expect(parseAnsi('\x1b[91mx')[0].fg).toBe('var(--bk-ansi-bright-red)');
    expect(parseAnsi('\x1b[44mx')[0].bg).toBe('var(--bk-ansi-blue)');
    expect(parseAnsi('\x1b[38;5;196mx')[0].fg).toBe(color256(196));
    expect(parseAnsi('\x1b[38;2;1;2;3mx')[0].fg).toBe('rgb(1, 2, 3)');
  });
  it('drops non-colour escapes', () => {
    expect(
      parseAnsi('\x1b[2K\x1b[1Ghi')
        .map(s => s.text)
        .join('')
    ).toBe('hi');
    expect(stripAnsi('\x1b]0;title\x07text')).toBe('text');
  });
  it('maps the 256-colour cube and greys', () => {
    expect(color256(16)).toBe('rgb(0, 0, 0)');
    expect(color256(231)).toBe('rgb(255, 255, 255)');
    expect(color256(232)).toBe('rgb(8, 8, 8)');
  });
});

describe('computeWindow', () => {
  it('draws only visible lines plus overscan', () => {
    const w = computeWindow(18000, 360, 18, 100000, 10);
    expect(w.start).toBe(990);
    expect(w.end).toBe(1031);
    expect(w.padTop).toBe(990 * 18);
    expect(w.padTop + (w.end - w.start) * 18 + w.padBottom).toBe(100000 * 18);
  });
  it('clamps at both ends', () => {
    expect(computeWindow(0, 360, 18, 5, 10)).toEqual({ start: 0, end: 5, padTop: 0, padBottom: 0 });
    const end = computeWindow(1e9, 360, 18, 50, 10);
    expect(end.end).toBe(50);
    expect(end.start).toBeLessThanOrEqual(end.end);
  });
});
