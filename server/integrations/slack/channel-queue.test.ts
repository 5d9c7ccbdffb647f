import { describe, expect, it } from "vitest";
import { createChannelQueue } from "./channel-queue";

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe("channel queue", () => {
  it("runs one job at a time per channel, in order, and at most `concurrency` channels at once", async () => {
    const errors: unknown[] = [];
    const q = createChannelQueue(2, (e) => errors.push(e));
    const log: string[] = [];
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const job = (name: string) => {
      const gate = deferred();
      gates.set(name, gate);
      return async () => {
        log.push(`start ${name}`);
        await gate.promise;
        log.push(`end ${name}`);
      };
    };
    q.push("A", job("a1"));
    q.push("A", job("a2"));
    q.push("B", job("b1"));
    q.push("C", job("c1"));
    await Promise.resolve();
    // a1 and b1 run; a2 waits for a1 (same channel), c1 for a free slot.
    expect(log).toEqual(["start a1", "start b1"]);
    gates.get("a1")!.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toEqual(["start a1", "start b1", "end a1", "start a2"]);
    gates.get("b1")!.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(log.at(-1)).toBe("start c1");
    const idle = q.idle();
    gates.get("a2")!.resolve();
    gates.get("c1")!.resolve();
    await idle;
    expect(log.filter((l) => l.startsWith("end"))).toEqual(["end a1", "end b1", "end a2", "end c1"]);
    expect(errors).toEqual([]);
  });

  it("reports a failed job and goes on with the channel", async () => {
    const errors: unknown[] = [];
    const q = createChannelQueue(1, (e) => errors.push(e));
    let ran = false;
    q.push("A", () => Promise.reject(new Error("slack said no")));
    q.push("A", async () => {
      ran = true;
    });
    await q.idle();
    expect(ran).toBe(true);
    expect(String(errors[0])).toMatch(/slack said no/);
  });
});
