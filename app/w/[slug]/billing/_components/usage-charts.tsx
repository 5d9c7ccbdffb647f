"use client";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Badge, Card, CardHeader } from "@/app/_components/ui";
import { formatCompact, formatCount, formatDay, formatUsd, formatUsdAxis, palette } from "./format";

type Day = { date: string; localMicros: number; cloudMicros: number; calls: number; tokens: number };

/** Cost per UTC day, local stacked under cloud. */
export function CostByDayChart({ days }: { days: Day[] }) {
  // Plotted in dollars, so the axis gets round ticks ($0.10, $0.20) rather than fractions of micro-dollars.
  const rows = days.map((d) => ({ ...d, label: formatDay(d.date), local: d.localMicros / 1e6, cloud: d.cloudMicros / 1e6 }));
  const ticks = niceTicks(Math.max(0, ...rows.map((r) => r.local + r.cloud)));
  return (
    <div className="h-64 w-full" role="img" aria-label={describeDays(days)}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} barCategoryGap="20%">
          <CartesianGrid vertical={false} stroke="oklch(91.8% 0.005 286)" />
          <XAxis
            dataKey="label"
            tickLine={false}
            axisLine={{ stroke: "oklch(85.5% 0.008 286)" }}
            tick={{ fontSize: 12, fill: "oklch(55% 0.014 286)" }}
            interval="preserveStartEnd"
            minTickGap={16}
          />
          <YAxis
            tickFormatter={(usd: number) => formatUsdAxis(usd * 1e6)}
            ticks={ticks}
            domain={[0, ticks.at(-1) ?? 1]}
            tickLine={false}
            axisLine={false}
            tick={{ fontSize: 12, fill: "oklch(55% 0.014 286)" }}
            width={64}
          />
          <Tooltip cursor={{ fill: "oklch(96.8% 0.003 286)" }} content={<DayTooltip />} isAnimationActive={false} />
          <Bar dataKey="local" name="Local" stackId="cost" fill={palette.local} isAnimationActive={false} />
          <Bar dataKey="cloud" name="Cloud" stackId="cost" fill={palette.cloud} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Four even steps of 1, 2, 2.5 or 5 x 10^n up to at least `max` (dollars). */
function niceTicks(max: number): number[] {
  if (max <= 0) return [0, 0.25, 0.5, 0.75, 1];
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  return [0, 1, 2, 3, 4].map((i) => Number((i * step).toPrecision(6)));
}

function describeDays(days: Day[]): string {
  const busiest = days.reduce<Day | null>(
    (best, d) => (!best || d.localMicros + d.cloudMicros > best.localMicros + best.cloudMicros ? d : best),
    null,
  );
  if (!busiest || busiest.localMicros + busiest.cloudMicros === 0) return "Cost by day: nothing spent yet.";
  return `Cost by day. Most expensive day: ${formatDay(busiest.date)} with ${formatUsd(busiest.localMicros + busiest.cloudMicros)}.`;
}

function DayTooltip({ active, payload }: { active?: boolean; payload?: ReadonlyArray<{ payload?: Day & { label: string } }> }) {
  const day = payload?.[0]?.payload;
  if (!active || !day) return null;
  return (
    <div className="rounded-lg border border-line bg-surface px-3 py-2 text-[13px] shadow-overlay">
      <div className="font-medium text-ink">{day.label}</div>
      <dl className="mt-1 grid grid-cols-[auto_auto] gap-x-4 gap-y-0.5 text-ink-muted">
        <dt className="flex items-center gap-1.5">
          <span className="size-2 rounded-sm" style={{ backgroundColor: palette.cloud }} aria-hidden="true" />
          Cloud
        </dt>
        <dd className="text-right text-ink tabular-nums">{formatUsd(day.cloudMicros)}</dd>
        <dt className="flex items-center gap-1.5">
          <span className="size-2 rounded-sm" style={{ backgroundColor: palette.local }} aria-hidden="true" />
          Local
        </dt>
        <dd className="text-right text-ink tabular-nums">{formatUsd(day.localMicros)}</dd>
        <dt>Calls</dt>
        <dd className="text-right text-ink tabular-nums">{formatCount(day.calls)}</dd>
      </dl>
    </div>
  );
}

export type ShareRow = {
  key: string;
  name: string;
  tag?: string;
  /** Colours the bar: local work green, anything touching the cloud in the accent colour. */
  local: boolean;
  calls: number;
  tokens: number;
  costMicros: number;
};

/** A ranked list whose bars show each row's cost against the largest one. */
export function ShareList({ title, description, label, rows }: { title: string; description: string; label: string; rows: ShareRow[] }) {
  const max = Math.max(1, ...rows.map((r) => r.costMicros));
  const shown = rows.slice(0, 8);
  return (
    <Card className="flex flex-col">
      <CardHeader title={title} description={description} />
      <ul aria-label={label} className="divide-y divide-line">
        {shown.map((r) => (
          <li key={r.key} className="px-5 py-3">
            <div className="flex items-center justify-between gap-3 text-sm">
              <div className="flex min-w-0 items-center gap-2">
                <span className="truncate font-medium text-ink" title={r.name}>
                  {r.name}
                </span>
                {r.tag ? (
                  <Badge tone={r.local ? "success" : "neutral"} className="shrink-0">
                    {r.tag}
                  </Badge>
                ) : null}
              </div>
              <span className="shrink-0 font-medium tabular-nums">{formatUsd(r.costMicros)}</span>
            </div>
            <div className="mt-1.5 flex items-center gap-3">
              <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-zinc-100" aria-hidden="true">
                <div
                  className="h-full rounded-full"
                  style={{
                    width: `${(r.costMicros / max) * 100}%`,
                    minWidth: r.costMicros > 0 ? 3 : 0,
                    backgroundColor: r.local ? palette.local : palette.cloud,
                  }}
                />
              </div>
              <span className="shrink-0 text-[12px] text-ink-subtle tabular-nums">
                {formatCount(r.calls)} {r.calls === 1 ? "call" : "calls"} · {formatCompact(r.tokens)} tokens
              </span>
            </div>
          </li>
        ))}
      </ul>
      {rows.length > shown.length ? (
        <p className="mt-auto border-t border-line px-5 py-2.5 text-[13px] text-ink-subtle">
          and {formatCount(rows.length - shown.length)} more, costing{" "}
          {formatUsd(rows.slice(shown.length).reduce((n, r) => n + r.costMicros, 0))}
        </p>
      ) : null}
    </Card>
  );
}
