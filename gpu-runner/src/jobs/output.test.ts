import { describe, expect, it } from "vitest";
import { createRedactor, LineSplitter, OutputBudget } from "./output";

describe("createRedactor", () => {
  it("replaces every secret, longest first, and ignores empty ones", () => {
    const redact = createRedactor(["tok3n-abc", "tok3n-abcdef", undefined, ""]);
    expect(redact("a tok3n-abcdef b tok3n-abc c")).toBe("a *** b *** c");
  });
});

describe("LineSplitter", () => {
  it("emits whole lines across chunks, including split multi-byte characters", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l), 8);
    const euro = Buffer.from("€");
    splitter.push(Buffer.concat([Buffer.from("one\ntw"), euro.subarray(0, 1)]));
    splitter.push(Buffer.concat([euro.subarray(1), Buffer.from("o\n0123456789abc")]));
    splitter.end();
    expect(lines).toEqual(["one\n", "tw€o\n", "01234567", "89abc"]);
  });
});

describe("OutputBudget", () => {
  it("streams up to the limit, then sends one truncation notice", () => {
    const sent: [string, string][] = [];
    const budget = new OutputBudget(10, (stream, data) => sent.push([stream, data]));
    budget.write("stdout", "12345\n");
    budget.write("stderr", "678\n");
    budget.write("stdout", "too much\n");
    budget.write("stdout", "more\n");
    expect(sent.slice(0, 2)).toEqual([
      ["stdout", "12345\n"],
      ["stderr", "678\n"],
    ]);
    expect(sent).toHaveLength(3);
    expect(sent[2]![0]).toBe("log");
    expect(sent[2]![1]).toContain("output truncated");
    expect(budget.truncated).toBe(true);
  });
});
