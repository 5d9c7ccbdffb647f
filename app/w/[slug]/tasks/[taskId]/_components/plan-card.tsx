"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Card, CardBody, CardFooter, CardHeader, Dialog, IconCheck, IconX, Textarea } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { formatDateTime } from "../../../runners/_components/format";
import { useWorkspace } from "../../../_components/workspace-context";
import type { TaskDetail } from "../../_components/task-badges";

/** The plan Jace made, and the decision on it: Approve / Reject for admins while it waits. */
export function PlanCard({ task }: { task: TaskDetail }) {
  const { slug, can } = useWorkspace();
  const plan = task.plan;
  const waiting = task.status === "awaiting_approval";
  if (!plan) return null;
  return (
    <Card data-testid="task-plan" className={waiting ? "ring-2 ring-amber-300" : undefined}>
      <CardHeader
        title="Plan"
        description={
          plan.runner.kind === "sandbox"
            ? "Runs in a sandbox on one of your runners."
            : `Runs ${plan.runner.model ?? "a model"} on one of your runners.`
        }
      />
      <CardBody className="flex flex-col gap-4">
        <p className="text-sm leading-6 text-ink">{plan.summary}</p>
        <ol className="flex flex-col gap-2.5">
          {plan.steps.map((step, i) => (
            <li key={i} className="flex gap-3 text-sm">
              <span className="flex size-6 shrink-0 items-center justify-center rounded-full bg-accent-50 text-xs font-semibold text-accent-700 tabular-nums ring-1 ring-accent-100">
                {i + 1}
              </span>
              <div className="min-w-0 pt-0.5">
                <p className="text-ink">{step.title}</p>
                {step.detail ? <p className="mt-0.5 font-mono text-xs break-words text-ink-subtle">{step.detail}</p> : null}
              </div>
            </li>
          ))}
        </ol>
        <Decision task={task} />
      </CardBody>
      {waiting && can("tasks.approve") ? <ApprovalActions taskId={task.id} slug={slug} reason={plan.approvalReason} /> : null}
    </Card>
  );
}

function Decision({ task }: { task: TaskDetail }) {
  const { slug, can } = useWorkspace();
  const trpc = useTRPC();
  const waiting = task.status === "awaiting_approval";
  const approvers = useQuery(trpc.member.list.queryOptions({ workspaceSlug: slug }, { enabled: waiting && !can("tasks.approve") }));
  if (waiting && !can("tasks.approve")) {
    const names = (approvers.data ?? []).filter((m) => m.role === "admin" || m.role === "owner").map((m) => m.name || m.email);
    return (
      <Alert tone="warning" title="Waiting for approval">
        Only workspace admins and owners can approve this plan{names.length > 0 ? `: ${names.join(", ")}` : ""}.
      </Alert>
    );
  }
  if (!task.decidedAt || !task.decidedByLabel) return null;
  const rejected = task.status === "cancelled" && task.statusReason === "Rejected";
  return (
    <p className="text-[13px] text-ink-muted" data-testid="plan-decision">
      {rejected ? "Rejected" : "Approved"} by <span className="font-medium text-ink">{task.decidedByLabel}</span> on{" "}
      {formatDateTime(task.decidedAt)}
    </p>
  );
}

function ApprovalActions({ taskId, slug, reason }: { taskId: string; slug: string; reason: string | undefined }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [rejecting, setRejecting] = useState(false);
  const [why, setWhy] = useState("");
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.task.pathKey() });
  const approve = useMutation(trpc.task.approve.mutationOptions({ onSuccess: refresh }));
  const reject = useMutation(
    trpc.task.reject.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setRejecting(false);
      },
    }),
  );
  const busy = approve.isPending || reject.isPending;

  return (
    <CardFooter className="justify-between bg-amber-50/70">
      <p className="min-w-40 flex-1 basis-0 text-[13px] text-amber-900">{reason ?? "This task waits for your approval before it runs."}</p>
      <div className="flex gap-2">
        <Button
          variant="secondary"
          leadingIcon={<IconX />}
          disabled={busy}
          onClick={() => {
            reject.reset();
            setRejecting(true);
          }}
        >
          Reject
        </Button>
        <Button
          leadingIcon={<IconCheck />}
          loading={approve.isPending}
          disabled={busy}
          onClick={() => approve.mutate({ workspaceSlug: slug, taskId })}
        >
          Approve
        </Button>
      </div>
      {approve.error ? (
        <Alert tone="danger" className="w-full">
          {approve.error.message}
        </Alert>
      ) : null}
      <Dialog
        open={rejecting}
        onClose={reject.isPending ? () => {} : () => setRejecting(false)}
        title="Reject this plan?"
        description="The task is cancelled and nothing runs. The reason is kept on the task and shown to whoever asked."
        size="sm"
        closeOnBackdrop={false}
        footer={
          <>
            <Button variant="secondary" onClick={() => setRejecting(false)} disabled={reject.isPending}>
              Keep waiting
            </Button>
            <Button variant="danger" type="submit" form="reject-plan" loading={reject.isPending}>
              Reject plan
            </Button>
          </>
        }
      >
        <form
          id="reject-plan"
          className="flex flex-col gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            reject.mutate({ workspaceSlug: slug, taskId, reason: why });
          }}
        >
          <Textarea
            label="Reason"
            optional
            rows={3}
            maxLength={1000}
            value={why}
            onChange={(e) => setWhy(e.target.value)}
            placeholder="Use the staging database instead."
            autoFocus
          />
          {reject.error ? <Alert tone="danger">{reject.error.message}</Alert> : null}
        </form>
      </Dialog>
    </CardFooter>
  );
}
