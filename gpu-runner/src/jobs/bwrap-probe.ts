import { execFile } from "node:child_process";
import { createBackoff, type Backoff, type BackoffOptions } from "../backoff";
import { probeArgs } from "./bwrap";

/**
 * Whether bubblewrap can create a sandbox here (installed is not enough: user namespaces may be
 * off). A definitive answer (works, not installed, refused) holds for the process's life; a
 * transient one (timed out on a busy machine, out of resources) is retried with backoff, and a
 * change of availability is announced so the runner re-reports its capabilities.
 */

/** ok | missing (not installed) | refused (cannot create a sandbox) are definitive; transient is retried. */
export type BwrapState = "ok" | "missing" | "refused" | "transient";
export type BwrapProbe = { available: boolean; state: BwrapState; detail: string };

export type BwrapProberOptions = {
  /** The bwrap executable (tests point it at a stand-in). */
  command?: string;
  /** A busy 2-core machine took 10 s to start a sandbox under a load average of 12. */
  timeoutMs?: number;
  /** Delays between retries after a transient failure. */
  backoff?: BackoffOptions;
};

const TRANSIENT_ERRNO = new Set(["EAGAIN", "ENOMEM", "EMFILE", "ENFILE"]);
const TRANSIENT_STDERR = /Resource temporarily unavailable|Cannot allocate memory/i;

function runProbe(command: string, timeoutMs: number): Promise<BwrapProbe> {
  return new Promise((resolve) => {
    execFile(command, [...probeArgs(), "--", "true"], { timeout: timeoutMs, killSignal: "SIGKILL" }, (error, _stdout, stderr) => {
      if (!error) {
        resolve({ available: true, state: "ok", detail: "bubblewrap works (no network, read-only system, own PID namespace)" });
        return;
      }
      const err = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
      const message = String(stderr).trim() || err.message;
      if (err.code === "ENOENT") resolve({ available: false, state: "missing", detail: "bwrap is not installed" });
      else if (err.killed || err.signal)
        resolve({
          available: false,
          state: "transient",
          detail: `bwrap did not finish within ${Math.round(timeoutMs / 1000)} s (the machine may be busy); retrying`,
        });
      else if (TRANSIENT_ERRNO.has(String(err.code)) || TRANSIENT_STDERR.test(message))
        resolve({ available: false, state: "transient", detail: `bwrap could not start a sandbox for now: ${message}; retrying` });
      else resolve({ available: false, state: "refused", detail: `bwrap is installed but cannot create a sandbox: ${message}` });
    });
  });
}

export class BwrapProber {
  private readonly command: string;
  private readonly timeoutMs: number;
  private readonly backoff: Backoff;
  private last: BwrapProbe | null = null;
  private inflight: Promise<BwrapProbe> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly changeListeners = new Set<(probe: BwrapProbe) => void>();
  private readonly resultWaiters: ((probe: BwrapProbe) => void)[] = [];
  private closed = false;
  /** Probe processes started so far (for tests and logs). */
  attempts = 0;

  constructor(options: BwrapProberOptions = {}) {
    this.command = options.command ?? "bwrap";
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.backoff = createBackoff({ baseMs: 5_000, capMs: 5 * 60_000, ...options.backoff });
  }

  /** The latest result without probing; null before the first probe finished. */
  current(): BwrapProbe | null {
    return this.last;
  }

  /**
   * The definitive answer once known; otherwise a probe now (joining one already running). A
   * caller that needs bwrap right away (a sandbox job) thus never relies on a stale timeout.
   */
  probe(): Promise<BwrapProbe> {
    if (this.last && this.last.state !== "transient") return Promise.resolve(this.last);
    this.inflight ??= this.attempt();
    return this.inflight;
  }

  /** Waits, through the backoff retries, for a definitive answer. */
  async settled(): Promise<BwrapProbe> {
    let result = await this.probe();
    while (result.state === "transient") result = await new Promise<BwrapProbe>((resolve) => this.resultWaiters.push(resolve));
    return result;
  }

  /** Called when bwrap becomes available (or stops being): capabilities should be re-reported. */
  onChange(listener: (probe: BwrapProbe) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Stops retrying (a retry is unref'd, so it never keeps the process alive anyway). */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.changeListeners.clear();
  }

  private async attempt(): Promise<BwrapProbe> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempts += 1;
    const result = await runProbe(this.command, this.timeoutMs);
    const previous = this.last;
    this.last = result;
    this.inflight = null;
    if (result.state === "transient" && !this.closed) {
      this.retryTimer = setTimeout(() => void this.probe(), this.backoff.next());
      this.retryTimer.unref();
    }
    for (const resolve of this.resultWaiters.splice(0)) resolve(result);
    if (previous && previous.available !== result.available) for (const listener of this.changeListeners) listener(result);
    return result;
  }
}

/** The runner process's prober: capabilities, doctor and sandbox jobs share its answer. */
export const bwrapProber = new BwrapProber();

export function probeBwrap(): Promise<BwrapProbe> {
  return bwrapProber.probe();
}
