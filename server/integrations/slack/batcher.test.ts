import { describe, expect, it } from "vitest";
import { batcher, settledAll } from "./batcher";

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
};

describe("batcher", () => {
  it("runs a lone call at once, and the calls made meanwhile together in the next run", async () => {
    const runs: number[][] = [];
    const first = gate();
    const call = batcher<number, number>({
      run: async (items) => {
        runs.push(items);
        if (runs.length === 1) await first.opened;
        return settledAll(items.map((i) => i * 10));
      },
    });
    const results = [call(1), call(2), call(3), call(4)];
    await Promise.resolve();
    expect(runs).toEqual([[1]]);
    first.open();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
    expect(runs).toEqual([[1], [2, 3, 4]]);
  });

  it("never overlaps runs of one key, runs other keys beside it, and splits at maxBatch", async () => {
    const running = new Set<string>();
    let overlapped = false;
    const runs: string[][] = [];
    const call = batcher<string, string>({
      key: (s) => s[0]!,
      maxBatch: 2,
      concurrency: 4,
      run: async (items, key) => {
        if (running.has(key)) overlapped = true;
        running.add(key);
        runs.push(items);
        await new Promise((r) => setTimeout(r, 5));
        running.delete(key);
        return settledAll(items);
      },
    });
    await Promise.all(["a1", "b1", "a2", "a3", "a4", "b2"].map(call));
    expect(overlapped).toBe(false);
    expect(runs.slice(0, 2)).toEqual([["a1"], ["b1"]]);
    expect(runs.filter((r) => r[0]!.startsWith("a"))).toEqual([["a1"], ["a2", "a3"], ["a4"]]);
  });

  it("fails only the items whose outcome is an error, and all of a run that throws", async () => {
    const call = batcher<number, number>({
      run: async (items) => {
        if (items.includes(99)) throw new Error("the run broke");
        return items.map((i) => (i % 2 ? { error: new Error(`odd ${i}`) } : { value: i }));
      },
    });
    const results = await Promise.allSettled([call(2), call(3), call(4)]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([2, "odd 3", 4]);
    await expect(call(99)).rejects.toThrow("the run broke");
    expect(await call(6)).toBe(6);
  });
});
