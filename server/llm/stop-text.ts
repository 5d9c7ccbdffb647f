/**
 * `stop` applied to a runner's text on the app's side. Runners end generation at a stop string
 * themselves (llama.cpp stop triggers) and never send it; a runner that predates `stop` ignores it
 * and sends everything, so the app cuts the answer and its stream at the first stop string too.
 */

/** Index of the first stop string in `text`, or -1. */
export function firstStop(text: string, stops: readonly string[]): number {
  let first = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (first < 0 || i < first)) first = i;
  }
  return first;
}

/**
 * A filter for streamed text: `push` returns what may be shown now, holding back a tail that could
 * begin a stop string; `end` releases that tail when the stream ends without one.
 */
export function stopFilter(stops: readonly string[]) {
  let held = "";
  let stopped = false;
  return {
    get stopped() {
      return stopped;
    },
    push(text: string): string {
      if (stopped) return "";
      held += text;
      const at = firstStop(held, stops);
      if (at >= 0) {
        stopped = true;
        const out = held.slice(0, at);
        held = "";
        return out;
      }
      let keep = 0;
      for (const s of stops) {
        for (let k = Math.min(s.length - 1, held.length); k > keep; k--) {
          if (held.endsWith(s.slice(0, k))) {
            keep = k;
            break;
          }
        }
      }
      const out = held.slice(0, held.length - keep);
      held = held.slice(held.length - keep);
      return out;
    },
    end(): string {
      const out = stopped ? "" : held;
      held = "";
      return out;
    },
  };
}
