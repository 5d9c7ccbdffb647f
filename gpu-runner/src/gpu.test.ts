import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyGguf } from "../scripts/make-tiny-gguf";
import { detectCapabilities, doctorReport, gpuChecks } from "./gpu";
import { bwrapProber, type BwrapProbe } from "./jobs/bwrap-probe";

let root: string;
let modelsDir: string;
let bwrap: BwrapProbe;

beforeAll(async () => {
  // On a loaded machine the first probe may time out; the comparisons below need the settled answer.
  bwrap = await bwrapProber.settled();
  root = mkdtempSync(join(tmpdir(), "jace-gpu-test-"));
  modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  await writeTinyGguf(join(modelsDir, "tiny.gguf"));
}, 180_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

const base = { labels: ["gpu", "rtx-2070"], maxConcurrentJobs: 2, runnerVersion: "0.1.0" };

describe("detectCapabilities", () => {
  it("reports this machine: backend, CPU, RAM, models and working sandboxes", async () => {
    const caps = await detectCapabilities({ ...base, modelsDir, allowUnsandboxed: false });
    expect(["cuda", "vulkan", "metal", "cpu"]).toContain(caps.backend);
    if (caps.backend === "cpu") expect(caps.gpus).toEqual([]);
    else expect(caps.gpus.length).toBeGreaterThan(0);
    expect(caps.cpu.cores).toBeGreaterThan(0);
    expect(caps.ramBytes).toBeGreaterThan(0);
    expect(caps.models).toEqual([expect.objectContaining({ id: "tiny", quantization: "F32", contextLength: 2048 })]);
    expect(caps.labels).toEqual(base.labels);
    expect(caps.sandboxes).toEqual(bwrap.available ? ["bwrap"] : []);
  });

  it("offers unsandboxed runs only when the operator allowed them", async () => {
    const caps = await detectCapabilities({ ...base, modelsDir, allowUnsandboxed: true });
    expect(caps.sandboxes.at(-1)).toBe("none");
  });
});

describe("doctorReport", () => {
  it("checks llama.cpp, GPU, sandbox and models", async () => {
    const checks = await doctorReport({ modelsDir });
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(["llama.cpp", "GPU", "sandbox", "models directory", "models"]));
    expect(byName["llama.cpp"]!.ok).toBe(true);
    expect(byName.models).toMatchObject({ ok: true, detail: "1 model(s): tiny [F32]" });
    expect(byName.sandbox!.ok).toBe(bwrap.available);
    for (const check of checks) if (!check.ok) expect(check.hint).toBeTruthy();
  });

  it("says how to create a missing models directory", async () => {
    const missing = join(root, "absent");
    const checks = await doctorReport({ modelsDir: missing });
    expect(checks.find((c) => c.name === "models directory")).toMatchObject({
      ok: false,
      hint: expect.stringContaining(`mkdir -p ${missing}`),
    });
    expect(checks.find((c) => c.name === "models")).toMatchObject({ ok: false, detail: "no models found" });
  });
});

describe("gpuChecks", () => {
  const rtx2070 = { name: "NVIDIA GeForce RTX 2070", driver: "535.183.01", computeCap: "7.5" };

  it("explains an RTX 2070 that llama.cpp could not use: CUDA 12.4+/driver 550, PTX JIT, Vulkan", () => {
    const checks = gpuChecks({ backend: "cpu", gpus: [], error: null }, [rtx2070]);
    const gpu = checks.find((c) => c.name === "GPU")!;
    expect(gpu).toMatchObject({
      ok: false,
      detail: expect.stringContaining("RTX 2070 (driver 535.183.01) but llama.cpp fell back to the CPU"),
    });
    expect(gpu.hint).toContain("CUDA 12.4+");
    const turing = checks.find((c) => c.name === "CUDA on Turing (sm_75)")!;
    expect(turing.ok).toBe(false);
    expect(turing.hint).toMatch(/550 or newer.*JIT-compiles PTX.*--gpu vulkan/s);
  });

  it("passes a working CUDA setup on Turing but still warns about the slow first load", () => {
    const gpu = { name: "NVIDIA GeForce RTX 2070", vramTotalBytes: 8 * 1024 ** 3, vramFreeBytes: 7 * 1024 ** 3 };
    const checks = gpuChecks({ backend: "cuda", gpus: [gpu], error: null }, [{ ...rtx2070, driver: "560.35.03" }]);
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ["llama.cpp", true],
      ["GPU", true],
      ["VRAM", true],
      ["CUDA on Turing (sm_75)", true],
    ]);
    expect(checks.find((c) => c.name === "VRAM")!.detail).toBe("7.0 GiB free of 8.0 GiB");
    expect(checks.at(-1)!.hint).toContain("first model load");
  });

  it("recognises Turing cards by name when nvidia-smi cannot report the compute capability", () => {
    const checks = gpuChecks({ backend: "cpu", gpus: [], error: null }, [
      { name: "NVIDIA GeForce RTX 2070 SUPER", driver: "470.1", computeCap: null },
    ]);
    expect(checks.some((c) => c.name === "CUDA on Turing (sm_75)")).toBe(true);
    const ampere = gpuChecks({ backend: "cpu", gpus: [], error: null }, [
      { name: "NVIDIA GeForce RTX 3090", driver: "550.1", computeCap: "8.6" },
    ]);
    expect(ampere.some((c) => c.name === "CUDA on Turing (sm_75)")).toBe(false);
  });
});
