"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { Alert, Button, LoadError } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { useChangePlan, usePortal, type BillingOverview, type PortalAction } from "./billing-actions";
import { CurrentPlanCard } from "./current-plan-card";
import { formatDate } from "./format";
import { InvoicesCard } from "./invoices-card";
import { MeteringCard } from "./metering-card";
import { PlanMeters } from "./plan-meters";
import { PlanSkeleton } from "./plan-skeleton";
import { PlansGrid } from "./plans-grid";

export type CheckoutReturn = "success" | "cancelled";

/** After Checkout, Stripe's webhook moves the plan; the page polls this long for it. */
const CONFIRM_WINDOW_MS = 20_000;
const CONFIRM_POLL_MS = 2_000;

/** The plan and subscription part of the billing page: status, alerts, limits, plans, invoices, metering. */
export function PlanSection({ checkout }: { checkout?: CheckoutReturn }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  const canManage = can("billing.manage");

  const [confirming, setConfirming] = useState(checkout === "success");
  useEffect(() => {
    if (checkout !== "success") return;
    const timer = setTimeout(() => setConfirming(false), CONFIRM_WINDOW_MS);
    return () => clearTimeout(timer);
  }, [checkout]);

  const overview = useQuery(
    trpc.billing.overview.queryOptions(
      { workspaceSlug: slug },
      { refetchInterval: (query) => (confirming && query.state.data?.plan.id === "free" ? CONFIRM_POLL_MS : 60_000) },
    ),
  );
  const data = overview.data;

  // When the plan moves (webhook, resync, switch), the server-rendered layout learns it too.
  const planId = data?.plan.id;
  const lastPlan = useRef(planId);
  useEffect(() => {
    if (!planId) return;
    if (lastPlan.current && lastPlan.current !== planId) {
      router.refresh();
      void queryClient.invalidateQueries({ queryKey: trpc.billing.invoices.queryKey() });
    }
    lastPlan.current = planId;
  }, [planId, router, queryClient, trpc]);

  const portal = usePortal();
  const [switched, setSwitched] = useState<string | null>(null);
  const changePlan = useChangePlan((plan) => {
    setSwitched(data?.plans.find((p) => p.id === plan)?.name ?? plan);
    void queryClient.invalidateQueries({ queryKey: trpc.billing.overview.queryKey() });
  });

  const dismissCheckout = () => {
    const url = new URL(window.location.href);
    url.searchParams.delete("checkout");
    url.searchParams.delete("session");
    router.replace(`${url.pathname}${url.search}`, { scroll: false });
  };

  return (
    <div className="mt-8 flex flex-col gap-6">
      {checkout === "success" ? (
        <Alert
          tone="success"
          action={
            <Button size="sm" variant="ghost" onClick={dismissCheckout}>
              Dismiss
            </Button>
          }
        >
          <span data-testid="checkout-success">Payment received. Your plan updates as soon as Stripe confirms it.</span>
          {data && data.plan.id !== "free" ? (
            <> The workspace is now on the {data.plan.name} plan.</>
          ) : data && !confirming ? (
            <> Stripe has not confirmed it yet: {canManage ? "use Resync, or " : ""}reload this page in a minute.</>
          ) : (
            <> Checking…</>
          )}
        </Alert>
      ) : checkout === "cancelled" ? (
        <div
          role="status"
          className="flex flex-col gap-3 rounded-lg border border-line bg-subtle px-4 py-3 text-sm text-ink-muted sm:flex-row sm:items-center sm:justify-between"
        >
          <p>Checkout was cancelled: nothing was charged and the plan is unchanged.</p>
          <Button size="sm" variant="ghost" onClick={dismissCheckout} className="self-start sm:self-auto">
            Dismiss
          </Button>
        </div>
      ) : null}

      {overview.isPending ? (
        <PlanSkeleton />
      ) : overview.isError && !data ? (
        <LoadError what="the plan" error={overview.error} onRetry={() => overview.refetch()} />
      ) : data ? (
        <>
          {overview.isError ? <Alert tone="warning">Showing the plan as last loaded: {overview.error.message}</Alert> : null}
          <AccountAlerts data={data} portal={portal} canManage={canManage} />
          {switched ? (
            <Alert
              tone="success"
              action={
                <Button size="sm" variant="ghost" onClick={() => setSwitched(null)}>
                  Dismiss
                </Button>
              }
            >
              Switched to {switched}. The new limits apply now; Stripe prorates the difference on the next invoice.
            </Alert>
          ) : null}
          <CurrentPlanCard data={data} portal={portal} />
          <PlanMeters data={data} />
          <PlansGrid data={data} changePlan={changePlan} />
          {canManage && data.mode === "stripe" ? <InvoicesCard /> : null}
          {data.metering ? <MeteringCard metering={data.metering} /> : null}
        </>
      ) : null}
    </div>
  );
}

/** Local mode, a failed payment inside its grace period, a read-only workspace, and portal errors. */
function AccountAlerts({ data, portal, canManage }: { data: BillingOverview; portal: PortalAction; canManage: boolean }) {
  const { account, readOnly } = data;
  const canFix = canManage && data.mode === "stripe" && Boolean(account?.hasCustomer);
  const fixButton = canFix ? (
    <Button size="sm" variant="secondary" loading={portal.pending} onClick={portal.open}>
      Update payment method
    </Button>
  ) : null;
  // Members see that the workspace is read-only (their writes fail), not the payment history.
  const inGrace = account?.status === "past_due" && account.graceEndsAt !== null && readOnly === null;

  return (
    <>
      {data.mode === "local" ? (
        <Alert tone="info" title="Local mode">
          Payments are not configured on this server: plans and quotas are enforced, usage is recorded, nothing is charged. Set{" "}
          <code className="font-mono text-[13px]">STRIPE_SECRET_KEY</code>,{" "}
          <code className="font-mono text-[13px]">STRIPE_WEBHOOK_SECRET</code>,{" "}
          <code className="font-mono text-[13px]">STRIPE_PRICE_PRO</code> and{" "}
          <code className="font-mono text-[13px]">STRIPE_PRICE_TEAM</code> to take payments.
        </Alert>
      ) : null}

      {readOnly ? (
        <Alert tone="danger" title="This workspace is read-only" action={fixButton}>
          {readOnly}. Nothing can be created or changed until the payment method is updated and the invoice is paid; everything can still be
          read.{canFix ? null : " Ask a workspace owner to update the payment method."}
        </Alert>
      ) : inGrace && account ? (
        <Alert tone="warning" title="A payment failed" action={fixButton}>
          Stripe could not charge the payment method{account.paymentFailedAt ? ` on ${formatDate(account.paymentFailedAt)}` : ""}. The
          workspace keeps working until {formatDate(account.graceEndsAt!)}; after that it becomes read-only until the invoice is paid.
          {canFix ? null : " Ask a workspace owner to update the payment method."}
        </Alert>
      ) : null}

      {portal.error ? (
        <Alert
          tone="danger"
          title="Could not open Manage billing"
          action={
            <Button size="sm" variant="ghost" onClick={portal.dismiss}>
              Dismiss
            </Button>
          }
        >
          {portal.error}
        </Alert>
      ) : null}
    </>
  );
}
