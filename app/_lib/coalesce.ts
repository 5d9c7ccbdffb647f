/**
 * Runs `work` for a burst of signals without losing the last one: a signal during a run causes
 * exactly one more run after it, so the final run always starts after the final signal. Used to
 * re-read queries on live events: dropping an event while a read is in flight leaves the page
 * showing the state from before it, and restarting the read on every event of a burst starves it.
 */
export function coalesce(work: () => Promise<unknown>): () => void {
  let running = false;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      try {
        do {
          again = false;
          await work().catch(() => undefined);
        } while (again);
      } finally {
        running = false;
      }
    })();
  };
}
