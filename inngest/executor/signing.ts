import { createHmac } from "node:crypto";
import canonicalize from "canonicalize";

/** The SDK keys its HMAC with the signing key minus its `signkey-<env>-` prefix. */
export function stripSigningKeyPrefix(key: string): string {
  return key.replace(/^signkey-\w+-/, "");
}

/**
 * `X-Inngest-Signature` for a request body. The SDK re-serializes the parsed body as RFC 8785
 * canonical JSON before verifying, so we sign (and send) exactly that serialization.
 */
export function signBody(canonicalBody: string, signingKey: string, unixSeconds = Math.round(Date.now() / 1000)): string {
  const s = createHmac("sha256", stripSigningKeyPrefix(signingKey))
    .update(canonicalBody + String(unixSeconds))
    .digest("hex");
  return `t=${unixSeconds}&s=${s}`;
}

export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new Error("value cannot be serialized as canonical JSON");
  return out;
}
