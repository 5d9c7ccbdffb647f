"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardHeader,
  ConfirmDialog,
  cx,
  EmptyState,
  IconGauge,
  IconPlus,
  LoadError,
  Skeleton,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
} from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { BudgetDialog } from "./budget-dialog";
import { formatMonth, formatUsd } from "./format";

export type Budget = RouterOutputs["usage"]["budgets"][number];

const stateBadge: Record<Budget["state"], { tone: "success" | "warning" | "danger"; label: string }> = {
  ok: { tone: "success", label: "Within budget" },
  warning: { tone: "warning", label: "Past alert" },
  exceeded: { tone: "danger", label: "Limit reached" },
};

/** Monthly caps on cloud spend; owners edit them, everyone else reads them. */
export function BudgetsSection({ viewingMonth }: { viewingMonth: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  const canManage = can("billing.manage");
  const budgets = useQuery(trpc.usage.budgets.queryOptions({ workspaceSlug: slug }));
  const [editing, setEditing] = useState<Budget | "new" | null>(null);
  const [deleting, setDeleting] = useState<Budget | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const remove = useMutation(
    trpc.usage.deleteBudget.mutationOptions({
      onSuccess: async () => {
        setNotice(`The budget of ${deleting?.scope === "workspace" ? "the workspace" : deleting?.name} was deleted.`);
        setDeleting(null);
        await queryClient.invalidateQueries({ queryKey: trpc.usage.budgets.queryKey() });
      },
    }),
  );

  const list = budgets.data ?? [];
  const addButton = canManage ? (
    <Button
      size="sm"
      variant="secondary"
      leadingIcon={<IconPlus />}
      onClick={() => {
        setNotice(null);
        setEditing("new");
      }}
    >
      Add budget
    </Button>
  ) : null;

  return (
    <Card>
      <CardHeader
        title="Budgets"
        description={
          <>
            Monthly limits on cloud (OpenAI) spend, per UTC calendar month. Work on your runners never counts against them.
            {viewingMonth ? ` Budgets always show the current month, not ${formatMonth(viewingMonth)}.` : null}
            {canManage ? null : " Only workspace owners can change them."}
          </>
        }
        actions={list.length > 0 ? addButton : null}
      />
      {notice ? (
        <div className="border-b border-line px-5 py-3">
          <Alert
            tone="success"
            action={
              <Button size="sm" variant="ghost" onClick={() => setNotice(null)}>
                Dismiss
              </Button>
            }
          >
            {notice}
          </Alert>
        </div>
      ) : null}
      {budgets.isPending ? (
        <div aria-busy="true" aria-label="Loading budgets" className="divide-y divide-line">
          {[0, 1].map((i) => (
            <div key={i} className="flex items-center gap-6 px-5 py-4">
              <Skeleton className="h-4 w-28" />
              <Skeleton className="h-2 flex-1 rounded-full" />
              <Skeleton className="h-4 w-20" />
            </div>
          ))}
        </div>
      ) : budgets.isError ? (
        <div className="px-5 py-4">
          <LoadError what="budgets" error={budgets.error} onRetry={() => budgets.refetch()} />
        </div>
      ) : list.length === 0 ? (
        <EmptyState
          bordered={false}
          icon={<IconGauge size={20} />}
          title="No budgets"
          description={
            canManage
              ? "Cloud calls are not capped. Set a monthly limit for the workspace or a project: owners get an email at the alert threshold, and a hard limit stops cloud calls once it is spent."
              : "Cloud calls are not capped. A workspace owner can set monthly limits here."
          }
          action={
            canManage ? (
              <Button leadingIcon={<IconPlus />} onClick={() => setEditing("new")}>
                Add budget
              </Button>
            ) : null
          }
        />
      ) : (
        <Table bordered={false}>
          <TableCaption>Budgets of this workspace</TableCaption>
          <TableHead>
            <tr>
              <TableHeaderCell>Scope</TableHeaderCell>
              <TableHeaderCell className="w-full">Spent this month</TableHeaderCell>
              <TableHeaderCell>Alert at</TableHeaderCell>
              <TableHeaderCell>At the limit</TableHeaderCell>
              <TableHeaderCell>Status</TableHeaderCell>
              {canManage ? (
                <TableHeaderCell className="text-right">
                  <span className="sr-only">Actions</span>
                </TableHeaderCell>
              ) : null}
            </tr>
          </TableHead>
          <TableBody>
            {list.map((b) => (
              <TableRow key={b.id} data-testid="budget-row">
                <TableCell className="whitespace-nowrap">
                  <div className="font-medium">{b.scope === "workspace" ? "Whole workspace" : b.name}</div>
                  <div className="text-[13px] text-ink-subtle">{b.scope === "workspace" ? "All projects and the API" : "Project"}</div>
                </TableCell>
                <TableCell>
                  <BudgetMeter budget={b} />
                </TableCell>
                <TableCell className="text-ink-muted tabular-nums">{b.softThresholdPct}%</TableCell>
                <TableCell className="whitespace-nowrap text-ink-muted">{b.hardLimit ? "Stop cloud calls" : "Alert only"}</TableCell>
                <TableCell>
                  <Badge tone={stateBadge[b.state].tone} dot>
                    {stateBadge[b.state].label}
                  </Badge>
                </TableCell>
                {canManage ? (
                  <TableCell className="text-right whitespace-nowrap">
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Edit the budget of ${b.name}`}
                      onClick={() => {
                        setNotice(null);
                        setEditing(b);
                      }}
                    >
                      Edit
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Delete the budget of ${b.name}`}
                      onClick={() => {
                        remove.reset();
                        setNotice(null);
                        setDeleting(b);
                      }}
                    >
                      Delete
                    </Button>
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      {editing ? (
        <BudgetDialog
          budget={editing === "new" ? null : editing}
          existing={list}
          onClose={() => setEditing(null)}
          onSaved={(saved, created) => {
            setEditing(null);
            setNotice(`${created ? "Added" : "Saved"} the budget of ${saved.scope === "workspace" ? "the workspace" : saved.name}.`);
          }}
        />
      ) : null}

      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate({ workspaceSlug: slug, budgetId: deleting.id })}
        loading={remove.isPending}
        tone="danger"
        title={
          deleting?.scope === "workspace" ? "Delete the workspace budget?" : `Delete the budget of ${deleting?.name ?? "this project"}?`
        }
        description={
          deleting?.scope === "workspace"
            ? "Cloud calls of the workspace will no longer be capped as a whole. Project budgets still apply."
            : "This project's cloud calls will no longer be capped on their own. The workspace budget, if any, still applies."
        }
        confirmLabel="Delete budget"
      >
        {remove.error ? <Alert tone="danger">{remove.error.message}</Alert> : null}
      </ConfirmDialog>
    </Card>
  );
}

/** Spent (solid) and held by calls in flight (light), against the limit, with the alert threshold marked. */
function BudgetMeter({ budget: b }: { budget: Budget }) {
  const limit = Math.max(1, b.monthlyLimitMicros);
  const spentPct = Math.min(100, (b.spentMicros / limit) * 100);
  const reservedPct = Math.min(100 - spentPct, (b.reservedMicros / limit) * 100);
  const fill = b.state === "exceeded" ? "bg-red-500" : b.state === "warning" ? "bg-amber-500" : "bg-accent-600";
  return (
    <div className="flex min-w-48 flex-col gap-1.5">
      <div className="flex items-baseline justify-between gap-3 text-[13px]">
        <span className="tabular-nums">
          <span className="font-medium text-ink">{formatUsd(b.spentMicros)}</span>
          <span className="text-ink-subtle"> of {formatUsd(b.monthlyLimitMicros)}</span>
        </span>
        <span className="text-ink-subtle tabular-nums">{Math.round((b.spentMicros / limit) * 100)}%</span>
      </div>
      <div
        className="relative h-2 rounded-full bg-zinc-100"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={b.monthlyLimitMicros}
        aria-valuenow={Math.min(b.spentMicros, b.monthlyLimitMicros)}
        aria-valuetext={`${formatUsd(b.spentMicros)} of ${formatUsd(b.monthlyLimitMicros)} spent; alert at ${b.softThresholdPct}%`}
        aria-label={`Budget of ${b.name}`}
      >
        <div className="flex h-full overflow-hidden rounded-full">
          <div className={cx("h-full", fill)} style={{ width: `${spentPct}%` }} />
          {reservedPct > 0 ? <div className={cx("h-full opacity-35", fill)} style={{ width: `${reservedPct}%` }} /> : null}
        </div>
        {b.softThresholdPct < 100 ? (
          <div
            className="absolute -top-1 h-4 w-0.5 -translate-x-1/2 rounded-full bg-ink/55"
            style={{ left: `${b.softThresholdPct}%` }}
            title={`Alert at ${b.softThresholdPct}% (${formatUsd((b.monthlyLimitMicros * b.softThresholdPct) / 100)})`}
          />
        ) : null}
      </div>
      {b.reservedMicros > 0 ? (
        <span className="text-[12px] text-ink-subtle">+ {formatUsd(b.reservedMicros)} held by calls in flight</span>
      ) : null}
    </div>
  );
}
