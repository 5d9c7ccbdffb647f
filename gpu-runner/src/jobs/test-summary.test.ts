import { describe, expect, it } from "vitest";
import { mergeSummaries, parseJest, parseJunitXml, parsePytest, parseTap, parseTestOutput, parseVitest, stripAnsi } from "./test-summary";

describe("parseJunitXml", () => {
  it("counts test cases and names failures with their message", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="vitest tests" tests="4" failures="1" errors="0">
  <testsuite name="src/math.test.ts" tests="4" failures="1" skipped="1">
    <testcase classname="src/math.test.ts" name="adds &amp; subtracts" time="0.01"/>
    <testcase classname="src/math.test.ts" name="divides" time="0.01">
      <failure message="expected 2 to be 3 &lt;strict&gt;" type="AssertionError">AssertionError: expected 2 to be 3</failure>
    </testcase>
    <testcase classname="src/math.test.ts" name="later"><skipped/></testcase>
    <testcase classname="src/io.test.ts" name="reads"><system-out>ok</system-out></testcase>
  </testsuite>
</testsuites>`;
    expect(parseJunitXml(xml)).toEqual({
      format: "junit",
      passed: 2,
      failed: 1,
      skipped: 1,
      total: 4,
      failures: [{ name: "src/math.test.ts > divides", message: "expected 2 to be 3 <strict>" }],
    });
  });

  it("counts <error> as a failure and falls back to the element text", () => {
    const xml = `<testsuite name="pytest"><testcase classname="t" name="boom"><error><![CDATA[RuntimeError: kaput
  at line 3]]></error></testcase></testsuite>`;
    expect(parseJunitXml(xml)?.failures).toEqual([{ name: "t > boom", message: "RuntimeError: kaput" }]);
  });

  it("uses suite totals when there are no test cases", () => {
    const xml = `<testsuites><testsuite name="a" tests="5" failures="1" errors="1" skipped="1"></testsuite></testsuites>`;
    expect(parseJunitXml(xml)).toMatchObject({ passed: 2, failed: 2, skipped: 1, total: 5 });
  });

  it("returns null for XML that is not a JUnit report", () => {
    expect(parseJunitXml(`<project><modelVersion>4.0.0</modelVersion></project>`)).toBeNull();
  });

  it("merges several reports", () => {
    const a = parseJunitXml(`<testsuite><testcase name="a"/><testcase name="b"><failure message="x"/></testcase></testsuite>`)!;
    const b = parseJunitXml(`<testsuite><testcase name="c"/></testsuite>`)!;
    expect(mergeSummaries([a, b])).toMatchObject({ passed: 2, failed: 1, total: 3, failures: [{ name: "b", message: "x" }] });
  });
});

describe("parseTap", () => {
  it("counts top-level points, directives and YAML failure messages", () => {
    const tap = [
      "TAP version 13",
      "1..4",
      "ok 1 - parses input",
      "not ok 2 - rejects bad input",
      "  ---",
      "  message: 'expected an error'",
      "  ...",
      "ok 3 - slow path # SKIP needs network",
      "not ok 4 - future feature # TODO",
    ].join("\n");
    expect(parseTap(tap)).toEqual({
      format: "tap",
      passed: 1,
      failed: 1,
      skipped: 2,
      total: 4,
      failures: [{ name: "rejects bad input", message: "expected an error" }],
    });
  });

  it("prefers node --test totals, which include subtests", () => {
    const tap = [
      "TAP version 13",
      "# Subtest: math",
      "    # Subtest: adds",
      "    ok 1 - adds",
      "    # Subtest: divides",
      "    not ok 2 - divides",
      "not ok 1 - math",
      "1..1",
      "# tests 2",
      "# suites 0",
      "# pass 1",
      "# fail 1",
      "# cancelled 0",
      "# skipped 0",
      "# todo 0",
    ].join("\n");
    expect(parseTap(tap)).toMatchObject({ passed: 1, failed: 1, skipped: 0, total: 2, failures: [{ name: "math" }] });
  });

  it("ignores text without a TAP plan or version", () => {
    expect(parseTap("ok then\nnot ok at all")).toBeNull();
  });
});

describe("parseVitest", () => {
  it("reads the Tests line and FAIL entries, ignoring colours", () => {
    const out = [
      "\u001b[32m✓\u001b[39m src/a.test.ts (2 tests) 3ms",
      "\u001b[31m❯\u001b[39m src/b.test.ts (3 tests | 1 failed) 5ms",
      "",
      "⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯",
      "",
      " \u001b[41m FAIL \u001b[49m src/b.test.ts > parser > rejects empty input",
      "AssertionError: expected [] to have a length of 1 but got +0",
      "",
      "\u001b[2m Test Files \u001b[22m \u001b[1m\u001b[31m1 failed\u001b[39m\u001b[22m\u001b[2m | \u001b[22m\u001b[1m\u001b[32m1 passed\u001b[39m\u001b[22m (2)",
      "\u001b[2m      Tests \u001b[22m \u001b[1m\u001b[31m1 failed\u001b[39m\u001b[22m\u001b[2m | \u001b[22m\u001b[1m\u001b[32m3 passed\u001b[39m\u001b[22m | 1 skipped (5)",
      "\u001b[2m   Start at \u001b[22m 10:00:00",
    ].join("\n");
    expect(parseVitest(out)).toEqual({
      format: "vitest",
      passed: 3,
      failed: 1,
      skipped: 1,
      total: 5,
      failures: [
        { name: "src/b.test.ts > parser > rejects empty input", message: "AssertionError: expected [] to have a length of 1 but got +0" },
      ],
    });
  });

  it("does not mistake Jest output for Vitest", () => {
    expect(parseVitest("Tests:       1 passed, 1 total")).toBeNull();
  });
});

describe("parseJest", () => {
  it("reads the Tests: line and ● failure headings once each", () => {
    const out = [
      "FAIL src/sum.test.js",
      "  ● sum › adds negatives",
      "",
      "    expect(received).toBe(expected) // Object.is equality",
      "",
      "  ● Console",
      "",
      "    console.log hello",
      "Summary of all failing tests",
      "  ● sum › adds negatives",
      "",
      "    expect(received).toBe(expected) // Object.is equality",
      "Test Suites: 1 failed, 1 passed, 2 total",
      "Tests:       1 failed, 2 skipped, 1 todo, 6 passed, 10 total",
      "Snapshots:   0 total",
    ].join("\n");
    expect(parseJest(out)).toEqual({
      format: "jest",
      passed: 6,
      failed: 1,
      skipped: 3,
      total: 10,
      failures: [{ name: "sum › adds negatives", message: "expect(received).toBe(expected) // Object.is equality" }],
    });
  });
});

describe("parsePytest", () => {
  it("reads the closing summary and the short test summary info", () => {
    const out = [
      "tests/test_math.py .F.s                                                  [100%]",
      "=========================== short test summary info ============================",
      "FAILED tests/test_math.py::test_divide - ZeroDivisionError: division by zero",
      "ERROR tests/test_io.py::test_read - FileNotFoundError",
      "============= 1 failed, 2 passed, 1 skipped, 1 xfailed, 1 error in 0.12s =============",
    ].join("\n");
    expect(parsePytest(out)).toEqual({
      format: "pytest",
      passed: 2,
      failed: 2,
      skipped: 2,
      total: 6,
      failures: [
        { name: "tests/test_math.py::test_divide", message: "ZeroDivisionError: division by zero" },
        { name: "tests/test_io.py::test_read", message: "FileNotFoundError" },
      ],
    });
  });

  it("reads quiet-mode summaries without the rule", () => {
    expect(parsePytest("3 passed in 0.01s")).toMatchObject({ passed: 3, failed: 0, total: 3 });
  });
});

describe("parseTestOutput", () => {
  it("picks the format that recognises the output", () => {
    expect(parseTestOutput("  Tests  2 passed (2)\n")?.format).toBe("vitest");
    expect(parseTestOutput("Tests:       2 passed, 2 total\n")?.format).toBe("jest");
    expect(parseTestOutput("===== 2 passed in 0.01s =====\n")?.format).toBe("pytest");
    expect(parseTestOutput("1..1\nok 1 - fine\n")?.format).toBe("tap");
    expect(parseTestOutput("build finished\n")).toBeNull();
  });

  it("strips ANSI colour and OSC sequences", () => {
    expect(stripAnsi("\u001b[31mred\u001b[0m \u001b]8;;http://x\u0007link")).toBe("red link");
  });
});
