/**
 * Run links from notification messages: `<public_url>/lab?beekeeper-run=<id>` (built by the server's
 * notifications.py). Read once at start-up, then removed from the address bar so a reload or a
 * bookmark does not open the run again.
 */
export const RUN_PARAM = 'beekeeper-run';

/** The run id a URL links to, or null; and the same URL without the parameter. */
export function parseRunLink(href: string): { run: string | null; rest: string } {
  const url = new URL(href);
  const run = url.searchParams.get(RUN_PARAM);
  url.searchParams.delete(RUN_PARAM);
  return { run: run && /^[A-Za-z0-9_.-]{1,100}$/.test(run) ? run : null, rest: url.toString() };
}

/** The run the page was opened for (removing the parameter from the address bar), or null. */
export function takeRunLink(): string | null {
  if (!window.location.search.includes(RUN_PARAM)) {
    return null;
  }
  const { run, rest } = parseRunLink(window.location.href);
  window.history.replaceState(window.history.state, '', rest);
  return run;
}
