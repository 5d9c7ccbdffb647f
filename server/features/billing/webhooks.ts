import type { Db } from "@/server/db";
import type { Stripe } from "@/server/integrations/stripe";
import { logger } from "@/server/logger";
import { recordPaymentFailure, syncBilling } from "./sync";

/**
 * Stripe webhook events, each processed once: the event id is claimed first, its handler runs, and
 * the claim is marked processed. A replayed delivery of a processed event is acknowledged without
 * effect; a delivery that finds a fresh unprocessed claim (the first is still running) is told to
 * come back later; an unprocessed claim older than CLAIM_TIMEOUT_MS (its process died mid-handler)
 * is taken again. A handler that fails releases the claim so Stripe's retry processes it again.
 */

export const CLAIM_TIMEOUT_MS = 5 * 60_000;

export type WebhookOutcome = { status: "processed" | "duplicate" | "in_progress" | "ignored"; workspaceId: string | null };

type Handler = (db: Db, event: Stripe.Event) => Promise<string | null>;

const idOf = (v: string | { id: string } | null | undefined): string | null => (typeof v === "string" ? v : (v?.id ?? null));

async function workspaceForCustomer(db: Db, customer: string | null): Promise<string | null> {
  if (!customer) return null;
  const account = await db.billingAccount.findUnique({ where: { stripeCustomerId: customer }, select: { workspaceId: true } });
  return account?.workspaceId ?? null;
}

const syncCustomer: Handler = async (db, event) => {
  const object = event.data.object as { customer?: string | { id: string } | null };
  const workspaceId = await workspaceForCustomer(db, idOf(object.customer));
  if (workspaceId) await syncBilling(db, workspaceId);
  return workspaceId;
};

const handlers: Partial<Record<Stripe.Event["type"], Handler>> = {
  "checkout.session.completed": async (db, event) => {
    const session = event.data.object as Stripe.Checkout.Session;
    const customer = idOf(session.customer);
    // The session names the workspace it was started for; the customer must be that workspace's.
    const workspaceId = (await workspaceForCustomer(db, customer)) ?? null;
    if (!workspaceId) {
      logger.warn({ eventId: event.id, customer, claimed: session.client_reference_id }, "checkout for an unknown customer ignored");
      return null;
    }
    await syncBilling(db, workspaceId);
    return workspaceId;
  },
  "customer.subscription.created": syncCustomer,
  "customer.subscription.updated": syncCustomer,
  "customer.subscription.deleted": syncCustomer,
  "invoice.paid": syncCustomer,
  "invoice.payment_failed": async (db, event) => {
    const invoice = event.data.object as Stripe.Invoice;
    const workspaceId = await workspaceForCustomer(db, idOf(invoice.customer));
    if (!workspaceId) return null;
    await recordPaymentFailure(db, workspaceId);
    await syncBilling(db, workspaceId);
    return workspaceId;
  },
};

export async function handleStripeEvent(db: Db, event: Stripe.Event, now = new Date()): Promise<WebhookOutcome> {
  const stale = new Date(now.getTime() - CLAIM_TIMEOUT_MS);
  const claimed = await db.$executeRaw`
    INSERT INTO "StripeEvent" (id, type, "receivedAt") VALUES (${event.id}, ${event.type}, ${now})
    ON CONFLICT (id) DO UPDATE SET "receivedAt" = EXCLUDED."receivedAt"
     WHERE "StripeEvent"."processedAt" IS NULL AND "StripeEvent"."receivedAt" < ${stale}`;
  if (claimed === 0) {
    const seen = await db.stripeEvent.findUnique({ where: { id: event.id }, select: { processedAt: true } });
    return { status: seen?.processedAt ? "duplicate" : "in_progress", workspaceId: null };
  }
  const handler = handlers[event.type];
  if (!handler) {
    await db.stripeEvent.update({ where: { id: event.id }, data: { processedAt: new Date() } });
    return { status: "ignored", workspaceId: null };
  }
  try {
    const workspaceId = await handler(db, event);
    await db.stripeEvent.update({ where: { id: event.id }, data: { workspaceId, processedAt: new Date() } });
    return { status: "processed", workspaceId };
  } catch (err) {
    await db.stripeEvent.deleteMany({ where: { id: event.id, processedAt: null } }).catch(() => {});
    throw err;
  }
}
