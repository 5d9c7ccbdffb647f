import { describe, expect, it } from "vitest";
import { formatUsd } from "./format";

describe("formatUsd (usage page and task page)", () => {
  it("never writes a charged amount as zero: a CPU-only call's energy price is under a hundredth of a cent", () => {
    expect(formatUsd(20)).toBe("<$0.0001");
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(4200)).toBe("$0.0042");
    expect(formatUsd(1_234_560_000)).toBe("$1,234.56");
  });
});
