import { Card, CardHeader } from "@/app/_components/ui";
import { formatCount, formatUnitPrice, formatUsd, palette, plural } from "./format";
import type { UsageSummary } from "./usage-view";

/** The cost formula, term by term, as one stacked bar with a legend that shows its arithmetic. */
export function CostBreakdown({ data }: { data: UsageSummary }) {
  const { cost, pricing, calls } = data;
  const terms = [
    {
      key: "cloud",
      label: "Cloud API calls",
      symbol: "U_api × R_api",
      micros: cost.cloudMicros,
      color: palette.cloud,
      detail: `${plural(calls.cloud, "call")} at OpenAI list prices`,
    },
    {
      key: "energy",
      label: "Local energy",
      symbol: "U_llm × R_llm",
      micros: cost.localEnergyMicros,
      color: palette.energy,
      detail: `${plural(calls.localSucceeded, "local call")} × ${formatUnitPrice(pricing.localEnergyPerCallMicros)}`,
    },
    {
      key: "gpu",
      label: "GPU time",
      symbol: "H_gpu × R_gpu",
      micros: cost.gpuMicros,
      color: palette.gpu,
      // Only time with the model on a GPU: calls on CPU-only runners cost their energy price alone.
      detail: `${formatHours(data.gpuHours)} × ${formatUnitPrice(pricing.gpuHourMicros)}/h (or the runner's own rate); CPU-only runners add none`,
    },
    {
      key: "base",
      label: "Base fee",
      symbol: "M_base",
      micros: cost.baseFeeMicros,
      color: palette.base,
      detail: cost.baseFeeMicros > 0 ? "Hosting and plan, per month" : "None set for this workspace",
    },
  ];
  const total = cost.totalMicros;
  return (
    <Card>
      <CardHeader
        title="Where the money went"
        description={
          <>
            <span className="font-mono text-[13px] text-ink">C = U_api × R_api + U_llm × R_llm + H_gpu × R_gpu + M_base</span>
            <span className="block">
              cloud calls at their price, local calls at an energy price, runner GPU hours at an hourly rate, and a base fee.
            </span>
          </>
        }
        actions={
          <div className="text-right">
            <div className="text-[13px] text-ink-subtle">Total</div>
            <div className="text-xl font-semibold tabular-nums">{formatUsd(total)}</div>
          </div>
        }
      />
      <div className="px-5 py-5">
        <div
          className="flex h-3 w-full overflow-hidden rounded-full bg-zinc-100"
          role="img"
          aria-label={terms.map((t) => `${t.label} ${formatUsd(t.micros)}`).join(", ")}
        >
          {total > 0
            ? terms.map((t) =>
                t.micros > 0 ? (
                  <div
                    key={t.key}
                    className="h-full border-r-2 border-white last:border-r-0"
                    style={{ width: `${(t.micros / total) * 100}%`, minWidth: 4, backgroundColor: t.color }}
                  />
                ) : null,
              )
            : null}
        </div>
        <dl className="mt-5 grid gap-x-6 gap-y-4 sm:grid-cols-2 xl:grid-cols-4">
          {terms.map((t) => (
            <div key={t.key} className="flex gap-3">
              <span className="mt-1.5 size-2.5 shrink-0 rounded-sm" style={{ backgroundColor: t.color }} aria-hidden="true" />
              <div className="min-w-0">
                <dt className="text-[13px] font-medium text-ink-muted">
                  {t.label} <span className="font-mono text-[11px] font-normal text-ink-subtle">{t.symbol}</span>
                </dt>
                <dd className="text-lg font-semibold tabular-nums">
                  {formatUsd(t.micros)}
                  {total > 0 ? (
                    <span className="ml-1.5 text-[13px] font-normal text-ink-subtle">{Math.round((t.micros / total) * 100)}%</span>
                  ) : null}
                </dd>
                <dd className="text-[13px] leading-5 text-ink-subtle">{t.detail}</dd>
              </div>
            </div>
          ))}
        </dl>
      </div>
    </Card>
  );
}

function formatHours(hours: number): string {
  const seconds = hours * 3600;
  if (seconds < 60) return `${formatCount(Math.round(seconds))} GPU s`;
  if (hours < 1) return `${formatCount(Math.round(seconds / 60))} GPU min`;
  return `${hours.toFixed(1)} GPU h`;
}
