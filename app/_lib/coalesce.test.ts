import { describe, expect, it } from "vitest";
import { coalesce } from "./coalesce";

describe("coalesce", () => {
  it("runs once more after a burst that arrives during a run, and the last run starts after the last signal", async () => {
    const starts: number[] = [];
    let signals = 0;
    let release!: () => void;
    const run = coalesce(async () => {
      starts.push(signals);
      await new Promise<void>((r) => (release = r));
    });
    signals++;
    run();
    for (let i = 0; i < 5; i++) {
      signals++;
      run();
    }
    release();
    await new Promise((r) => setTimeout(r, 0));
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(starts).toEqual([1, 6]);
  });

  it("keeps going after a failed run", async () => {
    let calls = 0;
    const run = coalesce(async () => {
      calls++;
      if (calls === 1) throw new Error("network");
    });
    run();
    await new Promise((r) => setTimeout(r, 0));
    run();
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toBe(2);
  });
});
