import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { computeWindow, ISpan, LineBuffer, parseAnsi } from './logmodel';

const LINE_HEIGHT = 18;

export interface ILogViewProps {
  buffer: LineBuffer;
  /** Bumped by the owner whenever the buffer changed. */
  version: number;
  /** Where "Download" points, if anywhere. */
  downloadUrl?: string;
  status?: React.ReactNode;
  emptyText?: string;
}

function Span({ span }: { span: ISpan }): JSX.Element {
  if (!span.fg && !span.bg && !span.bold && !span.dim && !span.italic && !span.underline) {
    return <>{span.text}</>;
  }
  const style: React.CSSProperties = {
    color: span.fg,
    background: span.bg,
    fontWeight: span.bold ? 'bold' : undefined,
    opacity: span.dim ? 0.7 : undefined,
    fontStyle: span.italic ? 'italic' : undefined,
    textDecoration: span.underline ? 'underline' : undefined
  };
  return <span style={style}>{span.text}</span>;
}

/**
 * A log pane that draws only the lines in view (windowing), so 100k+ lines scroll smoothly.
 * It follows the end until the user scrolls up; "Follow" jumps back. Search highlights matches.
 */
export function LogView(props: ILogViewProps): JSX.Element {
  const { buffer, version } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  const [follow, setFollow] = React.useState(true);
  const [scroll, setScroll] = React.useState({ top: 0, height: 400 });
  const [query, setQuery] = React.useState('');
  const [hit, setHit] = React.useState(0);
  const total = buffer.length;

  // The buffer is mutable: `version` says its lines changed.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const hits = React.useMemo(() => buffer.search(query), [query, version, buffer]);
  const hitSet = React.useMemo(() => new Set(hits), [hits]);

  React.useLayoutEffect(() => {
    const el = scroller.current;
    if (el && follow) {
      el.scrollTop = el.scrollHeight;
      setScroll({ top: el.scrollTop, height: el.clientHeight });
    }
  }, [version, follow, total]);

  React.useEffect(() => {
    const el = scroller.current;
    if (!el) {
      return;
    }
    const observer = new ResizeObserver(() => setScroll({ top: el.scrollTop, height: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) {
      return;
    }
    setScroll({ top: el.scrollTop, height: el.clientHeight });
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < LINE_HEIGHT * 2;
    if (atEnd !== follow) {
      setFollow(atEnd);
    }
  };

  const goTo = (index: number) => {
    const el = scroller.current;
    if (!el || !hits.length) {
      return;
    }
    const i = ((index % hits.length) + hits.length) % hits.length;
    setHit(i);
    setFollow(false);
    el.scrollTop = Math.max(0, hits[i] * LINE_HEIGHT - el.clientHeight / 2);
  };

  // A new query jumps to its first match (new lines for the same query do not move the view).
  React.useEffect(() => {
    if (query && hits.length) {
      goTo(0);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query]);

  const win = computeWindow(scroll.top, scroll.height, LINE_HEIGHT, total);
  const rows: JSX.Element[] = [];
  for (let i = win.start; i < win.end; i++) {
    const cls =
      'bk-log-line' + (hitSet.has(i) ? (hits[hit] === i ? ' bk-log-hit-current' : ' bk-log-hit') : '');
    rows.push(
      <div key={i} className={cls} style={{ height: LINE_HEIGHT }}>
        {parseAnsi(buffer.line(i)).map((s, j) => (
          <Span key={j} span={s} />
        ))}
      </div>
    );
  }

  return (
    <div className="bk-log">
      <div className="bk-log-toolbar">
        {props.status}
        <span className="bk-spacer" />
        <input
          className="jp-mod-styled bk-log-search"
          placeholder="Search log"
          value={query}
          onChange={e => {
            setQuery(e.target.value);
            setHit(0);
          }}
          onKeyDown={e => {
            if (e.key === 'Enter') {
              goTo(hit + (e.shiftKey ? -1 : 1));
            }
          }}
        />
        {query && (
          <span className="bk-muted bk-log-count">
            {hits.length ? `${hit + 1}/${hits.length}` : 'no match'}
          </span>
        )}
        <Button small minimal title="Previous match" onClick={() => goTo(hit - 1)} disabled={!hits.length}>
          ↑
        </Button>
        <Button small minimal title="Next match" onClick={() => goTo(hit + 1)} disabled={!hits.length}>
          ↓
        </Button>
        <Button
          small
          className={'bk-follow' + (follow ? ' bk-active' : '')}
          title={follow ? 'Following the end: scroll up to stop' : 'Jump to the end and follow'}
          onClick={() => setFollow(!follow)}
        >
          {follow ? 'Following' : 'Follow'}
        </Button>
        {props.downloadUrl && (
          <a className="bk-link-button" href={props.downloadUrl} download title="Download the whole log">
            Download
          </a>
        )}
      </div>
      {buffer.dropped > 0 && (
        <div className="bk-muted bk-log-note">
          {buffer.dropped.toLocaleString('en-US')} earlier lines are not shown here; Download has the whole
          log.
        </div>
      )}
      <div className="bk-log-scroll" ref={scroller} onScroll={onScroll} data-lines={total}>
        {total === 0 ? (
          <div className="bk-muted bk-log-empty">{props.emptyText || 'No output yet.'}</div>
        ) : (
          <div style={{ paddingTop: win.padTop, paddingBottom: win.padBottom }}>{rows}</div>
        )}
      </div>
    </div>
  );
}

/**
 * Keeps a LineBuffer fed from a follower and re-renders at most once per animation frame,
 * however fast data arrives.
 */
export function useLogBuffer(
  connect: ((onData: (text: string) => void) => () => void) | null,
  deps: React.DependencyList
): { buffer: LineBuffer; version: number } {
  // The caller's deps say when the stream is another one (a new buffer and a new connection).
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const buffer = React.useMemo(() => new LineBuffer(), deps);
  const [version, setVersion] = React.useState(0);
  React.useEffect(() => {
    if (!connect) {
      return;
    }
    let frame: number | null = null;
    const dispose = connect(text => {
      buffer.append(text);
      if (frame === null) {
        frame = requestAnimationFrame(() => {
          frame = null;
          setVersion(v => v + 1);
        });
      }
    });
    return () => {
      dispose();
      if (frame !== null) {
        cancelAnimationFrame(frame);
      }
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return { buffer, version };
}
