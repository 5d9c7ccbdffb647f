import { assertValidCel } from "./cel";
import type { ExecutorContext } from "./context";
import { nextCronTime, parseCron } from "./cron";
import { inBandSyncResponse, type FunctionConfig } from "./protocol";
import { canonicalJson, signBody } from "./signing";
import { tx } from "./state";

/** Validates what we will evaluate later, so a bad expression fails the sync, not a run. */
function check(fn: FunctionConfig): void {
  for (const t of fn.triggers) {
    if ("cron" in t) parseCron(t.cron);
    else if (t.expression) assertValidCel(t.expression);
  }
  for (const c of fn.cancel ?? []) if (c.if) assertValidCel(c.if);
  if (fn.idempotency) assertValidCel(fn.idempotency);
}

/**
 * In-band sync: a signed PUT with `x-inngest-sync-kind: in_band` makes the SDK answer with its
 * function configs directly (no call back to an Inngest API). Functions the app no longer serves
 * are removed; cron schedules keep their next fire time across syncs.
 */
export async function syncApp(ctx: ExecutorContext): Promise<FunctionConfig[]> {
  const body = canonicalJson({ url: ctx.serveUrl });
  const res = await fetch(ctx.serveUrl, {
    method: "PUT",
    body,
    headers: {
      "content-type": "application/json",
      "x-inngest-sync-kind": "in_band",
      "x-inngest-signature": signBody(body, ctx.signingKey),
    },
    signal: AbortSignal.timeout(ctx.requestTimeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`In-band sync with ${ctx.serveUrl} failed with HTTP ${res.status}: ${text.slice(0, 300)}`);
  if (res.headers.get("x-inngest-sync-kind") !== "in_band") {
    throw new Error(`${ctx.serveUrl} did not answer the in-band sync (is INNGEST_ALLOW_IN_BAND_SYNC disabled?)`);
  }
  const app = inBandSyncResponse.parse(JSON.parse(text));
  app.functions.forEach(check);
  const now = ctx.clock.now();
  await tx(ctx.pool, async (c) => {
    await c.query("SELECT pg_advisory_xact_lock(hashtext('inngest_executor.sync'))");
    const ids = app.functions.map((f) => f.id);
    await c.query("DELETE FROM inngest_executor.functions WHERE app_id = $1 AND NOT (id = ANY($2::text[]))", [app.app_id, ids]);
    for (const fn of app.functions) {
      await c.query(
        `INSERT INTO inngest_executor.functions (id, app_id, config, synced_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET app_id = EXCLUDED.app_id, config = EXCLUDED.config, synced_at = EXCLUDED.synced_at`,
        [fn.id, app.app_id, JSON.stringify(fn), now],
      );
      const crons = fn.triggers.flatMap((t) => ("cron" in t ? [t.cron] : []));
      await c.query("DELETE FROM inngest_executor.crons WHERE function_id = $1 AND NOT (cron = ANY($2::text[]))", [fn.id, crons]);
      for (const cron of crons) {
        await c.query("INSERT INTO inngest_executor.crons (function_id, cron, next_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [
          fn.id,
          cron,
          nextCronTime(parseCron(cron), now),
        ]);
      }
    }
    await c.query("DELETE FROM inngest_executor.crons WHERE function_id NOT IN (SELECT id FROM inngest_executor.functions)");
  });
  return app.functions;
}
