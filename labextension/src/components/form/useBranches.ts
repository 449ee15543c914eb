import * as React from 'react';
import { IBranches, IProject } from '../../api';
import { BeekeeperModel } from '../../model';
import { branchQuery, IFields } from './fields';

/** Wait this long after the last keystroke in the URL (or credentials) before asking the remote. */
export const BRANCH_LOOKUP_DELAY_MS = 600;

export interface IBranchLookup {
  /** The remote's listing, once one arrived for the URL now typed. */
  listing: IBranches | null;
  loading: boolean;
  /** Why the remote could not be listed (unreachable, refused credentials): shown, never blocking. */
  error: string | null;
}

/**
 * The typed remote's branches, looked up (debounced) as the URL or credentials change. A slower
 * answer for an older URL is dropped, so the dropdown always belongs to the URL in the field.
 */
export function useBranches(model: BeekeeperModel, fields: IFields, project?: IProject): IBranchLookup {
  const query = branchQuery(fields, project);
  const key = query ? JSON.stringify(query) : '';
  const [state, setState] = React.useState<IBranchLookup & { key: string }>({
    key: '',
    listing: null,
    loading: false,
    error: null
  });
  React.useEffect(() => {
    if (!query) {
      setState({ key, listing: null, loading: false, error: null });
      return;
    }
    let alive = true;
    setState(s => ({ ...s, loading: true }));
    const timer = window.setTimeout(() => {
      model.branches(query).then(
        listing => alive && setState({ key, listing, loading: false, error: null }),
        error => alive && setState({ key, listing: null, loading: false, error: (error as Error).message })
      );
    }, BRANCH_LOOKUP_DELAY_MS);
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, key]);
  const current = state.key === key;
  return {
    listing: current ? state.listing : null,
    loading: state.loading,
    error: current ? state.error : null
  };
}
