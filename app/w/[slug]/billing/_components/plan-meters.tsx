import { Card, CardHeader, cx, ProgressBar, type ProgressBarTone } from "@/app/_components/ui";
import type { BillingOverview } from "./billing-actions";
import { formatCount, formatDate, formatUsd } from "./format";

type Meter = BillingOverview["meters"][number];

/** Meters counted per calendar month (UTC); the others are counts of what exists now. */
const monthly = new Set<Meter["key"]>(["tasksPerMonth", "cloudBudget"]);

function amount(meter: Meter, n: number): string {
  return meter.unit === "micros" ? formatUsd(n) : formatCount(n);
}

/** Usage against the plan's limits, one bar per limit. */
export function PlanMeters({ data }: { data: BillingOverview }) {
  return (
    <Card>
      <CardHeader
        title="Limits"
        description={`What this workspace uses against the limits of the ${data.plan.name} plan. Monthly limits reset on ${formatDate(data.resetsOn)} (UTC).`}
      />
      <ul className="grid gap-x-8 gap-y-5 px-5 py-5 sm:grid-cols-2 lg:grid-cols-3">
        {data.meters.map((m) => (
          <MeterRow key={m.key} meter={m} resetsOn={data.resetsOn} overage={m.key === "tasksPerMonth" ? data.overage : null} />
        ))}
      </ul>
    </Card>
  );
}

/** `overage`: tasks past the included ones are billed up to a cap rather than refused. */
function MeterRow({ meter: m, resetsOn, overage }: { meter: Meter; resetsOn: Date; overage: BillingOverview["overage"] }) {
  const unlimited = m.limit === null;
  const share = m.limit === null ? 0 : m.limit > 0 ? m.used / m.limit : m.used > 0 ? 1 : 0;
  const capped = overage !== null && m.used >= overage.maxTasksPerMonth;
  const tone: ProgressBarTone = share >= 1 && (!overage || capped) ? "danger" : share >= 0.8 ? "warning" : "accent";
  const figure = m.limit === null ? `${amount(m, m.used)} · unlimited` : `${amount(m, m.used)} of ${amount(m, m.limit)}`;
  const resets = monthly.has(m.key) ? `Resets on ${formatDate(resetsOn)}` : null;
  const state = unlimited
    ? null
    : share >= 1 && overage && !capped
      ? `${formatCount(m.used - (m.limit ?? 0))} billed as overage (cap ${formatCount(overage.maxTasksPerMonth)})`
      : share >= 1
        ? "Limit reached"
        : share >= 0.8
          ? `${Math.floor(share * 100)}% used`
          : null;

  return (
    <li data-testid="plan-meter" data-meter={m.key} className="flex min-w-0 flex-col gap-1.5">
      <div className="flex items-baseline justify-between gap-3 text-[13px] leading-5">
        <span className="min-w-0 font-medium text-ink">{m.label}</span>
        <span className={cx("shrink-0 tabular-nums", unlimited ? "text-ink-subtle" : "text-ink-muted")}>{figure}</span>
      </div>
      {unlimited ? (
        <div aria-hidden="true" className="h-2 w-full rounded-full border border-dashed border-line-strong" />
      ) : (
        <ProgressBar role="meter" label={m.label} value={m.used} max={Math.max(m.limit ?? 1, 1)} valueText={figure} tone={tone} />
      )}
      {state || resets ? (
        <p className="text-[12px] text-ink-subtle">
          {state ? <span className={share >= 1 ? "font-medium text-red-700" : "font-medium text-amber-700"}>{state}</span> : null}
          {state && resets ? " · " : null}
          {resets}
        </p>
      ) : null}
    </li>
  );
}
