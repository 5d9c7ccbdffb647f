import type { TestSummary } from "../protocol";

/**
 * Test summaries from what CI steps leave behind: JUnit XML reports, or the closing lines that
 * TAP, Vitest, Jest and pytest print. Parsers are deliberately forgiving: a summary is a courtesy
 * on top of exit codes, so an unrecognised format yields null rather than an error.
 */

const MAX_FAILURES = 50;
type Failure = TestSummary["failures"][number];

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g, "");
}

function failure(name: string, message?: string): Failure {
  const trimmed = message?.trim();
  return { name: name.trim().slice(0, 500), ...(trimmed ? { message: trimmed.slice(0, 2000) } : {}) };
}

function summary(
  format: TestSummary["format"],
  passed: number,
  failed: number,
  skipped: number,
  failures: Failure[],
  total?: number,
): TestSummary {
  // Jest and Vitest repeat failing tests in a closing recap; report each once.
  const unique = [...new Map(failures.map((f) => [f.name, f])).values()];
  return { format, passed, failed, skipped, total: total ?? passed + failed + skipped, failures: unique.slice(0, MAX_FAILURES) };
}

/** Counts like "1 failed | 2 passed" or "1 failed, 2 passed" into a word -> number map. */
function counts(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const m of text.matchAll(/(\d+)\s+([a-z]+)/gi)) {
    const word = m[2]!.toLowerCase();
    found.set(word, (found.get(word) ?? 0) + Number(m[1]));
  }
  return found;
}

function lastMatch(lines: string[], pattern: RegExp): { match: RegExpMatchArray; index: number } | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = lines[i]!.match(pattern);
    if (match) return { match, index: i };
  }
  return null;
}

function nextNonEmpty(lines: string[], from: number): string | undefined {
  for (let i = from; i < Math.min(lines.length, from + 5); i++) if (lines[i]!.trim()) return lines[i];
  return undefined;
}

// ---------- JUnit XML ----------

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, "&");
}

function attributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[m[1]!] = decodeXml(m[2] ?? m[3] ?? "");
  return attrs;
}

export function looksLikeJunit(xml: string): boolean {
  return /<testsuites?[\s>]/.test(xml.slice(0, 64 * 1024));
}

export function parseJunitXml(xml: string): TestSummary | null {
  if (!looksLikeJunit(xml)) return null;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures: Failure[] = [];
  let sawCase = false;
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    sawCase = true;
    const attrs = attributes(m[1] ?? "");
    const body = m[2] ?? "";
    const problem = body.match(/<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/);
    if (problem) {
      failed++;
      const name = [attrs.classname, attrs.name].filter(Boolean).join(" > ") || "(unnamed test)";
      const details = attributes(problem[2] ?? "");
      failures.push(failure(name, details.message ?? decodeXml((problem[3] ?? "").replace(/<!\[CDATA\[|\]\]>/g, "")).split("\n")[0]));
    } else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  }
  if (sawCase) return summary("junit", passed, failed, skipped, failures);

  // Some tools only write suite totals.
  let tests = 0;
  for (const m of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attrs = attributes(m[1] ?? "");
    tests += Number(attrs.tests ?? 0);
    failed += Number(attrs.failures ?? 0) + Number(attrs.errors ?? 0);
    skipped += Number(attrs.skipped ?? attrs.disabled ?? 0);
  }
  return summary("junit", Math.max(0, tests - failed - skipped), failed, skipped, [], tests);
}

/** Several report files (e.g. one per package) into one summary. */
export function mergeSummaries(list: TestSummary[]): TestSummary | null {
  const first = list[0];
  if (!first) return null;
  const merged = list.slice(1).reduce(
    (acc, s) => ({
      ...acc,
      passed: acc.passed + s.passed,
      failed: acc.failed + s.failed,
      skipped: acc.skipped + s.skipped,
      total: acc.total + s.total,
      failures: [...acc.failures, ...s.failures],
    }),
    first,
  );
  return { ...merged, failures: merged.failures.slice(0, MAX_FAILURES) };
}

// ---------- TAP (also node --test) ----------

export function parseTap(text: string): TestSummary | null {
  const lines = stripAnsi(text).split(/\r?\n/);
  const isTap = lines.some((l) => /^TAP version \d+/.test(l) || /^\s*1\.\.\d+/.test(l));
  if (!isTap) return null;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures: Failure[] = [];
  let sawPoint = false;
  lines.forEach((line, i) => {
    // Only top-level points: indented ones are subtests, already reflected in their parent.
    const m = line.match(/^(not ok|ok)\b\s*\d*\s*(?:-\s*)?(.*?)(?:\s+#\s*(SKIP|TODO)\b.*)?$/i);
    if (!m) return;
    sawPoint = true;
    const directive = m[3]?.toUpperCase();
    if (directive) skipped++;
    else if (m[1] === "ok") passed++;
    else {
      failed++;
      failures.push(failure(m[2] || `test ${i}`, tapMessage(lines, i + 1)));
    }
  });
  // node --test prints totals that include subtests; prefer them when present.
  const comment = (word: string) => lastMatch(lines, new RegExp(`^#\\s*${word}\\s+(\\d+)\\s*$`))?.match[1];
  const [tests, pass, fail, skip, todo] = ["tests", "pass", "fail", "skipped", "todo"].map((w) => comment(w));
  if (tests !== undefined && pass !== undefined && fail !== undefined) {
    const skippedTotal = Number(skip ?? 0) + Number(todo ?? 0);
    return summary("tap", Number(pass), Number(fail), skippedTotal, failures, Number(tests));
  }
  return sawPoint ? summary("tap", passed, failed, skipped, failures) : null;
}

function tapMessage(lines: string[], from: number): string | undefined {
  if (!/^\s+---\s*$/.test(lines[from] ?? "")) return undefined;
  for (let i = from + 1; i < lines.length && !/^\s+\.\.\.\s*$/.test(lines[i]!); i++) {
    const m = lines[i]!.match(/^\s+(?:message|error):\s*['"]?(.*?)['"]?\s*$/);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

// ---------- Vitest ----------

export function parseVitest(text: string): TestSummary | null {
  const lines = stripAnsi(text).split(/\r?\n/);
  const found = lastMatch(lines, /^\s*Tests\s+(\d+ [a-z]+\b.*?)\s+\((\d+)\)\s*$/);
  if (!found) return null;
  const c = counts(found.match[1]!);
  const failures: Failure[] = [];
  lines.forEach((line, i) => {
    const m = line.match(/^\s*FAIL\s+(.+?)\s*$/);
    if (m && !/\[.*\]$/.test(m[1]!)) failures.push(failure(m[1]!, nextNonEmpty(lines, i + 1)));
  });
  const skipped = (c.get("skipped") ?? 0) + (c.get("todo") ?? 0);
  return summary("vitest", c.get("passed") ?? 0, c.get("failed") ?? 0, skipped, failures, Number(found.match[2]));
}

// ---------- Jest ----------

export function parseJest(text: string): TestSummary | null {
  const lines = stripAnsi(text).split(/\r?\n/);
  const found = lastMatch(lines, /^\s*Tests:\s+(.*\d+\s+total)\s*$/);
  if (!found) return null;
  const c = counts(found.match[1]!);
  const failures: Failure[] = [];
  lines.forEach((line, i) => {
    const m = line.match(/^\s*●\s+(.+?)\s*$/);
    if (m && !/^Console\b/.test(m[1]!) && !/^Test suite failed to run/.test(m[1]!))
      failures.push(failure(m[1]!, nextNonEmpty(lines, i + 1)));
  });
  const skipped = (c.get("skipped") ?? 0) + (c.get("todo") ?? 0) + (c.get("pending") ?? 0);
  return summary("jest", c.get("passed") ?? 0, c.get("failed") ?? 0, skipped, failures, c.get("total"));
}

// ---------- pytest ----------

export function parsePytest(text: string): TestSummary | null {
  const lines = stripAnsi(text).split(/\r?\n/);
  const found = lastMatch(lines, /^(?:=+\s+)?((?:\d+\s+[a-z]+(?:,\s+)?)+)\s+in\s+[\d.]+s(?:\s+\([^)]*\))?(?:\s+=+)?\s*$/);
  if (!found) return null;
  const c = counts(found.match[1]!);
  const failures: Failure[] = [];
  for (const line of lines) {
    const m = line.match(/^(?:FAILED|ERROR)\s+(\S+)(?:\s+-\s+(.*))?$/);
    if (m) failures.push(failure(m[1]!, m[2]));
  }
  const failed = (c.get("failed") ?? 0) + (c.get("error") ?? 0) + (c.get("errors") ?? 0);
  const passed = (c.get("passed") ?? 0) + (c.get("xpassed") ?? 0);
  const skipped = (c.get("skipped") ?? 0) + (c.get("xfailed") ?? 0);
  return summary("pytest", passed, failed, skipped, failures);
}

/** The first format that recognises the output. Their summary lines do not overlap. */
export function parseTestOutput(text: string): TestSummary | null {
  return parseJest(text) ?? parseVitest(text) ?? parsePytest(text) ?? parseTap(text);
}
