/**
 * What the gateway knows of one runner connection's slots: the jobs it offered there, the jobs the
 * runner reports running, and whether the runner said it is full or stopping. After a reconnect a
 * runner may still run jobs this app gave to another runner, so those take slots too.
 */
export class RunnerSlots {
  /** Jobs offered to or running on this runner, as far as this connection knows. */
  readonly jobs = new Set<string>();
  /** Jobs the runner said it runs in its last heartbeat, less those it finished since. */
  #reported = new Set<string>();
  /** It declined an offer for lack of a slot: no offers until a result or heartbeat says otherwise. */
  #full = false;
  /** It is stopping (said so, or declined an offer for that reason): no offers on this connection. */
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  /** Presence as the dashboard shows it: a runner that is stopping is draining, busy or not. */
  presence(): "draining" | "busy" | "online" {
    return this.#draining ? "draining" : this.jobs.size > 0 ? "busy" : "online";
  }

  free(maxConcurrentJobs: number): number {
    if (this.#full || this.#draining) return 0;
    return maxConcurrentJobs - new Set([...this.jobs, ...this.#reported]).size;
  }

  /** A newer connection of the same runner process carries on where `previous` stopped. */
  takeOver(previous: RunnerSlots): void {
    for (const jobId of previous.jobs) this.jobs.add(jobId);
    previous.jobs.clear();
    this.#reported = previous.#reported;
    this.#full = previous.#full;
    this.#draining = previous.#draining;
  }

  /** What the runner said of itself when it connected: the jobs it holds (as far as the app let it keep them). */
  hold(jobIds: Iterable<string>, running: Iterable<string>): void {
    this.jobs.clear();
    for (const jobId of jobIds) this.jobs.add(jobId);
    this.#reported = new Set(running);
    this.#full = false;
    this.#draining = false;
  }

  /** Returns whether offers paused by a capacity decline may resume. */
  heartbeat(runningJobs: string[]): boolean {
    const wasFull = this.#full;
    this.#reported = new Set(runningJobs);
    this.#full = false;
    return wasFull;
  }

  /** The runner is stopping. Returns whether that is news. */
  drain(): boolean {
    const was = this.#draining;
    this.#draining = true;
    return !was;
  }

  /** An offer declined: for lack of a slot, or (also without a code, from an older runner) for good on this connection. */
  declined(jobId: string, code: "at_capacity" | "draining" | undefined): void {
    this.jobs.delete(jobId);
    if (code === "draining") this.#draining = true;
    else this.#full = true;
  }

  finished(jobId: string): void {
    this.jobs.delete(jobId);
    this.#reported.delete(jobId);
    this.#full = false;
  }
}
