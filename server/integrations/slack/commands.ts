import { taskInput, type TaskInput } from "@/server/features/tasks/schemas";

/**
 * `/jace <subcommand> ...` parsed into a command or a message saying what was wrong. Pure, so
 * every bad input is unit-tested without Slack.
 */
export type SlackCommand =
  | { kind: "help"; unknown?: string }
  | { kind: "task"; task: TaskInput }
  | { kind: "status"; ref?: string }
  | { kind: "decide"; decision: "approve" | "reject" | "cancel"; ref: string; reason: string }
  | { kind: "runners" }
  | { kind: "usage" }
  | { kind: "link"; projectName: string }
  | { kind: "linkCode"; code: string }
  | { kind: "invalid"; message: string };

/** Slack may wrap links as <https://x|label> or <https://x>; the command wants the URL. */
function unwrapLink(word: string): string {
  const m = /^<([^|>]+)(?:\|[^>]*)?>$/.exec(word);
  return m ? m[1]! : word;
}

const taskRef = /^#?\d{1,9}$|^[a-z0-9]{20,40}$/i;

export function parseCommand(text: string): SlackCommand {
  const trimmed = text.trim();
  const [head = "", ...rest] = trimmed.split(/\s+/);
  const sub = head.toLowerCase();
  const args = rest.join(" ");
  switch (sub) {
    case "":
    case "help":
      return { kind: "help" };
    case "ask": {
      const parsed = taskInput.safeParse({ kind: "ask", question: args });
      if (!parsed.success) return { kind: "invalid", message: "Ask a question after `ask`, e.g. `/jace ask why does CI time out?`" };
      return { kind: "task", task: parsed.data };
    }
    case "test": {
      const [rawUrl, branch, ...extra] = rest.map(unwrapLink);
      if (!rawUrl) return { kind: "invalid", message: "Give the repository to test, e.g. `/jace test https://github.com/acme/api main`." };
      if (extra.length > 0) return { kind: "invalid", message: "Use `/jace test <repo-url> [branch]`: a URL and at most one branch." };
      if (!isRepositoryUrl(rawUrl)) {
        return {
          kind: "invalid",
          message: `\`${rawUrl.slice(0, 200)}\` is not a repository URL. Use an https or git URL, e.g. \`/jace test https://github.com/acme/api main\`.`,
        };
      }
      const parsed = taskInput.safeParse({ kind: "test", repository: rawUrl, ...(branch ? { branch } : {}) });
      if (!parsed.success)
        return { kind: "invalid", message: parsed.error.issues[0]?.message ?? "That repository or branch is not valid." };
      return { kind: "task", task: parsed.data };
    }
    case "status":
      if (rest[0] && !taskRef.test(rest[0])) return { kind: "invalid", message: "Give a task number, e.g. `/jace status 42`." };
      return { kind: "status", ref: rest[0] };
    case "approve":
    case "reject":
    case "cancel": {
      const [ref, ...why] = rest;
      if (!ref || !taskRef.test(ref)) return { kind: "invalid", message: `Give the task number, e.g. \`/jace ${sub} 42\`.` };
      return { kind: "decide", decision: sub, ref, reason: why.join(" ").slice(0, 1000) };
    }
    case "runners":
      return { kind: "runners" };
    case "usage":
      return { kind: "usage" };
    case "link": {
      // The one-time code from the link page, e.g. `/jace link 1234 5678`.
      const code = rest.join("").replace(/-/g, "");
      if (!/^\d{8}$/.test(code)) {
        return { kind: "invalid", message: "Type the 8-digit code from the link page, e.g. `/jace link 1234 5678`." };
      }
      return { kind: "linkCode", code };
    }
    case "project": {
      const [verb, ...name] = rest;
      if (verb?.toLowerCase() !== "link" || name.length === 0) {
        return { kind: "invalid", message: "Use `/jace project link <project name>` to answer for a project in this channel." };
      }
      return { kind: "link", projectName: name.join(" ").slice(0, 80) };
    }
    default:
      return { kind: "help", unknown: head.slice(0, 40) };
  }
}

/** http(s) with a host and a path, git@host:path, file://, or (for local runners) an absolute path. */
export function isRepositoryUrl(value: string): boolean {
  if (/^git@[\w.-]+:[\w./-]+$/.test(value) || /^\/[\w./-]+$/.test(value)) return true;
  try {
    const url = new URL(value);
    return (
      ["https:", "http:", "file:"].includes(url.protocol) &&
      (url.protocol === "file:" || (url.hostname.includes(".") && url.pathname.length > 1))
    );
  } catch {
    return false;
  }
}
