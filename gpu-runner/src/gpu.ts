import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import os from "node:os";
import type { Llama } from "node-llama-cpp";
import { capabilities as capabilitiesSchema, type Capabilities, type GpuInfo, type SandboxKind } from "./protocol";
import { bwrapProber, type BwrapProbe, type BwrapProber } from "./jobs/bwrap-probe";
import { listModels } from "./models";

/**
 * What this machine offers (reported to the server on connect) and the `doctor` checks. llama.cpp
 * is loaded lazily and once: importing node-llama-cpp and getLlama() cost ~1.5 s.
 */

export type GpuPreference = "auto" | "cuda" | "vulkan" | "metal" | false;

const llamaCache = new Map<string, Promise<Llama>>();

/** The process's shared Llama instance for inspection (jobs use their own in the model process). */
export function getSharedLlama(gpu: GpuPreference = "auto"): Promise<Llama> {
  const key = String(gpu);
  let llama = llamaCache.get(key);
  if (!llama) {
    llama = import("node-llama-cpp").then(({ getLlama, LlamaLogLevel }) =>
      getLlama({ build: "never", gpu, logLevel: LlamaLogLevel.error }),
    );
    llama.catch(() => llamaCache.delete(key));
    llamaCache.set(key, llama);
  }
  return llama;
}

export type GpuState = { backend: Capabilities["backend"]; gpus: GpuInfo[]; error: string | null };

async function gpuState(gpu: GpuPreference): Promise<GpuState> {
  try {
    const llama = await getSharedLlama(gpu);
    const backend = llama.gpu || "cpu";
    if (backend === "cpu") return { backend, gpus: [], error: null };
    const [names, vram] = await Promise.all([llama.getGpuDeviceNames(), llama.getVramState()]);
    // llama.cpp reports VRAM summed over devices; split it evenly when there are several.
    const count = Math.max(1, names.length);
    const gpus = (names.length > 0 ? names : ["GPU"]).slice(0, 16).map((name) => ({
      name: name.slice(0, 200),
      vramTotalBytes: Math.floor(vram.total / count),
      vramFreeBytes: Math.floor(vram.free / count),
    }));
    return { backend, gpus, error: null };
  } catch (error) {
    return { backend: "cpu", gpus: [], error: (error as Error).message };
  }
}

async function osName(): Promise<string> {
  const release = await readFile("/etc/os-release", "utf8").catch(() => "");
  const pretty = release.match(/^PRETTY_NAME="?([^"\n]*)"?$/m)?.[1];
  return (pretty ? `${pretty} (${os.type()} ${os.release()})` : `${os.type()} ${os.release()}`).slice(0, 100);
}

export type CapabilityOptions = {
  modelsDir: string;
  labels: string[];
  maxConcurrentJobs: number;
  allowUnsandboxed: boolean;
  runnerVersion: string;
  gpu?: GpuPreference;
  /** bubblewrap's availability; the process-wide prober unless a test brings its own. */
  prober?: BwrapProber;
};

export async function detectCapabilities(opts: CapabilityOptions): Promise<Capabilities> {
  const [gpu, models, bwrap, osLabel] = await Promise.all([
    gpuState(opts.gpu ?? "auto"),
    listModels(opts.modelsDir),
    (opts.prober ?? bwrapProber).probe(),
    osName(),
  ]);
  const sandboxes: SandboxKind[] = [
    ...(bwrap.available ? (["bwrap"] as const) : []),
    ...(opts.allowUnsandboxed ? (["none"] as const) : []),
  ];
  const cpus = os.cpus();
  return capabilitiesSchema.parse({
    runnerVersion: opts.runnerVersion,
    os: osLabel,
    arch: process.arch,
    cpu: { model: (cpus[0]?.model ?? "unknown").trim().slice(0, 200), cores: Math.max(1, os.availableParallelism()) },
    ramBytes: os.totalmem(),
    backend: gpu.backend,
    gpus: gpu.gpus,
    models: models.slice(0, 200),
    labels: opts.labels,
    sandboxes,
    maxConcurrentJobs: opts.maxConcurrentJobs,
  });
}

// ---------- doctor ----------

export type DoctorCheck = { name: string; ok: boolean; detail: string; hint: string | null };

export type NvidiaGpu = { name: string; driver: string; computeCap: string | null };

/** GPUs as the NVIDIA driver sees them, independent of whether llama.cpp could use them. */
function nvidiaSmi(): Promise<NvidiaGpu[]> {
  const query = (fields: string) =>
    new Promise<string | null>((resolve) =>
      execFile("nvidia-smi", [`--query-gpu=${fields}`, "--format=csv,noheader"], { timeout: 10_000 }, (error, stdout) =>
        resolve(error ? null : stdout),
      ),
    );
  return (async () => {
    // Older drivers do not know compute_cap; retry without it.
    const out = (await query("name,driver_version,compute_cap")) ?? (await query("name,driver_version"));
    if (!out) return [];
    return out
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [name = "", driver = "", computeCap] = line.split(",").map((s) => s.trim());
        return { name, driver, computeCap: computeCap ?? null };
      });
  })();
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
/** Turing (sm_75) consumer and workstation cards, for when nvidia-smi cannot report compute_cap. */
const TURING_NAME = /RTX 20[5-8]0|GTX 16[5-6]0|Quadro RTX|TITAN RTX|Tesla T4|\bT4\b|\bT[46]00\b|T1000|T1200|T2000/i;
const VULKAN_HINT =
  "or try the Vulkan backend (--gpu vulkan or JACE_RUNNER_GPU=vulkan; needs libvulkan1 and the NVIDIA driver's Vulkan ICD, no CUDA toolkit).";

/** llama.cpp, GPU and CUDA checks from what llama.cpp and nvidia-smi report (pure, for tests). */
export function gpuChecks(gpu: GpuState, nvidia: NvidiaGpu[]): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  checks.push(
    gpu.error
      ? {
          name: "llama.cpp",
          ok: false,
          detail: `node-llama-cpp could not load a prebuilt binary: ${gpu.error}`,
          hint: "Reinstall with install scripts allowed (node-llama-cpp is listed under allowScripts in package.json), then run doctor again.",
        }
      : { name: "llama.cpp", ok: true, detail: `prebuilt binary loaded, backend ${gpu.backend}`, hint: null },
  );

  if (gpu.backend !== "cpu") {
    checks.push({ name: "GPU", ok: true, detail: `${gpu.backend}: ${gpu.gpus.map((g) => g.name).join(", ")}`, hint: null });
    const total = gpu.gpus.reduce((n, g) => n + g.vramTotalBytes, 0);
    const free = gpu.gpus.reduce((n, g) => n + g.vramFreeBytes, 0);
    checks.push({
      name: "VRAM",
      ok: total > 0,
      detail: `${gib(free)} free of ${gib(total)}`,
      hint: total > 0 ? null : "The GPU reports no VRAM; check the driver installation.",
    });
  } else if (nvidia.length > 0) {
    checks.push({
      name: "GPU",
      ok: false,
      detail: `nvidia-smi sees ${nvidia.map((g) => g.name).join(", ")} (driver ${nvidia[0]!.driver}) but llama.cpp fell back to the CPU`,
      hint: `The CUDA prebuilt needs the CUDA 12.4+ runtime and an NVIDIA driver that supports it (550 or newer); ${VULKAN_HINT}`,
    });
  } else {
    checks.push({
      name: "GPU",
      ok: false,
      detail: "no GPU detected; inference runs on the CPU, which is only practical for small models",
      hint: "Install the NVIDIA driver (and CUDA 12.4+ runtime) or Vulkan drivers, then run doctor again.",
    });
  }

  const turing = nvidia.filter((g) => g.computeCap === "7.5" || (!g.computeCap && TURING_NAME.test(g.name)));
  if (turing.length > 0) {
    const driverMajor = Number(turing[0]!.driver.split(".")[0]);
    checks.push({
      name: "CUDA on Turing (sm_75)",
      ok: gpu.backend === "cuda" && driverMajor >= 550,
      detail: `${turing.map((g) => g.name).join(", ")}, compute capability 7.5, driver ${turing[0]!.driver}`,
      hint:
        "node-llama-cpp's CUDA prebuilt needs CUDA 12.4+ and a driver of 550 or newer (older drivers cannot JIT its PTX: " +
        '"the provided PTX was compiled with an unsupported toolchain"). It ships no ready sm_75 kernels, so the first model load ' +
        "JIT-compiles PTX and can take minutes (set CUDA_CACHE_MAXSIZE=4294967296 so the compiled kernels stay cached); " +
        VULKAN_HINT,
    });
  }

  return checks;
}

const SANDBOX_HINTS: Record<Exclude<BwrapProbe["state"], "ok">, string> = {
  missing: "Install bubblewrap: apt-get install -y bubblewrap (sandboxed jobs are refused without it unless --allow-unsandboxed).",
  refused:
    "Unprivileged user namespaces look disabled: sysctl kernel.unprivileged_userns_clone=1 (Debian) or kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu 24.04+).",
  transient:
    "The check did not finish, which a busy machine causes; run doctor again. A running runner keeps retrying and reports bubblewrap once it answers.",
};

export async function doctorReport(opts: { modelsDir: string; gpu?: GpuPreference; prober?: BwrapProber }): Promise<DoctorCheck[]> {
  const [gpu, nvidia, bwrap] = await Promise.all([gpuState(opts.gpu ?? "auto"), nvidiaSmi(), (opts.prober ?? bwrapProber).probe()]);
  const checks = gpuChecks(gpu, nvidia);

  checks.push({
    name: "sandbox",
    ok: bwrap.available,
    detail: bwrap.detail,
    hint: bwrap.state === "ok" ? null : SANDBOX_HINTS[bwrap.state],
  });

  const dirInfo = await stat(opts.modelsDir).catch(() => null);
  const writable = dirInfo?.isDirectory()
    ? await access(opts.modelsDir, constants.W_OK).then(
        () => true,
        () => false,
      )
    : false;
  checks.push({
    name: "models directory",
    ok: writable,
    detail: dirInfo?.isDirectory() ? `${opts.modelsDir}${writable ? "" : " (not writable)"}` : `${opts.modelsDir} does not exist`,
    hint: writable ? null : `mkdir -p ${opts.modelsDir} and make it writable by the runner's user.`,
  });

  const invalid: string[] = [];
  const models = dirInfo?.isDirectory()
    ? await listModels(opts.modelsDir, { onInvalid: (file, reason) => invalid.push(`${file} (${reason})`) })
    : [];
  checks.push({
    name: "models",
    ok: models.length > 0 && invalid.length === 0,
    detail:
      (models.length > 0
        ? `${models.length} model(s): ${models.map((m) => `${m.id} [${m.quantization ?? "?"}]`).join(", ")}`
        : "no models found") + (invalid.length > 0 ? `; unreadable: ${invalid.join(", ")}` : ""),
    hint:
      models.length > 0 && invalid.length === 0
        ? null
        : `Put GGUF files in ${opts.modelsDir} (or add/pull one with the runner CLI); remove files that are not valid GGUF.`,
  });
  return checks;
}
