import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyGguf } from "../scripts/make-tiny-gguf";
import { addModel, defaultModelId, listModels, pullModel, REGISTRY_FILE, resolveModel } from "./models";

let root: string;
let tinyPath: string;
let tiny: Buffer;
let tinySha: string;
let server: Server;
let baseUrl: string;
let fresh = 0;
const newDir = () => join(root, `models-${++fresh}`);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jace-models-test-"));
  tinyPath = join(root, "Tiny-Model.Q8.gguf");
  await writeTinyGguf(tinyPath, { seed: 2 });
  tiny = readFileSync(tinyPath);
  tinySha = createHash("sha256").update(tiny).digest("hex");
  server = createServer((req, res) => {
    if (req.url?.startsWith("/files/tiny.gguf")) res.writeHead(200, { "content-length": tiny.length }).end(tiny);
    else if (req.url === "/files/short.gguf") {
      // Announces the full size, sends half, then drops the connection.
      res.writeHead(200, { "content-length": tiny.length });
      res.write(tiny.subarray(0, tiny.length / 2), () => res.destroy());
    } else res.writeHead(404).end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

describe("models directory", () => {
  it("derives ids from file names", () => {
    expect(defaultModelId("Llama-3.2-3B-Instruct-Q4_K_M.gguf")).toBe("llama-3.2-3b-instruct-q4_k_m");
    expect(defaultModelId("My Model (v2).GGUF")).toBe("my-model-v2-");
  });

  it("lists nothing for a missing directory", async () => {
    expect(await listModels(join(root, "nope"))).toEqual([]);
  });

  it("adds a local model with its checksum, and lists it from the header", async () => {
    const dir = newDir();
    const info = await addModel(dir, tinyPath);
    expect(info).toEqual({ id: "tiny-model.q8", sizeBytes: tiny.length, quantization: "F32", contextLength: 2048, sha256: tinySha });
    expect(await listModels(dir)).toEqual([info]);
    expect(readFileSync(join(dir, "tiny-model.q8.gguf")).equals(tiny)).toBe(true);
    const registry = JSON.parse(readFileSync(join(dir, REGISTRY_FILE), "utf8"));
    expect(registry.models["tiny-model.q8"]).toMatchObject({ file: "tiny-model.q8.gguf", sha256: tinySha, sizeBytes: tiny.length });
    expect(await resolveModel(dir, "tiny-model.q8")).toEqual({ path: join(dir, "tiny-model.q8.gguf"), sizeBytes: tiny.length });
    expect(await resolveModel(dir, "other")).toBeNull();

    await expect(addModel(dir, tinyPath)).resolves.toMatchObject({ id: "tiny-model.q8" }); // same file: idempotent
    const copy = join(root, "copy.gguf");
    writeFileSync(copy, tiny);
    await expect(addModel(dir, copy, { id: "tiny-model.q8" })).rejects.toThrow('model "tiny-model.q8" already exists');
    await expect(addModel(dir, copy, { id: "Bad Id" })).rejects.toThrow("invalid model id");
  });

  it("refuses a file that is not GGUF", async () => {
    const junk = join(root, "junk.gguf");
    writeFileSync(junk, "<html>login page</html>");
    await expect(addModel(newDir(), junk)).rejects.toThrow("is not a usable GGUF model");
  });

  it("lists files dropped in by hand without a checksum and skips invalid ones", async () => {
    const dir = newDir();
    await addModel(dir, tinyPath, { id: "registered" });
    writeFileSync(join(dir, "Hand-Copied.gguf"), tiny);
    writeFileSync(join(dir, "broken.gguf"), "nope");
    writeFileSync(join(dir, "notes.txt"), "hi");
    const invalid: string[] = [];
    const models = await listModels(dir, { onInvalid: (file) => invalid.push(file) });
    expect(models.map((m) => [m.id, m.sha256])).toEqual([
      ["hand-copied", null],
      ["registered", tinySha],
    ]);
    expect(invalid).toEqual(["broken.gguf"]);
  });

  describe("pullModel", () => {
    it("downloads with progress, verifies the checksum and registers the model", async () => {
      const dir = newDir();
      const progress: { receivedBytes: number; totalBytes: number | null }[] = [];
      const info = await pullModel(dir, `${baseUrl}/files/tiny.gguf?signature=secret`, {
        sha256: tinySha,
        onProgress: (p) => progress.push(p),
      });
      expect(info).toMatchObject({ id: "tiny", sha256: tinySha, sizeBytes: tiny.length });
      expect(progress.at(-1)).toEqual({ receivedBytes: tiny.length, totalBytes: tiny.length });
      expect(readdirSync(dir).sort()).toEqual([REGISTRY_FILE, "tiny.gguf"]);
      const registry = readFileSync(join(dir, REGISTRY_FILE), "utf8");
      expect(registry).toContain(`${baseUrl}/files/tiny.gguf`);
      expect(registry).not.toContain("secret");
    });

    it("leaves nothing behind when the checksum is wrong", async () => {
      const dir = newDir();
      await expect(pullModel(dir, `${baseUrl}/files/tiny.gguf`, { sha256: "0".repeat(64) })).rejects.toThrow("checksum mismatch");
      expect(readdirSync(dir)).toEqual([]);
    });

    it("rejects a size mismatch, a truncated transfer and HTTP errors", async () => {
      const dir = newDir();
      await expect(pullModel(dir, `${baseUrl}/files/tiny.gguf`, { expectedSize: 1234 })).rejects.toThrow("size mismatch");
      await expect(pullModel(dir, `${baseUrl}/files/short.gguf`)).rejects.toThrow();
      await expect(pullModel(dir, `${baseUrl}/files/missing.gguf`)).rejects.toThrow("HTTP 404");
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});
