import type { Capabilities, JobSpec } from "@jace/gpu-runner/protocol";

/** What a job needs from a runner, derived from its spec plus the caller's extra constraints. */
export type Requirements = { model?: string; labels: string[]; sandbox?: "bwrap" | "none" };

export function requirementsFor(spec: JobSpec, extra?: { labels?: string[]; allowUnsandboxed?: boolean }): Requirements {
  const labels = extra?.labels ?? [];
  if (spec.kind === "inference") return { model: spec.model, labels };
  return { labels, sandbox: extra?.allowUnsandboxed ? "none" : "bwrap" };
}

/** `excluded`: the runner lost this job before (a soft exclusion, see pickRunner); `declined`: it said no. */
export type Candidate = { runnerId: string; capabilities: Capabilities; freeSlots: number; excluded: boolean; declined: boolean };

/**
 * Why a runner cannot take a job, or null when it can. The reasons are shown to people when a job
 * waits ("no online runner has model x").
 */
export function unfitReason(req: Requirements, c: Candidate): string | null {
  if (c.declined) return "declined this job";
  if (c.excluded) return "already tried on this runner";
  const caps = c.capabilities;
  if (req.model) {
    const model = caps.models.find((m) => m.id === req.model);
    if (!model) return `does not have model "${req.model}"`;
    // A model larger than the biggest GPU's VRAM cannot be loaded there (warm models are evicted
    // to make room, so free VRAM is not the limit; total VRAM is).
    const vram = Math.max(0, ...caps.gpus.map((g) => g.vramTotalBytes));
    if (caps.backend !== "cpu" && vram > 0 && model.sizeBytes > vram)
      return `cannot fit model "${req.model}" (${gb(model.sizeBytes)}) in ${gb(vram)} of VRAM`;
    if (caps.backend === "cpu" && caps.ramBytes > 0 && model.sizeBytes > caps.ramBytes)
      return `cannot fit model "${req.model}" (${gb(model.sizeBytes)}) in ${gb(caps.ramBytes)} of RAM`;
  }
  const missing = req.labels.filter((l) => !caps.labels.includes(l));
  if (missing.length > 0) return `lacks label${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`;
  if (req.sandbox === "bwrap" && !caps.sandboxes.includes("bwrap")) return "has no sandbox (bubblewrap)";
  if (req.sandbox === "none" && caps.sandboxes.length === 0) return "cannot run commands";
  if (c.freeSlots <= 0) return "is busy";
  return null;
}

function gb(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/**
 * Picks the fitting runner with the most free slots (spreads load); returns the reasons otherwise.
 * A runner that lost the job before is passed over while another online runner could take it,
 * busy or not. When none could, it takes the job again: the only runner of a workspace that
 * reconnected (its network dropped, or the app instance restarted) must not leave the job to time
 * out in the queue, and a runner still running the job accepts it again without a second copy.
 * The job's maxAttempts bounds the retries. A runner that declined the job because it is stopping
 * is not offered it until it connects again (the gateway clears its declines then).
 */
export function pickRunner(req: Requirements, all: Candidate[]): { runnerId: string } | { reason: string } {
  const couldTake = (c: Candidate) => unfitReason(req, { ...c, excluded: false, freeSlots: 1 }) === null;
  const candidates = all.some((c) => !c.excluded && couldTake(c)) ? all : all.map((c) => ({ ...c, excluded: false }));
  const fitting = candidates.filter((c) => unfitReason(req, c) === null).sort((a, b) => b.freeSlots - a.freeSlots);
  if (fitting[0]) return { runnerId: fitting[0].runnerId };
  if (candidates.length === 0) return { reason: "no runner of this workspace is online" };
  const reasons = new Set(candidates.map((c) => unfitReason(req, c)));
  if (reasons.size === 1 && reasons.has("is busy")) return { reason: "all online runners are busy" };
  if (req.model && candidates.every((c) => !c.capabilities.models.some((m) => m.id === req.model))) {
    return { reason: `no online runner has model "${req.model}"` };
  }
  return { reason: `no online runner fits: ${[...reasons].filter(Boolean).join("; ")}` };
}
