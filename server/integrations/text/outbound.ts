/**
 * Text Jace sends to a chat channel (Slack today; Telegram and GitHub next) often comes from a model
 * or a person, so it is untrusted: it may carry terminal escapes, bidi overrides that disguise what
 * a reader sees, or mentions that would ping a whole channel. Channels clean it here, then escape it
 * for their own markup (see `slackEscape`), then fit it to their size limits with `truncate`.
 */

/**
 * C0 controls except tab and newline, DEL, C1 controls, and the invisible characters that change
 * how text reads (bidi embeddings, overrides and isolates, zero-width and BOM, line/paragraph
 * separators that some clients break on and others show as boxes).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g;
/** ANSI/VT escape sequences (colours, cursor moves) as test runners and CLIs print them. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g;

/** Untrusted text made plain: escapes and control characters gone, line ends as `\n`. */
export function cleanText(text: string): string {
  return text.replace(ANSI, "").replace(/\r\n?/g, "\n").replace(UNSAFE, "");
}

/**
 * At most `max` UTF-16 units, ending with `suffix` when cut (`suffix` counts toward `max`). The cut
 * never leaves half a surrogate pair or half a `&...;` entity of escaped markup.
 */
export function truncate(text: string, max: number, suffix = "…"): string {
  if (text.length <= max) return text;
  return text.slice(0, safeCut(text, Math.max(0, max - suffix.length))) + suffix;
}

/** `end`, moved back so that text.slice(0, end) ends on a whole character and a whole entity. */
function safeCut(text: string, end: number): number {
  const amp = text.lastIndexOf("&", end - 1);
  if (amp >= 0 && end - amp < 8 && !text.slice(amp, end).includes(";") && /^&#?\w*$/.test(text.slice(amp, end))) end = amp;
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

/**
 * Splits text into pieces of at most `max` units, preferring line ends, then spaces, and never
 * inside a `&...;` entity of escaped markup or a surrogate pair.
 */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf("\n", max);
    if (cut < max / 2) cut = rest.lastIndexOf(" ", max);
    const broken = cut < max / 2;
    if (broken) cut = safeCut(rest, max) || max; // a limit shorter than an entity cuts it rather than loop
    parts.push(rest.slice(0, cut));
    rest = rest.slice(broken ? cut : cut + 1);
  }
  if (rest) parts.push(rest);
  return parts;
}

/**
 * Slack mrkdwn from untrusted text: cleaned, `&`, `<` and `>` escaped (so `<!channel>`, `<@U123>`
 * and `<url|label>` stay literal), and the bare words Slack may still expand to a broadcast
 * (`@channel`, `@here`, `@everyone`) broken with a word joiner so they read the same but ping no one.
 */
export function slackEscape(text: string): string {
  return cleanText(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@(channel|here|everyone)\b/gi, "@\u2060$1");
}
