import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { getEnv } from "./env";

/**
 * Secrets at rest (bot tokens, OAuth tokens, provider keys) are sealed with AES-256-GCM.
 * Format: `v1.<iv>.<tag>.<ciphertext>`, each part base64url; the version prefix leaves room for
 * key rotation. The key comes from APP_ENCRYPTION_KEY (generated into DATA_DIR in development).
 */

const VERSION = "v1";

function key(): Buffer {
  const value = getEnv().APP_ENCRYPTION_KEY;
  if (!value) throw new Error("APP_ENCRYPTION_KEY is not set");
  return Buffer.from(value, "base64");
}

export function encryptSecret(plaintext: string, aad?: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  if (aad) cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".");
}

/** `aad` binds a ciphertext to its owner (e.g. a workspace id) so it cannot be moved to another row. */
export function decryptSecret(sealed: string, aad?: string): string {
  const [version, iv, tag, data] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || data === undefined) throw new Error("Unrecognised secret format");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
  if (aad) decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
}

/** Tokens handed to people (API keys, invitation links) are stored as SHA-256 hashes only. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function generateEncryptionKey(): string {
  return randomBytes(32).toString("base64");
}
