/**
 * One load at a time: a call while a load runs asks for one more after it, not one per call, so a
 * burst of events (a sweep queues hundreds of runs) costs two loads. The returned promise settles
 * once the loads asked for so far are done.
 */
export function coalesce(load: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await load();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}
