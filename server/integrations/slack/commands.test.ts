import { describe, expect, it } from "vitest";
import { parseCommand } from "./commands";
import { planMessage, planVerdict, resultMessage, statusMessage } from "./messages";
import { createLinkToken, readLinkToken } from "./link-token";

describe("parseCommand", () => {
  it("parses every subcommand", () => {
    expect(parseCommand("")).toEqual({ kind: "help" });
    expect(parseCommand("ask  why is CI slow? ")).toEqual({ kind: "task", task: { kind: "ask", question: "why is CI slow?" } });
    expect(parseCommand("test <https://github.com/acme/api|acme/api> main")).toEqual({
      kind: "task",
      task: { kind: "test", repository: "https://github.com/acme/api", branch: "main" },
    });
    expect(parseCommand("status #42")).toEqual({ kind: "status", ref: "#42" });
    expect(parseCommand("reject 7 too risky")).toEqual({ kind: "decide", decision: "reject", ref: "7", reason: "too risky" });
    expect(parseCommand("RUNNERS")).toEqual({ kind: "runners" });
    expect(parseCommand("project link Client API")).toEqual({ kind: "link", projectName: "Client API" });
    expect(parseCommand("link 1234 5678")).toEqual({ kind: "linkCode", code: "12345678" });
    expect(parseCommand("link 1234-5678")).toEqual({ kind: "linkCode", code: "12345678" });
  });

  it("turns unknown subcommands into help and bad input into what to type", () => {
    expect(parseCommand("deploy prod")).toEqual({ kind: "help", unknown: "deploy" });
    expect(parseCommand("ask")).toMatchObject({ kind: "invalid", message: expect.stringMatching(/Ask a question after `ask`/) });
    expect(parseCommand("test ftp://x/y")).toMatchObject({ kind: "invalid", message: expect.stringMatching(/is not a repository URL/) });
    expect(parseCommand("test https://github.com/acme/api main extra")).toMatchObject({ kind: "invalid" });
    expect(parseCommand("test https://github.com/acme/api bad;branch")).toMatchObject({
      kind: "invalid",
      message: expect.stringMatching(/Branch names use/),
    });
    expect(parseCommand("approve")).toMatchObject({ kind: "invalid", message: expect.stringMatching(/`\/jace approve 42`/) });
    expect(parseCommand("status drop-table")).toMatchObject({ kind: "invalid" });
    expect(parseCommand("project rename x")).toMatchObject({ kind: "invalid" });
    expect(parseCommand("link 1234")).toMatchObject({ kind: "invalid", message: expect.stringMatching(/8-digit code/) });
  });
});

describe("messages", () => {
  const task = {
    id: "t1",
    number: 3,
    title: "Test <a&b>",
    status: "running" as const,
    statusReason: "On box",
    error: null,
    costMicros: 1234,
    createdByLabel: "a@x.test",
  };

  it("escapes what people typed and links the task", () => {
    const m = statusMessage(task, "https://jace.test/w/acme/tasks/t1");
    expect(JSON.stringify(m.blocks)).toContain("*<https://jace.test/w/acme/tasks/t1|#3>* Test &lt;a&amp;b&gt;");
    // The notification text is mrkdwn too: escaped the same way.
    expect(m.text).toBe("#3 Test &lt;a&amp;b&gt;: Running");
  });

  it("says how a plan was closed: rejected, approved (also when cancelled later), or undecided", () => {
    const decidedAt = new Date();
    const by = { decidedByLabel: "ann@x.test", decidedAt };
    expect(planVerdict({ ...by, status: "cancelled", statusReason: "Rejected" })).toBe("Rejected by ann@x.test");
    expect(planVerdict({ ...by, status: "cancelled", statusReason: "Cancelled" })).toBe("Approved by ann@x.test");
    expect(planVerdict({ ...by, status: "running", statusReason: "Approved" })).toBe("Approved by ann@x.test");
    expect(planVerdict({ decidedByLabel: null, decidedAt: null, status: "cancelled", statusReason: "Cancelled" })).toBe(
      "Closed without a decision: the task is cancelled",
    );
  });

  it("closes the plan of an approved task that was cancelled later as approved, not rejected", () => {
    const m = planMessage(
      {
        id: "t1",
        number: 3,
        plan: { summary: "Run tests", steps: [{ title: "make test" }] },
        decidedByLabel: "ann@x.test",
        decidedAt: new Date(),
        status: "cancelled",
        statusReason: "Cancelled",
      },
      true,
    );
    expect(JSON.stringify(m.blocks)).toContain("Approved by ann@x.test");
    expect(JSON.stringify(m.blocks)).not.toContain("Rejected");
  });

  it("puts the test summary and the cost in the result", () => {
    const m = resultMessage(
      task,
      { text: "1 of 4 failed", tests: { passed: 3, failed: 1, skipped: 0, total: 4, failures: [] } },
      "https://u",
    );
    expect(m.text).toBe("Result of #3: 3 passed, 1 failed, 0 skipped (4 total)");
    expect(JSON.stringify(m.blocks)).toContain("Cost $0.0012");
  });
});

describe("link tokens", () => {
  it("round-trip, and refuse tampering and expiry", () => {
    const token = createLinkToken("inst1", "U1", "mallory", 1_000);
    expect(readLinkToken(token, 2_000)).toEqual({ installationId: "inst1", slackUserId: "U1", slackUserName: "mallory" });
    // Short-lived: half an hour.
    expect(readLinkToken(token, 1_000 + 29 * 60_000)).not.toBeNull();
    expect(readLinkToken(token, 1_000 + 31 * 60_000)).toBeNull();
    const [body, sig] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ i: "other", u: "U1", e: 9e15 })).toString("base64url");
    expect(readLinkToken(`${forged}.${sig}`)).toBeNull();
    expect(readLinkToken(`${body}.x${sig!.slice(1)}`)).toBeNull();
  });
});
