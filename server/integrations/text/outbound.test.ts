import { describe, expect, it } from "vitest";
import { cleanText, slackEscape, splitText, truncate } from "./outbound";

describe("outbound text", () => {
  it("strips control characters, ANSI escapes and bidi overrides, keeping newlines and tabs", () => {
    const raw = "ok\u0000\u0007 \u001b[31mred\u001b[0m\ttab\r\nnext\u0085\u202Eevil\u2066x\u0008";
    expect(cleanText(raw)).toBe("ok red\ttab\nnextevilx");
  });

  it("escapes Slack mrkdwn and neutralises broadcasts and mentions", () => {
    const out = slackEscape("a & b <!channel> <!here|here> <@U123> <https://x.test|click> @channel @Here @everyone me@channels.io");
    expect(out).toBe(
      "a &amp; b &lt;!channel&gt; &lt;!here|here&gt; &lt;@U123&gt; &lt;https://x.test|click&gt; @\u2060channel @\u2060Here @\u2060everyone me@channels.io",
    );
    expect(out).not.toMatch(/[<>]/);
  });

  it("truncates without splitting a surrogate pair or an entity", () => {
    expect(truncate("abcdef", 10)).toBe("abcdef");
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("ab😀cd", 4)).toBe("ab…"); // 😀 is two units: cutting after its first would leave half
    expect(truncate("ab &amp; cd", 7)).toBe("ab …");
    expect(truncate("ab & cd", 6)).toBe("ab & …");
  });

  it("splits at line ends, else spaces, else anywhere safe, within the limit", () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} &lt;ok&gt;`).join("\n");
    const parts = splitText(lines, 100);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(100);
    expect(parts.join("\n")).toBe(lines);
    const dense = "&amp;".repeat(100);
    const pieces = splitText(dense, 99);
    for (const p of pieces) expect(p).toMatch(/^(&amp;)+$/);
    expect(pieces.join("")).toBe(dense);
  });
});
