import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { ExecutorContext } from "./context";
import { applyOps } from "./dispatch";
import { functionConfig, outgoingOp } from "./protocol";
import { stripSigningKeyPrefix } from "./signing";
import { lockCall, txOpenedBy, type AfterCommit } from "./state";
import { lockWaitEvents } from "./waits";

/**
 * Inngest's checkpoint API (`POST /v1/checkpoint/:runId/async`). When the executor sends
 * `ctx.fn_id` and `ctx.qi_id`, SDK v4 runs several steps in one request and reports each finished
 * step here as it goes, instead of one 206 round trip per step. Only the call that still holds
 * its lease may checkpoint; a stale one gets 409 and the SDK stops.
 */
const checkpointBody = z.looseObject({ run_id: z.uuid(), qi_id: z.string().regex(/^\d{1,18}$/), steps: z.array(outgoingOp) });

/** The SDK authenticates with `signkey-<env>-` + hex SHA-256 of the hex-decoded key. */
export function hashedSigningKey(signingKey: string): string {
  const prefix = /^signkey-\w+-/.exec(signingKey)?.[0] ?? "";
  return (
    prefix +
    createHash("sha256")
      .update(Buffer.from(stripSigningKeyPrefix(signingKey), "hex"))
      .digest("hex")
  );
}

function authorized(req: Request, signingKey: string): boolean {
  const given = Buffer.from(req.headers.get("authorization")?.replace(/^Bearer\s+/i, "") ?? "");
  const expected = Buffer.from(hashedSigningKey(signingKey));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function handleCheckpoint(ctx: ExecutorContext, req: Request, runId: string): Promise<Response> {
  if (!authorized(req, ctx.signingKey)) return Response.json({ error: "Unauthorized" }, { status: 401 });
  const body = checkpointBody.safeParse(await req.json().catch(() => undefined));
  if (!body.success || body.data.run_id !== runId) return Response.json({ error: "Invalid checkpoint body" }, { status: 400 });
  const after: AfterCommit = { failedEvents: [] };
  const status = await txOpenedBy(ctx.pool, async (c, open) => {
    await lockWaitEvents(c, open, body.data.steps); // before the run lock (lock order)
    const { run, job, config } = await lockCall(c, open, runId, { jobId: body.data.qi_id });
    const fn = config ? functionConfig.parse(config) : undefined;
    if (!run || run.status !== "running" || !job || !fn) return 409;
    await applyOps(ctx, c, run, job, fn, { headers: req.headers, ops: body.data.steps }, after, { checkpoint: true });
    return 200;
  });
  if (after.failedEvents.length) await ctx.send(after.failedEvents);
  ctx.kick();
  return status === 200 ? Response.json({ ok: true }) : Response.json({ error: "Stale dispatch" }, { status });
}
