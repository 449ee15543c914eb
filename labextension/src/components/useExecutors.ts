import * as React from 'react';
import { api, IExecutor } from '../api';

/**
 * The server's executors (local, and ray when a cluster is configured) with their reachability,
 * asked once per form: the forms offer a choice only when there is one to make.
 */
export function useExecutors(): { executors: IExecutor[]; serverDefault: string } {
  const [state, setState] = React.useState<{ executors: IExecutor[]; serverDefault: string }>({
    executors: [],
    serverDefault: 'local'
  });
  React.useEffect(() => {
    let alive = true;
    api.executors().then(
      r => alive && setState({ executors: r.executors, serverDefault: r.default }),
      () => undefined // an older server without /executors: only local exists
    );
    return () => {
      alive = false;
    };
  }, []);
  return state;
}
