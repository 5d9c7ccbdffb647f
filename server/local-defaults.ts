import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { generateEncryptionKey } from "./crypto";

/**
 * Secrets a single machine needs but a newcomer should not have to invent: generated once into
 * DATA_DIR/secrets.json (mode 0600) and reused on every start. Production must set AUTH_SECRET and
 * APP_ENCRYPTION_KEY explicitly (server/env.ts enforces it); the embedded database password is
 * generated in every mode, since it never leaves the machine.
 */
const localSecrets = z.object({
  AUTH_SECRET: z.string().min(32),
  APP_ENCRYPTION_KEY: z.string(),
  EMBEDDED_PG_PASSWORD: z.string().min(16),
});

export type LocalSecrets = z.infer<typeof localSecrets>;

export function loadLocalSecrets(dataDir: string): LocalSecrets {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "secrets.json");
  if (existsSync(file)) {
    const parsed = localSecrets.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (parsed.success) return parsed.data;
    throw new Error(`${file} is damaged. Delete it (and ${join(dataDir, "postgres")}, whose password it holds) to start fresh.`);
  }
  const secrets: LocalSecrets = {
    AUTH_SECRET: randomBytes(33).toString("base64"),
    APP_ENCRYPTION_KEY: generateEncryptionKey(),
    EMBEDDED_PG_PASSWORD: randomBytes(18).toString("base64url"),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}
