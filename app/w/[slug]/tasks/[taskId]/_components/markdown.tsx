import type { ReactNode } from "react";

/**
 * The Markdown that models and the pipeline write, rendered as React elements (never as HTML, so
 * nothing in a result can inject markup): headings, paragraphs, bullet and numbered lists, fenced
 * code, quotes, and inline bold, italics, code and http(s) links. Anything else shows as text.
 */

type Block =
  | { type: "heading"; level: number; text: string }
  | { type: "code"; text: string }
  | { type: "list"; ordered: boolean; items: string[] }
  | { type: "quote"; text: string }
  | { type: "paragraph"; text: string };

const bullet = /^\s*[-*+]\s+(.*)$/;
const numbered = /^\s*\d+[.)]\s+(.*)$/;

export function parseBlocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (/^\s*```/.test(line)) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i]!)) body.push(lines[i++]!);
      i++;
      blocks.push({ type: "code", text: body.join("\n") });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ type: "heading", level: heading[1]!.length, text: heading[2]! });
      i++;
      continue;
    }
    const listKind = bullet.test(line) ? bullet : numbered.test(line) ? numbered : null;
    if (listKind) {
      const items: string[] = [];
      while (i < lines.length && listKind.test(lines[i]!)) items.push(listKind.exec(lines[i++]!)![1]!);
      blocks.push({ type: "list", ordered: listKind === numbered, items });
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i]!)) body.push(lines[i++]!.replace(/^\s*>\s?/, ""));
      blocks.push({ type: "quote", text: body.join("\n") });
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const body: string[] = [];
    while (
      i < lines.length &&
      lines[i]!.trim() &&
      !/^\s*(```|#{1,6}\s|>)/.test(lines[i]!) &&
      !bullet.test(lines[i]!) &&
      !numbered.test(lines[i]!)
    ) {
      body.push(lines[i++]!);
    }
    blocks.push({ type: "paragraph", text: body.join("\n") });
  }
  return blocks;
}

const inline = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*|__[^_\n]+__)|(\*[^*\s][^*\n]*\*|_[^_\s][^_\n]*_)|(\[[^\]\n]+\]\(https?:\/\/[^)\s]+\))|(\n)/g;

export function renderInline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let key = 0;
  for (const m of text.matchAll(inline)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const [token, code, strong, em, link] = m;
    if (code)
      out.push(
        <code key={key++} className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] text-ink">
          {code.slice(1, -1)}
        </code>,
      );
    else if (strong)
      out.push(
        <strong key={key++} className="font-semibold text-ink">
          {renderInline(strong.slice(2, -2))}
        </strong>,
      );
    else if (em) out.push(<em key={key++}>{renderInline(em.slice(1, -1))}</em>);
    else if (link) {
      const [, label, href] = /^\[([^\]]+)\]\((.+)\)$/.exec(link)!;
      out.push(
        <a
          key={key++}
          href={href}
          target="_blank"
          rel="noopener noreferrer nofollow"
          className="text-accent-700 underline underline-offset-2"
        >
          {label}
        </a>,
      );
    } else out.push(<br key={key++} />);
    last = m.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const headingClasses = ["text-lg font-semibold", "text-base font-semibold", "text-[15px] font-semibold"];

export function Markdown({ source }: { source: string }) {
  return (
    <div className="flex flex-col gap-3 text-sm leading-6 text-ink-muted break-words">
      {parseBlocks(source).map((block, i) => {
        switch (block.type) {
          case "heading": {
            const Tag = `h${Math.min(block.level + 2, 6)}` as "h3";
            return (
              <Tag key={i} className={`${headingClasses[Math.min(block.level, 3) - 1]} text-ink`}>
                {renderInline(block.text)}
              </Tag>
            );
          }
          case "code":
            return (
              <pre key={i} className="overflow-x-auto rounded-lg bg-zinc-950 px-4 py-3 font-mono text-[13px] leading-5 text-zinc-100">
                {block.text}
              </pre>
            );
          case "list": {
            const Tag = block.ordered ? "ol" : "ul";
            return (
              <Tag key={i} className={`${block.ordered ? "list-decimal" : "list-disc"} flex flex-col gap-1 pl-5 marker:text-ink-subtle`}>
                {block.items.map((item, j) => (
                  <li key={j}>{renderInline(item)}</li>
                ))}
              </Tag>
            );
          }
          case "quote":
            return (
              <blockquote key={i} className="border-l-2 border-line-strong pl-3 italic">
                {renderInline(block.text)}
              </blockquote>
            );
          default:
            return <p key={i}>{renderInline(block.text)}</p>;
        }
      })}
    </div>
  );
}
