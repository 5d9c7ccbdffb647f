import { describe, expect, it } from "vitest";
import { createLogger } from "./log";

describe("createLogger", () => {
  const at = () => new Date("2030-01-01T00:00:00.000Z");

  it("writes one JSON line per event with the child's fields", () => {
    const lines: string[] = [];
    const log = createLogger({ format: "json", write: (l) => lines.push(l), now: at }).child({ runnerId: "r1" });
    log.info("job started", { jobId: "j1" });
    expect(lines).toEqual([
      JSON.stringify({ time: "2030-01-01T00:00:00.000Z", level: "info", event: "job started", runnerId: "r1", jobId: "j1" }),
    ]);
  });

  it("redacts fields that look like secrets", () => {
    const lines: string[] = [];
    const log = createLogger({ format: "pretty", write: (l) => lines.push(l), now: at });
    log.warn("oops", { token: "jrt_secret", privateKey: "-----BEGIN PRIVATE KEY-----", signature: "abc", jobId: "j1" });
    expect(lines[0]).toBe("2030-01-01T00:00:00.000Z WARN  oops token=[redacted] privateKey=[redacted] signature=[redacted] jobId=j1");
    expect(lines[0]).not.toContain("jrt_secret");
  });

  it("drops events below the level", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "warn", write: (l) => lines.push(l) });
    log.debug("a");
    log.info("b");
    log.error("c", { error: new Error("boom") });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("ERROR c error=boom");
  });
});
