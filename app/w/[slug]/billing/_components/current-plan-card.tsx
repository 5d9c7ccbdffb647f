"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Badge, Button, Card, IconExternal, IconRefresh, type BadgeTone } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import type { BillingOverview, PortalAction } from "./billing-actions";
import { formatDate, formatDateTime, formatPlanPrice, formatUnitPrice } from "./format";

const statuses: Record<string, { tone: BadgeTone; label: string }> = {
  active: { tone: "success", label: "Active" },
  trialing: { tone: "info", label: "Trialing" },
  past_due: { tone: "warning", label: "Past due" },
  unpaid: { tone: "danger", label: "Unpaid" },
  canceled: { tone: "neutral", label: "Canceled" },
  incomplete: { tone: "warning", label: "Incomplete" },
  incomplete_expired: { tone: "neutral", label: "Expired" },
  paused: { tone: "neutral", label: "Paused" },
  none: { tone: "neutral", label: "No subscription" },
};

export function subscriptionStatus(mode: BillingOverview["mode"], status: string): { tone: BadgeTone; label: string } {
  if (mode === "local") return { tone: "info", label: "Local mode" };
  return statuses[status] ?? { tone: "neutral", label: status.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()) };
}

/** The plan the workspace is on, its subscription, and the owner's ways to manage it. */
export function CurrentPlanCard({ data, portal }: { data: BillingOverview; portal: PortalAction }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  const canManage = can("billing.manage");
  const stripe = data.mode === "stripe";
  const { account, plan } = data;
  const status = account ? subscriptionStatus(data.mode, account.status) : null;
  // A resync result is about the plan it found; once the plan moves on (a switch, a webhook), it is stale.
  const [notice, setNotice] = useState<{ tone: "success" | "danger"; text: string; plan?: string } | null>(null);
  const shownNotice = notice && (notice.plan === undefined || notice.plan === plan.id) ? notice : null;

  const resync = useMutation(
    trpc.billing.resync.mutationOptions({
      onSuccess: async (result) => {
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.billing.overview.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.billing.invoices.queryKey() }),
        ]);
        const planName = data.plans.find((p) => p.id === result.plan)?.name ?? result.plan;
        const label = subscriptionStatus("stripe", result.status).label.toLowerCase();
        setNotice({
          tone: "success",
          plan: result.plan,
          text: result.changed
            ? `Synced with Stripe: the workspace is now on ${planName} (subscription ${label}).`
            : `Synced with Stripe: already up to date (${planName}, subscription ${label}).`,
        });
      },
      onError: (error) => setNotice({ tone: "danger", text: `Could not resync: ${error.message}` }),
    }),
  );

  return (
    <Card data-testid="current-plan">
      <div className="flex flex-col gap-4 px-5 py-5 md:flex-row md:items-start md:justify-between">
        <div className="min-w-0">
          <p className="text-[13px] font-medium text-ink-subtle">Current plan</p>
          <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1.5">
            <h2 id="current-plan-name" className="text-xl leading-7 font-semibold tracking-tight text-ink">
              {plan.name}
            </h2>
            <span className="text-sm text-ink-muted tabular-nums">
              {plan.priceCents === 0 ? "$0/month" : formatPlanPrice(plan.priceCents)}
            </span>
            {status ? (
              <Badge tone={status.tone} dot data-testid="subscription-status">
                {status.label}
              </Badge>
            ) : null}
          </div>
          <p className="mt-1.5 text-sm leading-6 text-ink-muted">
            <PeriodLine data={data} />
          </p>
          {stripe && account?.syncedAt ? (
            <p className="text-[13px] leading-5 text-ink-subtle">Last synced with Stripe {formatDateTime(account.syncedAt)}</p>
          ) : null}
        </div>
        {canManage && stripe ? (
          <div className="flex flex-wrap items-center gap-2">
            <Button
              variant="secondary"
              leadingIcon={<IconRefresh />}
              loading={resync.isPending}
              onClick={() => {
                setNotice(null);
                resync.mutate({ workspaceSlug: slug });
              }}
            >
              Resync
            </Button>
            {account?.hasCustomer ? (
              <Button variant="secondary" trailingIcon={<IconExternal />} loading={portal.pending} onClick={portal.open}>
                Manage billing
              </Button>
            ) : null}
          </div>
        ) : null}
      </div>
      {shownNotice ? (
        <div className="border-t border-line px-5 py-3">
          <Alert
            tone={shownNotice.tone}
            action={
              <Button size="sm" variant="ghost" onClick={() => setNotice(null)}>
                Dismiss
              </Button>
            }
          >
            {shownNotice.text}
          </Alert>
        </div>
      ) : null}
      {canManage ? null : (
        <p className="rounded-b-card border-t border-line bg-subtle/60 px-5 py-3 text-[13px] text-ink-muted">
          Only workspace owners can change the plan, see the subscription and payment status, and see invoices.
        </p>
      )}
    </Card>
  );
}

function PeriodLine({ data }: { data: BillingOverview }) {
  const { plan, overage } = data;
  if (data.mode === "local") return <>Limits are enforced on this server; nothing is charged.</>;
  if (overage && plan.priceCents !== null) {
    return (
      <>
        Tasks beyond the included ones are billed at {formatUnitPrice(overage.perTaskMicros)} each, up to{" "}
        {overage.maxTasksPerMonth.toLocaleString("en-US")} a month. <RenewalLine data={data} />
      </>
    );
  }
  return <RenewalLine data={data} />;
}

function RenewalLine({ data }: { data: BillingOverview }) {
  const { account, plan } = data;
  if (!account) return plan.id === "free" ? <>An owner can upgrade to a paid plan for higher limits.</> : null;
  if (account.status === "canceled") return <>The subscription was canceled.</>;
  if (account.currentPeriodEnd) {
    const date = formatDate(account.currentPeriodEnd);
    if (account.cancelAtPeriodEnd) return <>Cancels on {date}; the workspace moves to Free then.</>;
    if (account.status === "trialing") return <>Trial ends on {date}.</>;
    return <>Renews on {date}.</>;
  }
  if (plan.id === "free") return <>Upgrade to a paid plan for higher limits.</>;
  if (plan.priceCents === null) return <>Set up by hand; contact us to change it.</>;
  return <>No renewal date from Stripe yet.</>;
}
