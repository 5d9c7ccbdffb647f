import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { getStripe, isStripeError } from "@/server/integrations/stripe";
import { recordAudit, type UserActor } from "../audit/record";
import { isMeteredPrice, meteredPrices, planLineItems, plans, stripePrices, type PlanId } from "./plans";
import { syncBilling } from "./sync";

/** What owners do on the billing page: subscribe or change plan, open the portal, see invoices. */

function stripeFailure(err: unknown): never {
  if (isStripeError(err))
    throw new AppError("UNAVAILABLE", `Stripe refused the request: ${err.message}. Try again in a minute.`, { cause: err });
  throw err;
}

/** The workspace's Stripe customer, created on first use (one per workspace, never per user). */
export async function ensureCustomer(db: Db, workspaceId: string, actor: UserActor): Promise<string> {
  // In local mode this refuses before anything is stored.
  const stripe = getStripe();
  const account = await db.billingAccount.upsert({ where: { workspaceId }, create: { workspaceId }, update: {} });
  if (account.stripeCustomerId) return account.stripeCustomerId;
  const workspace = await db.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
  const customer = await stripe.customers
    .create(
      { name: workspace.name, email: actor.label, metadata: { workspaceId, slug: workspace.slug } },
      // Two clicks at once create one customer.
      { idempotencyKey: `jace-customer-${workspaceId}` },
    )
    .catch(stripeFailure);
  const claimed = await db.billingAccount.updateMany({
    where: { workspaceId, stripeCustomerId: null },
    data: { stripeCustomerId: customer.id },
  });
  if (claimed.count === 0) return (await db.billingAccount.findUniqueOrThrow({ where: { workspaceId } })).stripeCustomerId!;
  return customer.id;
}

export type CheckoutResult = { kind: "redirect"; url: string } | { kind: "updated"; plan: PlanId };

/**
 * Moves the workspace to a paid plan: through Checkout when it has no subscription, or by
 * changing the subscription's price in place (prorated) when it has one.
 */
export async function changePlan(
  db: Db,
  workspace: { id: string; slug: string },
  actor: UserActor,
  planId: PlanId,
): Promise<CheckoutResult> {
  const env = getEnv();
  const plan = plans[planId];
  if (!env.stripe) {
    throw new AppError(
      "UNPROCESSABLE",
      "Payments are not configured on this server (local mode), so plans cannot be bought here. Set STRIPE_SECRET_KEY and its companions, or set the plan by hand.",
    );
  }
  const price = stripePrices(env)[planId];
  if (!plan.selfServe || !price)
    throw new AppError("BAD_REQUEST", `The ${plan.name} plan cannot be bought online. Contact us to set it up.`);
  const customer = await ensureCustomer(db, workspace.id, actor);
  const account = await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: workspace.id } });
  const stripe = getStripe(env);
  const base = `${env.appUrl}/w/${workspace.slug}/billing`;

  if (account.stripeSubscriptionId && ["active", "trialing", "past_due"].includes(account.status)) {
    const sub = await stripe.subscriptions.retrieve(account.stripeSubscriptionId).catch(stripeFailure);
    const item = sub.items.data.find((i) => !isMeteredPrice(env, i.price.id));
    if (!item) throw new AppError("CONFLICT", "The subscription has no plan item. Use Resync, then try again.");
    if (item.price.id === price) throw new AppError("CONFLICT", `This workspace is already on the ${plan.name} plan.`);
    // The flat price changes in place (prorated); the metered overage item follows the plan.
    const metered = meteredPrices(env)[planId];
    const oldMetered = sub.items.data.filter((i) => i.id !== item.id);
    const items = [
      { id: item.id, price },
      ...oldMetered.map((i, n) => (n === 0 && metered ? { id: i.id, price: metered } : { id: i.id, deleted: true })),
      ...(metered && oldMetered.length === 0 ? [{ price: metered }] : []),
    ];
    await stripe.subscriptions
      .update(sub.id, { items, proration_behavior: "create_prorations", cancel_at_period_end: false })
      .catch(stripeFailure);
    await recordAudit(db, workspace.id, actor, null, {
      action: "billing.plan_change_requested",
      targetType: "workspace",
      targetId: workspace.id,
      metadata: { to: planId, via: "subscription update" },
    });
    const synced = await syncBilling(db, workspace.id, actor);
    return { kind: "updated", plan: synced.plan };
  }

  const session = await stripe.checkout.sessions
    .create({
      mode: "subscription",
      customer,
      client_reference_id: workspace.id,
      line_items: planLineItems(env, planId),
      success_url: `${base}?checkout=success&session={CHECKOUT_SESSION_ID}`,
      cancel_url: `${base}?checkout=cancelled`,
      metadata: { workspaceId: workspace.id, plan: planId },
      subscription_data: { metadata: { workspaceId: workspace.id, plan: planId } },
    })
    .catch(stripeFailure);
  if (!session.url) throw new AppError("UNAVAILABLE", "Stripe did not return a Checkout page. Try again in a minute.");
  await recordAudit(db, workspace.id, actor, null, {
    action: "billing.checkout_started",
    targetType: "workspace",
    targetId: workspace.id,
    metadata: { plan: planId, session: session.id },
  });
  return { kind: "redirect", url: session.url };
}

/** A Billing Portal session: payment methods, invoices, cancellation. */
export async function openPortal(db: Db, workspace: { id: string; slug: string }, actor: UserActor): Promise<string> {
  const customer = await ensureCustomer(db, workspace.id, actor);
  const session = await getStripe()
    .billingPortal.sessions.create({ customer, return_url: `${getEnv().appUrl}/w/${workspace.slug}/billing` })
    .catch(stripeFailure);
  return session.url;
}

export type InvoiceView = {
  id: string;
  number: string | null;
  status: string;
  amountCents: number;
  currency: string;
  createdAt: Date;
  url: string | null;
};

export async function listInvoices(db: Db, workspaceId: string): Promise<InvoiceView[]> {
  if (!getEnv().stripe) return [];
  const account = await db.billingAccount.findUnique({ where: { workspaceId } });
  if (!account?.stripeCustomerId) return [];
  const invoices = await getStripe().invoices.list({ customer: account.stripeCustomerId, limit: 12 }).catch(stripeFailure);
  return invoices.data.map((i) => ({
    id: i.id ?? "",
    number: i.number ?? null,
    status: i.status ?? "draft",
    amountCents: i.status === "paid" ? i.amount_paid : i.amount_due,
    currency: i.currency,
    createdAt: new Date(i.created * 1000),
    url: i.hosted_invoice_url ?? null,
  }));
}
