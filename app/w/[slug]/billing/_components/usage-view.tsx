"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Alert, buttonClasses, Card, EmptyState, IconRunners, IconUsage, LoadError, Select, Stat } from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import Link from "next/link";
import { useWorkspace } from "../../_components/workspace-context";
import { BudgetsSection } from "./budgets-section";
import { CostBreakdown } from "./cost-breakdown";
import { ExpensiveTasks } from "./expensive-tasks";
import { SectionHeading } from "./section-heading";
import { formatCount, formatMonth, formatMonthName, formatPct, formatUsd, plural } from "./format";
import { forecastStat } from "./usage-forecast";
import { CostByDayChart, ShareList } from "./usage-charts";
import { UsageSkeleton } from "./usage-skeleton";

export type UsageSummary = RouterOutputs["usage"]["summary"];

export function UsageView({ month }: { month: string | undefined }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { slug } = useWorkspace();
  const summary = useQuery(
    trpc.usage.summary.queryOptions(
      { workspaceSlug: slug, month },
      // Switching months keeps the last month on screen until the next one arrives.
      { placeholderData: keepPreviousData, refetchInterval: month ? false : 60_000 },
    ),
  );
  const data = summary.data;

  const monthPicker = data ? (
    <Select
      label="Month"
      hideLabel
      value={data.month}
      onChange={(e) => {
        const next = e.target.value;
        router.replace(next === data.months[0] ? `/w/${slug}/billing` : `/w/${slug}/billing?month=${next}`, { scroll: false });
      }}
      options={data.months.map((m, i) => ({ value: m, label: i === 0 ? `${formatMonth(m)} (current)` : formatMonth(m) }))}
      containerClassName="w-64"
      disabled={summary.isFetching && summary.isPlaceholderData}
    />
  ) : null;

  return (
    <section aria-labelledby="usage-heading" className="mt-12">
      <SectionHeading
        id="usage-heading"
        title="Model costs"
        description="What this workspace's model calls cost, how much running them on your own runners saved, and the budgets that cap cloud spend."
        actions={monthPicker}
      />

      <div className="mt-4 flex flex-col gap-6">
        {summary.isPending ? (
          <UsageSkeleton />
        ) : summary.isError && !data ? (
          <LoadError what="usage" error={summary.error} onRetry={() => summary.refetch()} />
        ) : data ? (
          <>
            {summary.isError ? <Alert tone="warning">Showing the last figures loaded: {summary.error.message}</Alert> : null}
            {data.calls.total === 0 ? <NoCalls data={data} slug={slug} /> : <UsageFigures data={data} slug={slug} />}
          </>
        ) : null}

        <BudgetsSection viewingMonth={data && !data.current ? data.month : null} />
      </div>
    </section>
  );
}

function UsageFigures({ data, slug }: { data: UsageSummary; slug: string }) {
  const when = data.current ? "this month" : `in ${formatMonthName(data.month)}`;
  const saved = data.savings.savedMicros;
  const localCalls = data.calls.local;
  const forecast = forecastStat(data);
  return (
    <>
      <dl className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Card className="p-5">
          <Stat
            label={data.current ? "Cost this month" : `Cost in ${formatMonth(data.month)}`}
            value={formatUsd(data.cost.totalMicros)}
            hint={`${plural(data.calls.total, "model call")} · ${formatCompactTokens(data.tokens.prompt + data.tokens.completion)}`}
          />
        </Card>
        <Card className="p-5">
          {forecast ? (
            <Stat label={`Forecast for ${formatMonthName(data.month)}`} value={forecast.value} hint={forecast.hint} />
          ) : (
            <Stat
              label="Tokens"
              value={formatCount(data.tokens.prompt + data.tokens.completion)}
              hint={`${formatCount(data.tokens.prompt)} in · ${formatCount(data.tokens.completion)} out`}
            />
          )}
        </Card>
        <Card className="p-5">
          <Stat
            label={saved >= 0 ? "Saved vs cloud only" : "Extra vs cloud only"}
            value={<span className={saved > 0 ? "text-emerald-700" : undefined}>{formatUsd(Math.abs(saved))}</span>}
            hint={`The same tokens on each call's cloud model (${data.pricing.baselineModel} when it has none): ${formatUsd(data.savings.baselineMicros)}`}
          />
        </Card>
        <Card className="p-5">
          <Stat
            label="Served locally"
            value={data.localShare === null ? "—" : formatPct(data.localShare)}
            hint={
              data.calls.fallbacks > 0
                ? `${plural(data.calls.fallbacks, "call")} fell back to the cloud`
                : `${plural(localCalls, "call")} on your runners`
            }
          />
        </Card>
      </dl>

      <CostBreakdown data={data} />

      <Card>
        <div className="flex flex-wrap items-start justify-between gap-3 border-b border-line px-5 py-4">
          <div>
            <h2 className="text-[15px] leading-6 font-semibold">Cost by day</h2>
            <p className="mt-0.5 text-sm text-ink-muted">
              Local calls (energy and GPU time) and cloud calls {when}, UTC days. The base fee is not spread over days.
            </p>
          </div>
          <ChartLegend />
        </div>
        <div className="px-2 pt-4 pb-2 sm:px-4">
          <CostByDayChart days={data.byDay} />
        </div>
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <ShareList
          title="By model"
          description="Which models did the work, and what they cost."
          label={`Cost ${when} by model`}
          rows={data.byModel.map((m) => ({
            key: `${m.provider}/${m.model}`,
            name: m.model,
            tag: m.provider === "runner" ? "Runner" : "OpenAI",
            local: m.provider === "runner",
            calls: m.calls,
            tokens: m.tokens,
            costMicros: m.costMicros,
          }))}
        />
        <ShareList
          title="By project"
          description="Calls without a project came through the API."
          label={`Cost ${when} by project`}
          rows={data.byProject.map((p) => ({
            key: p.projectId ?? "none",
            name: p.name,
            tag: p.calls > 0 ? `${formatPct(p.localCalls / p.calls)} local` : undefined,
            local: p.localCalls === p.calls,
            calls: p.calls,
            tokens: p.tokens,
            costMicros: p.costMicros,
          }))}
        />
      </div>

      <ExpensiveTasks data={data} slug={slug} />
    </>
  );
}

function formatCompactTokens(n: number): string {
  return `${n >= 10_000 ? `${Math.round(n / 1000).toLocaleString("en-US")}K` : formatCount(n)} tokens`;
}

function ChartLegend() {
  return (
    <ul className="flex items-center gap-4 text-[13px] text-ink-muted" aria-label="Legend">
      <li className="flex items-center gap-1.5">
        <span className="size-2.5 rounded-sm bg-emerald-500" aria-hidden="true" />
        Local
      </li>
      <li className="flex items-center gap-1.5">
        <span className="size-2.5 rounded-sm bg-accent-500" aria-hidden="true" />
        Cloud
      </li>
    </ul>
  );
}

function NoCalls({ data, slug }: { data: UsageSummary; slug: string }) {
  const neverUsed = data.months.length === 1;
  return (
    <EmptyState
      icon={<IconUsage size={20} />}
      title={data.current ? "No model calls yet this month" : `No model calls in ${formatMonth(data.month)}`}
      description={
        neverUsed
          ? "When tasks run models on your runners, or fall back to OpenAI, this page shows what each call cost split by the cost formula, how much running locally saved against cloud only, a forecast for the month and the most expensive tasks."
          : "Choose another month to see its costs. Figures appear here as soon as a task or an API client calls a model."
      }
      action={
        neverUsed ? (
          <Link href={`/w/${slug}/runners`} className={buttonClasses({ variant: "secondary" })}>
            <IconRunners size={16} />
            Set up a runner
          </Link>
        ) : null
      }
    />
  );
}
