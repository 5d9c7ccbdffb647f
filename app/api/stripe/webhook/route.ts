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
 * is stored; a replayed event is acknowledged and ignored.
 */
export async function POST(req: Request): Promise<Response> {
  const requestId = newRequestId();
  const log = logger.child({ requestId, component: "stripe-webhook" });
  try {
    const raw = await readText(req, MAX_EVENT_BYTES);
    const event = verifyWebhook(raw, req.headers.get("stripe-signature"));
    const outcome = await handleStripeEvent(getDb(), event);
    log.info({ eventId: event.id, type: event.type, ...outcome }, "stripe event");
    return Response.json({ received: true, ...outcome });
  } catch (error) {
    return errorResponse(error, requestId, (err) => log.error({ err }, "stripe webhook failed"));
  }
}
