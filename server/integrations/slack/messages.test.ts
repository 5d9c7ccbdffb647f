import { describe, expect, it } from "vitest";
import { planMessage, resultMessage, SLACK_LIMITS, statusMessage, type Block } from "./messages";

const url = "https://jace.test/w/acme/tasks/t1";
const texts = (blocks: Block[] | undefined): string[] =>
  (blocks ?? [])
    .flatMap((b) => [
      (b.text as { text?: string } | undefined)?.text,
      ...((b.elements as { text?: string }[] | undefined) ?? []).map((e) => e.text),
    ])
    .filter((t): t is string => typeof t === "string");

describe("what goes into Slack", () => {
  it("sanitises model output in a result: control characters, markup and broadcasts", () => {
    const text = "Done\u0000\u001b[2J <!channel> ping <@U0BOSS> & <https://evil.test|your bank> @here\r\nbye\u0007";
    const msg = resultMessage({ number: 7, costMicros: 1200 }, { text }, url);
    const body = texts(msg.blocks)[0]!;
    expect(body).toBe(
      "*Result of #7*\nDone &lt;!channel&gt; ping &lt;@U0BOSS&gt; &amp; &lt;https://evil.test|your bank&gt; @\u2060here\nbye",
    );
    expect(JSON.stringify(msg)).not.toMatch(/\\u00[01]/);
  });

  it("keeps a very long answer within Slack's limits and links to the task page for the rest", () => {
    const text = Array.from({ length: 4000 }, (_, i) => `line ${i}: ${"x<y & ".repeat(10)}`).join("\n");
    const msg = resultMessage({ number: 8, costMicros: 0 }, { text, tests: null }, url);
    expect(msg.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    expect(msg.blocks!.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const t of texts(msg.blocks)) expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    const all = texts(msg.blocks).join("\n");
    expect(all).toContain(`<${url}|read all of it on the task page>`);
    expect(all).toContain("line 0: x&lt;y &amp; ");
    expect(all).not.toMatch(/&(a|am|l|g)?$/m); // no entity cut in half at a block's end
  });

  it("escapes untrusted titles and plans in the notification text too", () => {
    const status = statusMessage(
      {
        id: "t1",
        number: 3,
        title: "<!channel> deploy",
        status: "running",
        statusReason: null,
        error: null,
        costMicros: 0,
        createdByLabel: "a",
      },
      url,
    );
    expect(status.text).toBe("#3 &lt;!channel&gt; deploy: Running");
    const plan = planMessage(
      {
        id: "t1",
        number: 3,
        plan: { summary: "<!here> x".repeat(100), steps: [], runner: { kind: "inference" }, requiresApproval: true },
        decidedByLabel: null,
        decidedAt: null,
        status: "awaiting_approval",
        statusReason: null,
      },
      false,
    );
    expect(plan.text).not.toContain("<!here>");
    expect(plan.text.length).toBeLessThanOrEqual(300);
  });
});
