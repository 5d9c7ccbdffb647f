import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, link, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { z } from "zod";
import type { ModelInfo } from "./protocol";
import { GgufFormatError, readGgufHeader, summarizeGgufHeader } from "./gguf";

/**
 * The models directory: GGUF files plus `models.json`, a small registry remembering ids, checksums
 * and where each model came from. Files dropped in by hand are listed too (id from the file name,
 * no checksum), so the registry is a cache of facts, never the only source of truth.
 */

export const REGISTRY_FILE = "models.json";
const MODEL_ID = /^[a-z0-9][a-z0-9._+-]*$/;

const registryEntry = z.object({
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().nonnegative(),
  addedAt: z.string(),
  source: z.string().optional(),
});
const registrySchema = z.object({ version: z.literal(1), models: z.record(z.string(), registryEntry) });
type Registry = z.infer<typeof registrySchema>;

export class ModelError extends Error {}

/** "Llama-3.2-3B-Instruct-Q4_K_M.gguf" -> "llama-3.2-3b-instruct-q4_k_m". */
export function defaultModelId(fileName: string): string {
  return fileName
    .replace(/\.gguf$/i, "")
    .toLowerCase()
    .replace(/[^a-z0-9._+-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 200);
}

function checkId(id: string): string {
  if (!MODEL_ID.test(id) || id.length > 200)
    throw new ModelError(`invalid model id "${id}": use lowercase letters, digits, ".", "_", "+" and "-"`);
  return id;
}

async function readRegistry(modelsDir: string): Promise<Registry> {
  let raw: string;
  try {
    raw = await readFile(join(modelsDir, REGISTRY_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, models: {} };
    throw error;
  }
  const parsed = registrySchema.safeParse(JSON.parse(raw));
  if (!parsed.success)
    throw new ModelError(
      `${join(modelsDir, REGISTRY_FILE)} is malformed; fix or delete it (models will be re-registered without checksums)`,
    );
  return parsed.data;
}

async function updateRegistry(modelsDir: string, update: (registry: Registry) => void): Promise<void> {
  const registry = await readRegistry(modelsDir);
  update(registry);
  // Write-then-rename so a crash never leaves a half-written registry.
  const temp = join(modelsDir, `.${REGISTRY_FILE}.${randomBytes(4).toString("hex")}`);
  await writeFile(temp, `${JSON.stringify(registry, null, 2)}\n`);
  await rename(temp, join(modelsDir, REGISTRY_FILE));
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function describe(path: string, id: string, sha256: string | null, sizeBytes: number): Promise<ModelInfo> {
  const { quantization, contextLength } = summarizeGgufHeader(await readGgufHeader(path));
  return { id, sizeBytes, quantization, contextLength, sha256 };
}

type ModelFile = { id: string; file: string; path: string; sizeBytes: number; sha256: string | null };

async function scan(modelsDir: string): Promise<ModelFile[]> {
  let names: string[];
  try {
    names = await readdir(modelsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const registry = await readRegistry(modelsDir);
  const byFile = new Map(Object.entries(registry.models).map(([id, entry]) => [entry.file, { id, entry }]));
  const files: ModelFile[] = [];
  for (const file of names.sort()) {
    if (!/\.gguf$/i.test(file) || file.startsWith(".")) continue; // dot files are partial downloads
    const path = join(modelsDir, file);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) continue;
    const known = byFile.get(file);
    // A checksum is only trusted while the file still has the registered size; rehashing
    // multi-gigabyte files on every listing would make startup crawl.
    const sha256 = known && known.entry.sizeBytes === info.size ? known.entry.sha256 : null;
    files.push({ id: known?.id ?? defaultModelId(file), file, path, sizeBytes: info.size, sha256 });
  }
  return files;
}

/** Models in the directory, read from GGUF headers without loading them. Files that are not valid GGUF are skipped. */
export async function listModels(
  modelsDir: string,
  opts: { onInvalid?: (file: string, reason: string) => void } = {},
): Promise<ModelInfo[]> {
  const models: ModelInfo[] = [];
  const seen = new Set<string>();
  for (const m of await scan(modelsDir)) {
    if (seen.has(m.id)) continue;
    try {
      models.push(await describe(m.path, m.id, m.sha256, m.sizeBytes));
      seen.add(m.id);
    } catch (error) {
      opts.onInvalid?.(m.file, (error as Error).message);
    }
  }
  return models.sort((a, b) => a.id.localeCompare(b.id));
}

/** The file behind a model id, or null when the runner does not have it. */
export async function resolveModel(modelsDir: string, id: string): Promise<{ path: string; sizeBytes: number } | null> {
  const found = (await scan(modelsDir)).find((m) => m.id === id);
  return found ? { path: found.path, sizeBytes: found.sizeBytes } : null;
}

async function assertGguf(path: string, what: string): Promise<void> {
  try {
    await readGgufHeader(path);
  } catch (error) {
    if (error instanceof GgufFormatError) throw new ModelError(`${what} is not a usable GGUF model: ${error.message}`);
    throw error;
  }
}

async function register(modelsDir: string, id: string, path: string, source: string | undefined, sha256?: string): Promise<ModelInfo> {
  const { size } = await stat(path);
  const digest = sha256 ?? (await sha256File(path));
  await updateRegistry(modelsDir, (registry) => {
    registry.models[id] = {
      file: basename(path),
      sha256: digest,
      sizeBytes: size,
      addedAt: new Date().toISOString(),
      ...(source ? { source } : {}),
    };
  });
  return describe(path, id, digest, size);
}

/**
 * Adds a local GGUF file. It is hard-linked when on the same filesystem (no second copy of a
 * multi-gigabyte file), copied otherwise.
 */
export async function addModel(modelsDir: string, path: string, opts: { id?: string } = {}): Promise<ModelInfo> {
  await assertGguf(path, path);
  const id = checkId(opts.id ?? defaultModelId(basename(path)));
  await mkdir(modelsDir, { recursive: true });
  const dest = join(modelsDir, `${id}.gguf`);
  // Same inode: re-adding the model (or the hard link we made earlier) only refreshes the registry.
  const [destInfo, srcInfo] = await Promise.all([stat(dest).catch(() => null), stat(path)]);
  const sameFile = destInfo !== null && destInfo.ino === srcInfo.ino && destInfo.dev === srcInfo.dev;
  if (!sameFile) {
    if (destInfo) throw new ModelError(`model "${id}" already exists in ${modelsDir}; remove it first or choose another id`);
    try {
      await link(path, dest);
    } catch {
      const temp = join(modelsDir, `.${id}.gguf.partial-${randomBytes(4).toString("hex")}`);
      try {
        await copyFile(path, temp);
        await rename(temp, dest);
      } finally {
        await rm(temp, { force: true });
      }
    }
  }
  return register(modelsDir, id, dest, `file:${await realpath(path)}`);
}

export type PullProgress = { receivedBytes: number; totalBytes: number | null };

export type PullOptions = {
  id?: string;
  /** Expected hex sha256; the download is discarded when it differs. */
  sha256?: string;
  expectedSize?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Called at most every 250 ms and once at the end. */
  onProgress?: (progress: PullProgress) => void;
};

/** The URL as stored in the registry: no credentials or query (signed URLs carry tokens there). */
function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Downloads a model over HTTP(S) into a hidden temp file, verifies size, checksum and GGUF header,
 * then renames it into place. On any failure nothing is left behind.
 */
export async function pullModel(modelsDir: string, url: string, opts: PullOptions = {}): Promise<ModelInfo> {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    throw new ModelError(`cannot download ${parsed.protocol} URLs; use http(s)`);
  const id = checkId(opts.id ?? defaultModelId(decodeURIComponent(basename(parsed.pathname))));
  const expectedSha = opts.sha256?.toLowerCase();
  if (expectedSha && !/^[0-9a-f]{64}$/.test(expectedSha)) throw new ModelError("sha256 must be 64 hex characters");
  await mkdir(modelsDir, { recursive: true });
  const dest = join(modelsDir, `${id}.gguf`);
  if (await exists(dest)) throw new ModelError(`model "${id}" already exists in ${modelsDir}; remove it first or choose another id`);

  const temp = join(modelsDir, `.${id}.gguf.partial-${randomBytes(4).toString("hex")}`);
  try {
    const response = await fetch(parsed, { headers: opts.headers, signal: opts.signal, redirect: "follow" });
    if (!response.ok || !response.body) throw new ModelError(`download failed: HTTP ${response.status} from ${redactUrl(parsed)}`);
    const lengthHeader = response.headers.get("content-length");
    const totalBytes = lengthHeader ? Number(lengthHeader) : (opts.expectedSize ?? null);
    if (opts.expectedSize !== undefined && lengthHeader && Number(lengthHeader) !== opts.expectedSize) {
      throw new ModelError(`download size mismatch: server announced ${lengthHeader} bytes, expected ${opts.expectedSize}`);
    }

    const hash = createHash("sha256");
    let receivedBytes = 0;
    let lastReport = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        receivedBytes += chunk.length;
        if (opts.expectedSize !== undefined && receivedBytes > opts.expectedSize) {
          done(new ModelError(`download size mismatch: received more than the expected ${opts.expectedSize} bytes`));
          return;
        }
        hash.update(chunk);
        const now = Date.now();
        if (now - lastReport >= 250) {
          lastReport = now;
          opts.onProgress?.({ receivedBytes, totalBytes });
        }
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), meter, createWriteStream(temp, { flags: "wx" }), {
      signal: opts.signal,
    });
    opts.onProgress?.({ receivedBytes, totalBytes });

    const wanted = opts.expectedSize ?? (lengthHeader ? Number(lengthHeader) : undefined);
    if (wanted !== undefined && receivedBytes !== wanted)
      throw new ModelError(`download size mismatch: received ${receivedBytes} bytes, expected ${wanted}`);
    const digest = hash.digest("hex");
    if (expectedSha && digest !== expectedSha)
      throw new ModelError(`checksum mismatch: got sha256 ${digest}, expected ${expectedSha}; the download was discarded`);
    await assertGguf(temp, redactUrl(parsed));
    await rename(temp, dest);
    return await register(modelsDir, id, dest, redactUrl(parsed), digest);
  } finally {
    await rm(temp, { force: true });
  }
}
