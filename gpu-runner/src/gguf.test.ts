import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyGguf } from "../scripts/make-tiny-gguf";
import { GgufFormatError, readGgufHeader, summarizeGgufHeader } from "./gguf";

const dir = mkdtempSync(join(tmpdir(), "jace-gguf-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tiny GGUF writer and header reader", () => {
  it("writes a ~1 MB llama model whose header both our reader and node-llama-cpp's agree on", async () => {
    const path = join(dir, "tiny.gguf");
    const { sizeBytes } = await writeTinyGguf(path, { seed: 3, contextLength: 1024 });
    expect(sizeBytes).toBeGreaterThan(500_000);
    expect(sizeBytes).toBeLessThan(2_000_000);

    const header = await readGgufHeader(path);
    expect(header.version).toBe(3);
    expect(summarizeGgufHeader(header)).toEqual({ architecture: "llama", quantization: "F32", contextLength: 1024 });
    expect(header.metadata.get("tokenizer.ggml.pre")).toBe("gpt-2");
    expect(header.metadata.get("tokenizer.ggml.tokens")).toEqual({ arrayOf: 8, length: 280 });

    const { readGgufFileInfo } = await import("node-llama-cpp");
    const info = await readGgufFileInfo(path);
    expect(info.tensorInfo?.length).toBe(header.tensorCount);
    expect(info.metadata.general.architecture).toBe("llama");
    expect((info.metadata as { llama?: { context_length?: number } }).llama?.context_length).toBe(1024);
  });

  it("is deterministic per seed, from the command line too", async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const script = new URL("../scripts/make-tiny-gguf.ts", import.meta.url).pathname;
    const run = (out: string, seed: string) => promisify(execFile)(process.execPath, ["--import", tsx, script, out, "--seed", seed]);
    await run(join(dir, "a.gguf"), "5");
    await writeTinyGguf(join(dir, "b.gguf"), { seed: 5 });
    await writeTinyGguf(join(dir, "c.gguf"), { seed: 6 });
    const [a, b, c] = ["a", "b", "c"].map((n) => readFileSync(join(dir, `${n}.gguf`)));
    expect(a!.equals(b!)).toBe(true);
    expect(a!.equals(c!)).toBe(false);
  });

  it("rejects files that are not GGUF or are cut short", async () => {
    writeFileSync(join(dir, "text.gguf"), "definitely not a model");
    await expect(readGgufHeader(join(dir, "text.gguf"))).rejects.toThrow(GgufFormatError);
    const full = readFileSync(join(dir, "b.gguf"));
    writeFileSync(join(dir, "short.gguf"), full.subarray(0, 600));
    await expect(readGgufHeader(join(dir, "short.gguf"))).rejects.toThrow("unexpected end of file");
    writeFileSync(join(dir, "half.gguf"), full.subarray(0, full.length / 2));
    await expect(readGgufHeader(join(dir, "half.gguf"))).rejects.toThrow("file is truncated");
  });
});
