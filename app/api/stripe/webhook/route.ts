import { readText } from "@/server/api/rest-input";
import { getDb } from "@/server/db";
import { errorResponse, newRequestId } from "@/server/errors";
import { handleStripeEvent } from "@/server/features/billing/webhooks";
import { verifyWebhook } from "@/server/integrations/stripe";
import { logger } from "@/server/logger";

/** Stripe's events are small; anything larger is not from Stripe. */
const MAX_EVENT_BYTES = 512 * 1024;

/**
 * POST /api/stripe/webhook: Stripe's signed events. A bad or stale signature gets 401 and nothing
 * is stored; a replayed event is acknowledged and ignored; one still being processed gets 409.
 */
export async function POST(req: Request): Promise<Response> {
  const requestId = newRequestId();
  const log = logger.child({ requestId, component: "stripe-webhook" });
  try {
    const raw = await readText(req, MAX_EVENT_BYTES);
    const event = verifyWebhook(raw, req.headers.get("stripe-signature"));
    const outcome = await handleStripeEvent(getDb(), event);
    log.info({ eventId: event.id, type: event.type, ...outcome }, "stripe event");
    // Another delivery of this event is being processed right now: a non-2xx makes Stripe retry
    // later, when it is either done (duplicate) or its claim has gone stale and is taken again.
    if (outcome.status === "in_progress") return Response.json({ received: false, ...outcome }, { status: 409 });
    return Response.json({ received: true, ...outcome });
  } catch (error) {
    return errorResponse(error, requestId, (err) => log.error({ err }, "stripe webhook failed"));
  }
}
