import * as React from 'react';
import { IExecutor } from '../api';
import { BeekeeperModel } from '../model';
import { executorLabel } from '../format';

/**
 * The server's executors (local, and ray when a cluster is configured) with their reachability:
 * the forms offer a choice only when there is one to make.
 */
export function useExecutors(model: BeekeeperModel): { executors: IExecutor[]; serverDefault: string } {
  const [state, setState] = React.useState<{ executors: IExecutor[]; serverDefault: string }>({
    executors: [],
    serverDefault: 'local'
  });
  React.useEffect(() => {
    let alive = true;
    void model.executors().then(r => alive && setState({ executors: r.executors, serverDefault: r.default }));
    return () => {
      alive = false;
    };
  }, [model]);
  return state;
}

/** The "Run on" dropdown's options: the default first (labelled with what it resolves to), then each executor. */
export function executorOptions(
  executors: IExecutor[],
  defaultLabel: string
): { value: string; label: string; title?: string }[] {
  return [
    { value: '', label: defaultLabel },
    ...executors.map(x => ({ value: x.name, label: executorLabel(x), title: x.detail || undefined }))
  ];
}
