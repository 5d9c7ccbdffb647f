import { describe, expect, it } from "vitest";
import { progressReporter } from "./models";
import { formatBytes, parseDuration, type Io } from "./shared";

const capture = (errIsTty: boolean) => {
  const err: string[] = [];
  const io: Io = { out: () => {}, err: (t) => err.push(t), errIsTty };
  return { io, err };
};

describe("parseDuration", () => {
  it("reads seconds, minutes, hours and milliseconds; a bare number is seconds", () => {
    expect(["90", "90s", "5m", "1h", "1500ms"].map((t) => parseDuration(t, "--drain-timeout"))).toEqual([
      90_000, 90_000, 300_000, 3_600_000, 1_500,
    ]);
    expect(() => parseDuration("five minutes", "--drain-timeout")).toThrow(/--drain-timeout must be a duration/);
  });
});

describe("progressReporter", () => {
  it("redraws a bar with percent, bytes and speed on a terminal", () => {
    let now = 0;
    const { io, err } = capture(true);
    const progress = progressReporter(io, () => now);
    now = 2_000;
    progress.update({ receivedBytes: 512 * 1024 ** 2, totalBytes: 1024 ** 3 });
    progress.end();
    expect(err).toEqual([`\r\x1b[2K[${"#".repeat(15)}${".".repeat(15)}]  50%  512.0 MiB / 1.0 GiB  256.0 MiB/s`, "\n"]);
  });

  it("prints a plain line per 10 % when not on a terminal", () => {
    let now = 0;
    const { io, err } = capture(false);
    const progress = progressReporter(io, () => (now += 1_000));
    for (const received of [0, 5, 10, 15, 100]) progress.update({ receivedBytes: received, totalBytes: 100 });
    progress.end();
    expect(err.map((line) => line.slice(0, "downloaded 100%".length))).toEqual(["downloaded   0%", "downloaded  10%", "downloaded 100%"]);
  });

  it("shows bytes and speed when the size is unknown", () => {
    const { io, err } = capture(false);
    progressReporter(io, () => 1_000).update({ receivedBytes: 2048, totalBytes: null });
    expect(err[0]).toMatch(/^downloaded 2\.0 KiB {2}\d/);
  });
});

describe("formatBytes", () => {
  it("uses binary units", () => {
    expect([0, 1023, 1024, 1536 * 1024 ** 2].map(formatBytes)).toEqual(["0 B", "1023 B", "1.0 KiB", "1.5 GiB"]);
  });
});
