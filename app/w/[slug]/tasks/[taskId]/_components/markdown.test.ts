import { describe, expect, it } from "vitest";
import { parseBlocks, renderInline } from "./markdown";

describe("result markdown", () => {
  it("splits paragraphs, headings, lists, quotes and fenced code", () => {
    const blocks = parseBlocks(
      "# Result\n\nAll **good**.\nSecond line\n\n- one\n- two\n1. first\n2. second\n> quoted\n```\nnpm test\n# not a heading\n```",
    );
    expect(blocks).toEqual([
      { type: "heading", level: 1, text: "Result" },
      { type: "paragraph", text: "All **good**.\nSecond line" },
      { type: "list", ordered: false, items: ["one", "two"] },
      { type: "list", ordered: true, items: ["first", "second"] },
      { type: "quote", text: "quoted" },
      { type: "code", text: "npm test\n# not a heading" },
    ]);
  });

  it("keeps markup as text: only http(s) links become links", () => {
    const nodes = renderInline("<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.com)");
    expect(nodes[0]).toBe("<script>alert(1)</script> [x](javascript:alert(1)) ");
    expect(nodes).toHaveLength(2);
    expect((nodes[1] as { props: { href: string } }).props.href).toBe("https://example.com");
  });
});
