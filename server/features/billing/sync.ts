import { createElement } from "react";
import { PaymentFailedEmail } from "@/emails/payment-failed";
import { PlanChangedEmail } from "@/emails/plan-changed";
import { sendEmail } from "@/emails/send";
import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { getStripe, type Stripe } from "@/server/integrations/stripe";
import { logger } from "@/server/logger";
import { recordAudit, type Actor } from "../audit/record";
import { isMeteredPrice, meteredPrices, planForPrice, planOf, type PlanId } from "./plans";
import { billingUrl, ownerEmails } from "./quotas";

/**
 * The one way a workspace's plan changes when Stripe is involved: read the customer's
 * subscriptions from Stripe and apply what they say. Webhooks call it, and so does "Resync" on the
 * billing page, so a missed or out-of-order webhook is repaired by the next one or by hand.
 */

export const GRACE_DAYS = 7;

const live = new Set(["active", "trialing", "past_due", "unpaid", "incomplete"]);
const paying = new Set(["active", "trialing", "past_due"]);

function pickSubscription(subs: Stripe.Subscription[]): Stripe.Subscription | null {
  const sorted = [...subs].sort((a, b) => b.created - a.created);
  return sorted.find((s) => live.has(s.status)) ?? sorted[0] ?? null;
}

export type SyncResult = { plan: PlanId; status: string; changed: boolean };

export async function syncBilling(db: Db, workspaceId: string, actor: Actor = { type: "system", label: "Stripe" }): Promise<SyncResult> {
  const workspace = await db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, include: { billingAccount: true } });
  const customer = workspace.billingAccount?.stripeCustomerId;
  if (!customer) return { plan: planOf(workspace.plan).id, status: "none", changed: false };

  const env = getEnv();
  const subs = await getStripe(env).subscriptions.list({ customer, status: "all", limit: 20 });
  const sub = pickSubscription(subs.data);
  // The flat plan price is the item that is not a metered overage price.
  const item = sub?.items.data.find((i) => !isMeteredPrice(env, i.price.id)) ?? sub?.items.data[0];
  const status = sub?.status ?? "none";
  const pricePlan = planForPrice(env, item?.price.id);
  // A plan set by hand (enterprise) is not taken away by the absence of a subscription.
  const plan: PlanId =
    sub && paying.has(sub.status) && pricePlan ? pricePlan : workspace.plan === "enterprise" && !sub ? "enterprise" : "free";
  // Overage is admitted only while the subscription carries this plan's metered price.
  const meteredPrice = meteredPrices(env)[plan];
  const overagePriceId = sub && paying.has(sub.status) && sub.items.data.some((i) => i.price.id === meteredPrice) ? meteredPrice! : null;

  const now = new Date();
  const overdue = status === "past_due" || status === "unpaid";
  const account = workspace.billingAccount!;
  const changed = await db.$transaction(async (tx) => {
    await tx.billingAccount.update({
      where: { workspaceId },
      data: {
        stripeSubscriptionId: sub?.id ?? null,
        status,
        priceId: item?.price.id ?? null,
        currentPeriodEnd: item?.current_period_end ? new Date(item.current_period_end * 1000) : null,
        cancelAtPeriodEnd: sub?.cancel_at_period_end ?? false,
        paymentFailedAt: overdue ? (account.paymentFailedAt ?? now) : null,
        graceEndsAt: overdue ? (account.graceEndsAt ?? new Date(now.getTime() + GRACE_DAYS * 86_400_000)) : null,
        ...(overdue ? {} : { paymentFailedNotifiedAt: null }),
        overagePriceId,
        syncedAt: now,
      },
    });
    // Compare-and-set, so two syncs at once record (and announce) one change.
    const moved = await tx.workspace.updateMany({ where: { id: workspaceId, plan: workspace.plan }, data: { plan } });
    if (plan === workspace.plan || moved.count === 0) return false;
    await recordAudit(tx, workspaceId, actor, null, {
      action: "billing.plan_changed",
      targetType: "workspace",
      targetId: workspaceId,
      metadata: { from: workspace.plan, to: plan, subscription: sub?.id ?? null, status },
    });
    return true;
  });
  if (changed) await announcePlanChange(db, workspace, workspace.plan, plan);
  // Whichever arrives first (the failed invoice, the past-due subscription, or a resync) tells the owners.
  if (overdue) await notifyPaymentFailure(db, workspaceId);
  return { plan, status, changed };
}

async function announcePlanChange(db: Db, workspace: { id: string; name: string; slug: string }, from: string, to: PlanId) {
  try {
    for (const email of await ownerEmails(db, workspace.id)) {
      await sendEmail({
        to: email,
        kind: "plan-changed",
        subject: `Jace: ${workspace.name} is now on the ${planOf(to).name} plan`,
        react: createElement(PlanChangedEmail, {
          workspaceName: workspace.name,
          from: planOf(from).name,
          to: planOf(to).name,
          highlights: planOf(to).highlights,
          url: billingUrl(workspace.slug),
        }),
      });
    }
  } catch (err) {
    logger.warn({ err, workspaceId: workspace.id }, "plan change email failed");
  }
}

/** Starts the grace period at the first failed payment of a dunning, and tells the owners once. */
export async function recordPaymentFailure(db: Db, workspaceId: string, now = new Date()): Promise<boolean> {
  await db.billingAccount.updateMany({
    where: { workspaceId, paymentFailedAt: null },
    data: { paymentFailedAt: now, graceEndsAt: new Date(now.getTime() + GRACE_DAYS * 86_400_000), status: "past_due" },
  });
  return notifyPaymentFailure(db, workspaceId);
}

/**
 * Emails the owners and records the audit entry for the current dunning, once: claimed on its own
 * column, so it does not matter which of the events that reveal the failure is processed first.
 */
export async function notifyPaymentFailure(db: Db, workspaceId: string, now = new Date()): Promise<boolean> {
  const claimed = await db.billingAccount.updateMany({
    where: { workspaceId, paymentFailedAt: { not: null }, paymentFailedNotifiedAt: null },
    data: { paymentFailedNotifiedAt: now },
  });
  if (claimed.count === 0) return false;
  const { workspace, graceEndsAt } = await db.billingAccount.findUniqueOrThrow({ where: { workspaceId }, include: { workspace: true } });
  await recordAudit(db, workspaceId, { type: "system", label: "Stripe" }, null, {
    action: "billing.payment_failed",
    targetType: "workspace",
    targetId: workspaceId,
    metadata: { graceEndsAt: graceEndsAt?.toISOString() ?? null },
  });
  try {
    for (const email of await ownerEmails(db, workspaceId)) {
      await sendEmail({
        to: email,
        kind: "payment-failed",
        subject: `Jace: payment for ${workspace.name} failed`,
        react: createElement(PaymentFailedEmail, {
          workspaceName: workspace.name,
          planName: planOf(workspace.plan).name,
          graceEndsOn: (graceEndsAt ?? now).toLocaleDateString("en-US", {
            month: "short",
            day: "numeric",
            year: "numeric",
            timeZone: "UTC",
          }),
          url: billingUrl(workspace.slug),
        }),
      });
    }
  } catch (err) {
    logger.warn({ err, workspaceId }, "payment failed email failed");
  }
  return true;
}
