import { writeFile, readFile } from "node:fs/promises";
import { writeTinyGguf } from "./scripts/make-tiny-gguf";
import { createJobExecutor } from "./src/jobs";
import { inferenceSpec } from "./src/protocol";
await writeTinyGguf("/tmp/scratch/models/broken.gguf", { omitKeys: ["llama.feed_forward_length"] });
const good = await readFile("/tmp/scratch/models/Tiny-Test.gguf");
await writeFile("/tmp/scratch/models/truncated.gguf", good.subarray(0, 200_000));
const ex = createJobExecutor({ modelsDir: "/tmp/scratch/models", workDir: "/tmp/scratch/work", threads: 1, allowUnsandboxed: false, memoryBudgetBytes: 1e9 });
const ctx = (id: string) => ({ jobId: id, signal: new AbortController().signal, emitChunk: () => {}, emitProgress: () => {} });
for (const model of ["broken", "truncated", "tiny-test"]) {
  const t = Date.now();
  const r = await ex.run(inferenceSpec.parse({ kind: "inference", model, messages: [{ role: "user", content: "hello" }], maxTokens: 20 }), ctx(model));
  console.log(model, r.status, r.error, Date.now() - t, "ms");
}
await ex.close();
