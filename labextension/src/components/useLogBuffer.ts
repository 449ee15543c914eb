import * as React from 'react';
import { LineBuffer } from './logmodel';

/**
 * Keeps a LineBuffer fed from a follower and re-renders at most once per animation frame,
 * however fast data arrives. `deps` say when the stream is another one (a new buffer, a new
 * connection); `connect` returns the function that disconnects.
 */
export function useLogBuffer(
  connect: ((onData: (text: string) => void) => () => void) | null,
  deps: React.DependencyList
): { buffer: LineBuffer; version: number } {
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
