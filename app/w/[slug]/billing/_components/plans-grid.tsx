import { Badge, Button, cx, IconCheck } from "@/app/_components/ui";
import { useWorkspace } from "../../_components/workspace-context";
import type { BillingOverview, ChangePlanAction } from "./billing-actions";
import { formatMoney } from "./format";
import { SectionHeading } from "./section-heading";

type PlanOption = BillingOverview["plans"][number];

/** Free, Pro, Team, Enterprise side by side; owners buy or switch from here. */
export function PlansGrid({ data, changePlan }: { data: BillingOverview; changePlan: ChangePlanAction }) {
  const { can } = useWorkspace();
  const canManage = can("billing.manage");
  const onPaidPlan = (data.plan.priceCents ?? 0) > 0;
  const description =
    data.mode === "local"
      ? "Plans can't be bought on this server until payments are configured; each plan's limits are enforced all the same."
      : !canManage
        ? "Prices are per workspace, per month. Only workspace owners can change the plan."
        : onPaidPlan
          ? "Prices are per workspace, per month. Switching changes the subscription right away, and Stripe prorates the difference on the next invoice."
          : "Prices are per workspace, per month. Upgrading opens Stripe Checkout; the new limits apply as soon as the payment goes through.";

  return (
    <section aria-labelledby="plans-heading" className="flex flex-col gap-4">
      <SectionHeading id="plans-heading" title="Plans" description={description} />
      <ul className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        {data.plans.map((p) => (
          <PlanCard key={p.id} option={p} data={data} canManage={canManage} changePlan={changePlan} />
        ))}
      </ul>
    </section>
  );
}

function PlanCard({
  option: p,
  data,
  canManage,
  changePlan,
}: {
  option: PlanOption;
  data: BillingOverview;
  canManage: boolean;
  changePlan: ChangePlanAction;
}) {
  const error = changePlan.error?.plan === p.id ? changePlan.error.message : null;
  return (
    <li
      data-testid="plan-card"
      data-plan={p.id}
      aria-current={p.current ? "true" : undefined}
      className={cx(
        "flex flex-col rounded-card border bg-surface p-5 shadow-card",
        p.current ? "border-accent-500 ring-1 ring-accent-500" : "border-line",
      )}
    >
      <div className="flex min-h-5.5 items-center justify-between gap-2">
        <h3 className="text-[15px] leading-6 font-semibold text-ink">{p.name}</h3>
        {p.current ? <Badge tone="accent">Current plan</Badge> : null}
      </div>
      <p className="mt-2 text-ink">
        {p.priceCents === null ? (
          <span className="text-2xl font-semibold tracking-tight">Contact us</span>
        ) : p.priceCents === 0 ? (
          <span className="text-2xl font-semibold tracking-tight">Free</span>
        ) : (
          <>
            <span className="text-2xl font-semibold tracking-tight tabular-nums">
              {formatMoney(p.priceCents, "usd", { dropZeroCents: true })}
            </span>
            <span className="text-sm text-ink-muted">/month</span>
          </>
        )}
      </p>
      <p className="mt-1.5 text-sm leading-5 text-ink-muted">{p.description}</p>
      <ul className="mt-4 flex flex-col gap-2 text-sm text-ink">
        {p.highlights.map((h) => (
          <li key={h} className="flex gap-2">
            <IconCheck size={16} className="mt-0.5 shrink-0 text-accent-600" />
            <span>{h}</span>
          </li>
        ))}
      </ul>
      {canManage ? <PlanAction option={p} data={data} changePlan={changePlan} /> : null}
      {error ? (
        <p role="alert" className="mt-2 text-[13px] leading-5 text-red-700">
          {error}
        </p>
      ) : null}
    </li>
  );
}

function PlanAction({ option: p, data, changePlan }: { option: PlanOption; data: BillingOverview; changePlan: ChangePlanAction }) {
  if (p.current || data.mode !== "stripe") return null;
  const current = data.plan;
  const busy = changePlan.pendingPlan !== null;

  if (p.purchasable) {
    const fromFree = current.id === "free";
    const higher = (p.priceCents ?? Infinity) > (current.priceCents ?? Infinity);
    return (
      <div className="mt-auto pt-5">
        <Button
          className="w-full"
          variant={fromFree || higher ? "primary" : "secondary"}
          loading={changePlan.pendingPlan === p.id}
          disabled={busy && changePlan.pendingPlan !== p.id}
          onClick={() => changePlan.change(p.id)}
        >
          {fromFree ? `Upgrade to ${p.name}` : `Switch to ${p.name}`}
        </Button>
      </div>
    );
  }

  // Going back to Free is a cancellation, which happens in the Stripe portal (the Manage billing button above).
  if (p.id === "free" && (current.priceCents ?? 0) > 0) {
    return (
      <div className="mt-auto pt-5">
        <p className="rounded-lg border border-dashed border-line-strong px-3 py-2 text-center text-[13px] leading-5 text-ink-muted">
          <span className="font-medium text-ink">Downgrade via Manage billing</span>
          <span className="block text-[12px] text-ink-subtle">Cancel the subscription there; Free applies when the paid period ends.</span>
        </p>
      </div>
    );
  }
  return null;
}
