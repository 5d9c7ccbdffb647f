/**
 * Splits the process's CPU time among the jobs running in it. Between two start/stop events the
 * CPU used is shared equally by the jobs active in that interval, so concurrent jobs are not each
 * billed for the other's work.
 */
export class CpuMeter {
  private readonly active = new Map<string, number>();
  private last: NodeJS.CpuUsage;

  constructor(private readonly read: () => NodeJS.CpuUsage = () => process.cpuUsage()) {
    this.last = read();
  }

  private tick(): void {
    const now = this.read();
    const seconds = (now.user - this.last.user + now.system - this.last.system) / 1e6;
    this.last = now;
    if (this.active.size === 0) return;
    const share = seconds / this.active.size;
    for (const [id, total] of this.active) this.active.set(id, total + share);
  }

  start(id: string): void {
    this.tick();
    this.active.set(id, 0);
  }

  /** CPU seconds attributed to the job since start(). */
  stop(id: string): number {
    this.tick();
    const total = this.active.get(id) ?? 0;
    this.active.delete(id);
    return total;
  }
}
