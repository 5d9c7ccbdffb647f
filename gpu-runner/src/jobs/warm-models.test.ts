import { describe, expect, it } from "vitest";
import { WarmCache } from "./warm-models";

function cache(budget: number) {
  const disposed: string[] = [];
  const loads: string[] = [];
  const warm = new WarmCache<string>(budget, async (value) => void disposed.push(value));
  const acquire = (key: string, size: number) =>
    warm.acquire(key, size, async () => {
      loads.push(key);
      return key;
    });
  return { warm, acquire, disposed, loads };
}

describe("WarmCache", () => {
  it("reuses a loaded model and evicts the least recently used idle one when over budget", async () => {
    const { warm, acquire, disposed, loads } = cache(100);
    await acquire("a", 40);
    warm.release("a");
    await acquire("b", 40);
    warm.release("b");
    await acquire("a", 40); // a is now the most recently used
    warm.release("a");
    await acquire("c", 40);
    warm.release("c");
    expect(loads).toEqual(["a", "b", "c"]);
    expect(disposed).toEqual(["b"]);
    expect(warm.keys().sort()).toEqual(["a", "c"]);
  });

  it("never evicts a model a job is using", async () => {
    const { warm, acquire, disposed } = cache(50);
    await acquire("busy", 40);
    await acquire("other", 40);
    expect(disposed).toEqual([]);
    expect(warm.keys().sort()).toEqual(["busy", "other"]);
  });

  it("loads once for concurrent requests and forgets failed loads", async () => {
    const { warm, acquire, loads } = cache(100);
    await Promise.all([acquire("a", 10), acquire("a", 10)]);
    expect(loads).toEqual(["a"]);
    await expect(warm.acquire("bad", 10, async () => Promise.reject(new Error("corrupt")))).rejects.toThrow("corrupt");
    expect(warm.keys()).toEqual(["a"]);
  });
});
