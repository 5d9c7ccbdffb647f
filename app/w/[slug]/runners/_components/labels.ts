const MAX_LABELS = 20;
const MAX_LENGTH = 50;
const pattern = /^[a-z0-9][a-z0-9._-]*$/;

export type ParsedLabels = { labels: string[]; error: string | null };

/**
 * Reads a comma-separated list the way the server will store it (trimmed, lowercased, no
 * duplicates), and explains the first problem in words a person can act on.
 */
export function parseLabels(text: string): ParsedLabels {
  const labels = [
    ...new Set(
      text
        .split(",")
        .map((l) => l.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  for (const label of labels) {
    if (/\s/.test(label)) return { labels, error: `“${label}” has a space. Separate labels with commas, or use a dash (rtx-2070).` };
    if (label.length > MAX_LENGTH) return { labels, error: `“${label.slice(0, 20)}…” is too long: ${MAX_LENGTH} characters at most.` };
    if (!pattern.test(label)) {
      return {
        labels,
        error: `“${label}” is not a valid label. Use lowercase letters, digits, dots, dashes and underscores, starting with a letter or digit.`,
      };
    }
  }
  if (labels.length > MAX_LABELS) return { labels, error: `That is ${labels.length} labels; a runner can have ${MAX_LABELS} at most.` };
  return { labels, error: null };
}
