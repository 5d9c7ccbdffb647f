import { generateKeyPairSync, type KeyObject } from "node:crypto";
import type { JobExecutor } from "../jobs/types";
import type { Capabilities } from "../protocol";

export const testCapabilities: Capabilities = {
  runnerVersion: "0.1.0",
  os: "linux",
  arch: "x64",
  cpu: { model: "Test CPU", cores: 4 },
  ramBytes: 8 * 1024 ** 3,
  backend: "cpu",
  gpus: [],
  models: [],
  labels: ["test"],
  sandboxes: ["bwrap"],
  maxConcurrentJobs: 1,
};

export function ed25519(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync("ed25519");
}

export const inferenceOffer = (jobId: string, timeoutMs = 60_000) => ({
  type: "job.offer",
  jobId,
  attempt: 1,
  timeoutMs,
  spec: { kind: "inference", model: "tiny", messages: [{ role: "user", content: "Say hello" }] },
});

/** A gate a fake job waits on, opened by the test. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export const zeroUsage = { promptTokens: 0, completionTokens: 0, gpuSeconds: 0, cpuSeconds: 0, wallSeconds: 0 };

export function fakeExecutor(run: JobExecutor["run"]): JobExecutor & { closed: boolean } {
  const executor = { closed: false, run, close: async () => void (executor.closed = true) };
  return executor;
}
