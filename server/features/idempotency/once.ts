import { createHash } from "node:crypto";
import superjson from "superjson";
import type { z } from "zod";
import { idempotencyKey } from "@/server/api/rest-schemas";
import { decryptSecret, encryptSecret } from "@/server/crypto";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";

/**
 * One key per form instance, in the REST API's Idempotency-Key format (a UUID in practice).
 * Optional: a submission without one creates as before.
 */
export { idempotencyKey };

export type Submission = {
  /** The operation and its tenant, e.g. `projects.create:<workspaceId>`. */
  scope: string;
  userId: string;
  key: string | undefined;
  /** What was asked for, without the key: a repeat with other input is refused. */
  input: unknown;
};

/** A first submission that has not answered in this long is taken to have died with its process. */
const ABANDONED_MS = 2 * 60_000;
/** How long a response is kept for repeats. */
const KEPT_MS = 24 * 60 * 60_000;
/** How long a repeat waits for the first submission still running before giving up. */
const WAIT_MS = 15_000;
const POLL_MS = 50;

/** JSON with object keys sorted, so the same input always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export const inputHash = (input: unknown): string => createHash("sha256").update(canonical(input)).digest("hex");

const reusedKey = () =>
  new AppError("UNPROCESSABLE", "This form was already submitted with different values. Reload the page to submit a new one.");

/** Claims the key; returns the claim's id, or null when another submission holds it. */
async function claim(db: Db, s: Submission & { key: string }, hash: string): Promise<string | null> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "IdempotentRequest" AS r (id, scope, "userId", key, "inputHash", "createdAt")
    VALUES (${`idem_${crypto.randomUUID()}`}, ${s.scope}, ${s.userId}, ${s.key}, ${hash}, now())
    ON CONFLICT (scope, "userId", key) DO UPDATE
       SET "inputHash" = excluded."inputHash", response = NULL, "createdAt" = now(), id = excluded.id
     WHERE (r.response IS NULL AND r."createdAt" < now() - ${ABANDONED_MS} * interval '1 millisecond')
        OR r."createdAt" < now() - ${KEPT_MS} * interval '1 millisecond'
    RETURNING r.id`;
  return rows[0]?.id ?? null;
}

/**
 * Runs `create` once per (scope, user, key): a repeat of the key gets the first response back (also
 * while the first is still running: it waits for it), a repeat with other input is refused, and a
 * first submission that failed leaves no trace, so the form can be corrected and sent again.
 * `output` parses the stored response on the way back. The response is sealed at rest because some
 * (API keys, enrollment commands) carry a secret shown once.
 */
export async function once<T>(db: Db, s: Submission, output: z.ZodType<T>, create: () => Promise<T>): Promise<T> {
  if (!s.key) return create();
  const sub = { ...s, key: s.key };
  const hash = inputHash(s.input);
  const aad = `${s.scope}:${s.userId}:${s.key}`;
  const deadline = Date.now() + WAIT_MS;
  // Responses past their keeping time go with the same person's next submission of the operation.
  await db.idempotentRequest.deleteMany({
    where: { scope: s.scope, userId: s.userId, createdAt: { lt: new Date(Date.now() - KEPT_MS) } },
  });
  for (;;) {
    const id = await claim(db, sub, hash);
    if (id) {
      let result: T;
      try {
        result = await create();
      } catch (error) {
        await db.idempotentRequest.deleteMany({ where: { id, response: null } });
        throw error;
      }
      await db.idempotentRequest.updateMany({
        where: { id },
        data: { response: encryptSecret(superjson.stringify(result), aad) },
      });
      return result;
    }
    const first = await db.idempotentRequest.findUnique({
      where: { scope_userId_key: { scope: s.scope, userId: s.userId, key: s.key } },
    });
    if (first && first.inputHash !== hash) throw reusedKey();
    if (first?.response) return output.parse(superjson.parse(decryptSecret(first.response, aad)));
    // Still running (or just failed and released: the next claim takes it).
    if (Date.now() > deadline) {
      throw new AppError("CONFLICT", "Your first submission of this form is still being processed. Reload the page in a moment.");
    }
    if (first) await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
