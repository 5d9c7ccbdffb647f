// `prisma generate` without network access. The Prisma 7 CLI insists on resolving a native
// schema-engine binary, which it would download from Prisma's host; generation never runs it,
// so a stub executable satisfies the check. The client itself needs no engine (driver adapters).
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "jace-prisma-"));
const stub = join(dir, "schema-engine");
writeFileSync(stub, "#!/bin/sh\nexit 0\n");
chmodSync(stub, 0o755);
try {
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "generate", ...process.argv.slice(2)], {
    stdio: "inherit",
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? stub,
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
    },
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
