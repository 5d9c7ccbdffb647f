import { lstat, readdir, readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, sep } from "node:path";
import type { Artifact } from "../protocol";
import { looksLikeJunit } from "./test-summary";

/**
 * Reading files the steps produced. The runner reads them outside the sandbox, so every path is
 * resolved with symlinks followed and must stay inside the checkout: a step could otherwise plant
 * `report.xml -> /home/runner/.ssh/id_ed25519` and have the runner upload it.
 */

async function insideCheckout(checkoutDir: string, relative: string): Promise<string | null> {
  if (!relative || isAbsolute(relative)) return null;
  const root = await realpath(checkoutDir);
  const resolved = await realpath(join(root, relative)).catch(() => null);
  if (!resolved || !(resolved === root || resolved.startsWith(root + sep))) return null;
  return resolved;
}

export type ArtifactRead = { artifact: Artifact } | { problem: string };

export async function readArtifact(checkoutDir: string, relative: string, maxBytes: number): Promise<ArtifactRead> {
  const path = await insideCheckout(checkoutDir, relative);
  if (!path) return { problem: `artifact "${relative}" was not found in the checkout` };
  const info = await stat(path);
  if (!info.isFile()) return { problem: `artifact "${relative}" is not a regular file` };
  if (info.size > maxBytes) return { problem: `artifact "${relative}" is ${info.size} bytes, over the limit of ${maxBytes}` };
  const content = await readFile(path);
  return { artifact: { name: relative, bytes: content.length, contentBase64: content.toString("base64") } };
}

export function artifactFromBytes(name: string, content: Buffer, maxBytes: number): ArtifactRead {
  if (content.length > maxBytes) return { problem: `artifact "${name}" is ${content.length} bytes, over the limit of ${maxBytes}` };
  return { artifact: { name, bytes: content.length, contentBase64: content.toString("base64") } };
}

const SKIP_DIRS = new Set([".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".cache"]);
const MAX_REPORT_BYTES = 20 * 1024 * 1024;

/**
 * JUnit XML files written by the steps (modified at or after `since`), so committed fixtures are not
 * mistaken for results. The walk is bounded; symlinks are not followed.
 */
export async function findJunitReports(
  checkoutDir: string,
  since: number,
  limits = { maxEntries: 20_000, maxDepth: 8, maxReports: 50 },
): Promise<string[]> {
  const reports: string[] = [];
  let entries = 0;
  const queue: { dir: string; depth: number }[] = [{ dir: checkoutDir, depth: 0 }];
  while (queue.length > 0 && entries < limits.maxEntries && reports.length < limits.maxReports) {
    const { dir, depth } = queue.shift()!;
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (++entries > limits.maxEntries) break;
      const path = join(dir, name);
      const info = await lstat(path).catch(() => null);
      if (!info) continue;
      if (info.isDirectory()) {
        if (depth < limits.maxDepth && !SKIP_DIRS.has(name)) queue.push({ dir: path, depth: depth + 1 });
      } else if (info.isFile() && name.toLowerCase().endsWith(".xml") && info.mtimeMs >= since && info.size <= MAX_REPORT_BYTES) {
        const text = await readFile(path, "utf8").catch(() => "");
        if (looksLikeJunit(text)) reports.push(text);
      }
    }
  }
  return reports;
}
