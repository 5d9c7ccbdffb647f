/**
 * Keeps loaded models warm between jobs within a memory budget, evicting the least recently used
 * idle model first. Sizes are estimates (the GGUF file size, which is close to what llama.cpp
 * allocates for weights); a model in use by a running job is never evicted.
 */
export class WarmCache<T> {
  private readonly entries = new Map<string, { value: Promise<T>; sizeBytes: number; refs: number; lastUsed: number }>();
  private clock = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly dispose: (value: T) => Promise<void>,
  ) {}

  /** The cached value for `key`, loading it (after making room) when absent. Pair with release(). */
  async acquire(key: string, sizeBytes: number, load: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      await this.makeRoom(sizeBytes);
      // Another job may have started the same load while we were evicting.
      entry = this.entries.get(key);
      if (!entry) {
        const created = { value: load(), sizeBytes, refs: 0, lastUsed: 0 };
        created.value.catch(() => {
          if (this.entries.get(key) === created) this.entries.delete(key);
        });
        this.entries.set(key, created);
        entry = created;
      }
    }
    entry.refs++;
    entry.lastUsed = ++this.clock;
    try {
      return await entry.value;
    } catch (error) {
      entry.refs--;
      throw error;
    }
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.refs = Math.max(0, entry.refs - 1);
    entry.lastUsed = ++this.clock;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  private async makeRoom(neededBytes: number): Promise<void> {
    const idle = [...this.entries].filter(([, e]) => e.refs === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    let used = [...this.entries.values()].reduce((sum, e) => sum + e.sizeBytes, 0);
    for (const [key, entry] of idle) {
      if (used + neededBytes <= this.budgetBytes) break;
      this.entries.delete(key);
      used -= entry.sizeBytes;
      await entry.value.then(this.dispose, () => undefined);
    }
  }

  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.value.then(this.dispose, () => undefined)));
  }
}
