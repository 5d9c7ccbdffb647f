import { Badge } from "@/app/_components/ui";
import { SectionHeading } from "./section-heading";

const ledger = [
  { source: "Local runners", detail: "1,284 model calls · 6.2 GPU hours", cost: "$2.41" },
  { source: "Cloud fallback", detail: "37 calls, budget $25 per month", cost: "$3.12" },
  { source: "Sandboxed jobs", detail: "212 runs on your runners", cost: "$0.58" },
];

export function Cost() {
  return (
    <section id="cost" aria-labelledby="cost-title" className="border-b border-line bg-canvas">
      <div className="mx-auto grid max-w-6xl grid-cols-1 items-center gap-14 px-5 py-20 sm:px-8 sm:py-28 lg:grid-cols-[1fr_1.05fr]">
        <div className="order-2 lg:order-1">
          <div className="rounded-2xl border border-line bg-surface shadow-card">
            <div className="flex items-center justify-between gap-3 border-b border-line px-5 py-4">
              <p className="text-sm font-semibold text-ink">Usage this month</p>
              <Badge>Illustrative figures</Badge>
            </div>
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Illustrative monthly cost breakdown</caption>
              <thead className="sr-only">
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Cost</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-line">
                {ledger.map((row) => (
                  <tr key={row.source}>
                    <td className="px-5 py-3.5">
                      <p className="font-medium text-ink">{row.source}</p>
                      <p className="text-[13px] text-ink-subtle">{row.detail}</p>
                    </td>
                    <td className="px-5 py-3.5 text-right font-medium text-ink tabular-nums">{row.cost}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="grid grid-cols-2 gap-4 rounded-b-2xl border-t border-line bg-subtle/60 px-5 py-4">
              <div>
                <p className="text-[13px] text-ink-subtle">Total</p>
                <p className="text-xl font-semibold text-ink tabular-nums">$6.11</p>
              </div>
              <div>
                <p className="text-[13px] text-ink-subtle">Same work, cloud only</p>
                <p className="text-xl font-semibold text-ink tabular-nums">
                  $48.90 <span className="text-sm font-medium text-emerald-700">−88%</span>
                </p>
              </div>
            </div>
          </div>
        </div>
        <div className="order-1 lg:order-2">
          <SectionHeading id="cost-title" eyebrow="Cost control" title="Know what every task cost, to the cent">
            Each model call writes a ledger entry with model, tokens and price, so the usage page adds up instead of estimating, and shows
            what the same work would have cost on cloud models alone.
          </SectionHeading>
          <div className="mt-8 w-fit rounded-xl border border-line bg-surface px-6 py-5 font-mono text-[13px] leading-7 text-ink-muted shadow-card">
            <span className="font-semibold text-ink">C</span> = API calls × price
            <br />
            <span className="pl-4">+ local calls × energy price</span>
            <br />
            <span className="pl-4">+ GPU hours × hourly rate</span>
            <br />
            <span className="pl-4">+ base fee</span>
          </div>
        </div>
      </div>
    </section>
  );
}
