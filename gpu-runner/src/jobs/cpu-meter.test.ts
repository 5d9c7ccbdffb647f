import { describe, expect, it } from "vitest";
import { CpuMeter } from "./cpu-meter";

describe("CpuMeter", () => {
  it("splits CPU time between jobs that overlap", () => {
    let micros = 0;
    const meter = new CpuMeter(() => ({ user: micros, system: 0 }));
    micros = 5e6; // before any job: nobody pays
    meter.start("a");
    micros += 2e6; // a alone
    meter.start("b");
    micros += 2e6; // a and b share
    expect(meter.stop("a")).toBeCloseTo(3);
    micros += 1e6; // b alone
    expect(meter.stop("b")).toBeCloseTo(2);
  });
});
