import * as React from 'react';
import { computeWindow, ISpan, LineBuffer, parseAnsi } from './logmodel';
import { LogToolbar } from './LogToolbar';
import { useTrans } from '../i18n';

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

/** The scroll box: its position and height, and whether it follows the end (until the user scrolls up). */
function useLogScroll(version: number, total: number) {
  const scroller = React.useRef<HTMLDivElement>(null);
  const [follow, setFollow] = React.useState(true);
  const [scroll, setScroll] = React.useState({ top: 0, height: 400 });

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

  /** Show line `index` in the middle of the box (and stop following). */
  const reveal = (index: number) => {
    const el = scroller.current;
    if (el) {
      setFollow(false);
      el.scrollTop = Math.max(0, index * LINE_HEIGHT - el.clientHeight / 2);
    }
  };

  return { scroller, scroll, follow, setFollow, onScroll, reveal };
}

/** Search over the buffer: the matching lines and the current match. */
function useLogSearch(buffer: LineBuffer, version: number, reveal: (line: number) => void) {
  const [query, setQuery] = React.useState('');
  const [hit, setHit] = React.useState(0);
  // The buffer is mutable: `version` says its lines changed.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const hits = React.useMemo(() => buffer.search(query), [query, version, buffer]);
  const hitSet = React.useMemo(() => new Set(hits), [hits]);

  const goTo = (index: number) => {
    if (!hits.length) {
      return;
    }
    const i = ((index % hits.length) + hits.length) % hits.length;
    setHit(i);
    reveal(hits[i]);
  };
  // A new query jumps to its first match (new lines for the same query do not move the view).
  React.useEffect(() => {
    if (query && hits.length) {
      goTo(0);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query]);

  const onQuery = (q: string) => {
    setQuery(q);
    setHit(0);
  };
  return { query, onQuery, hit, hits, hitSet, goTo };
}

/**
 * A log pane that draws only the lines in view (windowing), so 100k+ lines scroll smoothly.
 * It follows the end until the user scrolls up; "Follow" jumps back. Search highlights matches.
 */
export function LogView(props: ILogViewProps): JSX.Element {
  const { buffer, version } = props;
  const trans = useTrans();
  const total = buffer.length;
  const { scroller, scroll, follow, setFollow, onScroll, reveal } = useLogScroll(version, total);
  const search = useLogSearch(buffer, version, reveal);

  const win = computeWindow(scroll.top, scroll.height, LINE_HEIGHT, total);
  const rows: JSX.Element[] = [];
  for (let i = win.start; i < win.end; i++) {
    const current = search.hits[search.hit] === i;
    const cls =
      'bk-log-line' + (search.hitSet.has(i) ? (current ? ' bk-log-hit-current' : ' bk-log-hit') : '');
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
      <LogToolbar
        status={props.status}
        query={search.query}
        onQuery={search.onQuery}
        hit={search.hit}
        hits={search.hits.length}
        goTo={search.goTo}
        follow={follow}
        onFollow={setFollow}
        downloadUrl={props.downloadUrl}
      />
      {buffer.dropped > 0 && (
        <div className="bk-muted bk-log-note">
          {trans.__(
            '%1 earlier lines are not shown here; Download has the whole log.',
            buffer.dropped.toLocaleString('en-US')
          )}
        </div>
      )}
      <div className="bk-log-scroll" ref={scroller} onScroll={onScroll} data-lines={total}>
        {total === 0 ? (
          <div className="bk-muted bk-log-empty">{props.emptyText || trans.__('No output yet.')}</div>
        ) : (
          <div style={{ paddingTop: win.padTop, paddingBottom: win.padBottom }}>{rows}</div>
        )}
      </div>
    </div>
  );
}
