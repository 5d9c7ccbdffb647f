import { describe, expect, it } from "vitest";
import { testCapabilities } from "./testing/protocol-client";
import { pickRunner, requirementsFor, unfitReason, type Candidate } from "./matching";

const GB = 1024 ** 3;
const model = (id: string, sizeBytes: number) => ({ id, sizeBytes, quantization: "Q4_K_M", contextLength: 4096, sha256: null });

function candidate(id: string, overrides: Partial<Candidate> & { caps?: Parameters<typeof testCapabilities>[0] } = {}): Candidate {
  return {
    runnerId: id,
    capabilities: testCapabilities(overrides.caps),
    freeSlots: overrides.freeSlots ?? 1,
    excluded: overrides.excluded ?? false,
    declined: overrides.declined ?? false,
  };
}

describe("runner matching", () => {
  const rtx2070 = { backend: "cuda" as const, gpus: [{ name: "NVIDIA GeForce RTX 2070", vramTotalBytes: 8 * GB, vramFreeBytes: 7 * GB }] };

  it("fits a model that is present and fits in VRAM", () => {
    const c = candidate("a", { caps: { ...rtx2070, models: [model("llama-8b-q4", 4.9 * GB)] } });
    expect(unfitReason({ model: "llama-8b-q4", labels: [] }, c)).toBeNull();
  });

  it("explains a model too large for the GPU", () => {
    const c = candidate("a", { caps: { ...rtx2070, models: [model("llama-70b-q4", 40 * GB)] } });
    expect(unfitReason({ model: "llama-70b-q4", labels: [] }, c)).toBe('cannot fit model "llama-70b-q4" (40.0 GB) in 8.0 GB of VRAM');
  });

  it("requires labels, a sandbox for commands, and a free slot", () => {
    expect(unfitReason({ labels: ["gpu"] }, candidate("a"))).toBe("lacks label gpu");
    expect(unfitReason({ labels: [], sandbox: "bwrap" }, candidate("a", { caps: { sandboxes: [] } }))).toBe("has no sandbox (bubblewrap)");
    expect(unfitReason({ labels: [] }, candidate("a", { freeSlots: 0 }))).toBe("is busy");
    expect(unfitReason({ labels: [] }, candidate("a", { excluded: true }))).toBe("already tried on this runner");
  });

  it("picks the runner with the most free slots and says why none fits", () => {
    const req = requirementsFor({
      kind: "inference",
      model: "tiny",
      messages: [{ role: "user", content: "x" }],
      maxTokens: 5,
      temperature: 0,
    });
    expect(pickRunner(req, [candidate("a", { freeSlots: 1 }), candidate("b", { freeSlots: 3 })])).toEqual({ runnerId: "b" });
    expect(pickRunner(req, [])).toEqual({ reason: "no runner of this workspace is online" });
    expect(pickRunner(req, [candidate("a", { freeSlots: 0 })])).toEqual({ reason: "all online runners are busy" });
    expect(pickRunner({ ...req, model: "other" }, [candidate("a")])).toEqual({ reason: 'no online runner has model "other"' });
  });

  it("passes over a runner that already tried the job while another could take it, and falls back to it otherwise", () => {
    const req = { model: "tiny", labels: [] };
    const tried = candidate("tried", { excluded: true, freeSlots: 4 });
    // Another runner fits: it takes the job, and while it is busy the job waits for it.
    expect(pickRunner(req, [tried, candidate("other", { freeSlots: 1 })])).toEqual({ runnerId: "other" });
    expect(pickRunner(req, [tried, candidate("other", { freeSlots: 0 })])).toEqual({
      reason: "no online runner fits: already tried on this runner; is busy",
    });
    // No other runner could ever take it (none online, or one without the model): the tried one does.
    expect(pickRunner(req, [tried])).toEqual({ runnerId: "tried" });
    expect(pickRunner(req, [tried, candidate("other", { caps: { models: [] } })])).toEqual({ runnerId: "tried" });
    // Tried and busy: it waits for that runner rather than failing.
    expect(pickRunner(req, [candidate("tried", { excluded: true, freeSlots: 0 })])).toEqual({ reason: "all online runners are busy" });
    // A runner that declined the job is never offered it, even when it is the only one.
    expect(pickRunner(req, [candidate("no", { declined: true })])).toEqual({ reason: "no online runner fits: declined this job" });
    expect(pickRunner(req, [candidate("no", { declined: true }), tried])).toEqual({ runnerId: "tried" });
  });
});
