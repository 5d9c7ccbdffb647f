"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardHeader,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
} from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import type { BillingOverview } from "./billing-actions";
import { formatCount } from "./format";

type Metering = NonNullable<BillingOverview["metering"]>;

const metrics: { key: keyof Metering; label: string }[] = [
  { key: "tasks", label: "Tasks" },
  { key: "overage_tasks", label: "Tasks beyond the plan (billed)" },
  { key: "cloud_tokens", label: "Cloud model tokens" },
  { key: "gpu_minutes", label: "GPU minutes on runners" },
];

/** Usage Jace recorded this month against what it reported to Stripe's meters, with a retry for reports that gave up. */
export function MeteringCard({ metering }: { metering: Metering }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const failed = metrics.reduce((n, { key }) => n + metering[key].failed, 0);
  const retry = useMutation(
    trpc.billing.retryMeterReports.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.billing.overview.queryKey() }),
    }),
  );
  return (
    <Card>
      <CardHeader
        title="Usage reported to Stripe"
        description="This month's usage as Jace recorded it, and how much of it has been sent to Stripe's meters for billing. Pending amounts go out on the next report."
      />
      {failed > 0 || retry.error ? (
        <div className="border-t border-line px-5 py-3">
          <Alert
            tone="danger"
            title="Some usage could not be reported"
            action={
              failed > 0 ? (
                <Button size="sm" variant="secondary" loading={retry.isPending} onClick={() => retry.mutate({ workspaceSlug: slug })}>
                  Retry now
                </Button>
              ) : null
            }
          >
            {retry.error
              ? `Could not retry: ${retry.error.message}`
              : "Stripe refused these reports after repeated attempts, so they are not on an invoice yet. Check the Stripe meters and the server log, then retry."}
          </Alert>
        </div>
      ) : null}
      <Table bordered={false}>
        <TableCaption>Metered usage, recorded and reported</TableCaption>
        <TableHead>
          <tr>
            <TableHeaderCell>Metric</TableHeaderCell>
            <TableHeaderCell className="text-right">Recorded locally</TableHeaderCell>
            <TableHeaderCell className="text-right">Reported to Stripe</TableHeaderCell>
            <TableHeaderCell className="text-right">Pending</TableHeaderCell>
            <TableHeaderCell className="text-right">Failed</TableHeaderCell>
            <TableHeaderCell>
              <span className="sr-only">State</span>
            </TableHeaderCell>
          </tr>
        </TableHead>
        <TableBody>
          {metrics.map(({ key, label }) => {
            const row = metering[key];
            const unsent = Math.max(0, row.local - row.sent - row.pending - row.failed);
            return (
              <TableRow key={key} data-testid="metering-row" data-metric={key}>
                <TableCell className="font-medium whitespace-nowrap">{label}</TableCell>
                <TableCell className="text-right tabular-nums">{formatCount(row.local)}</TableCell>
                <TableCell className="text-right tabular-nums">{formatCount(row.sent)}</TableCell>
                <TableCell className="text-right tabular-nums">{formatCount(row.pending)}</TableCell>
                <TableCell className="text-right tabular-nums">{formatCount(row.failed)}</TableCell>
                <TableCell className="whitespace-nowrap">
                  {row.failed > 0 ? (
                    <Badge tone="danger">Failed</Badge>
                  ) : row.pending > 0 || unsent > 0 ? (
                    <Badge tone="warning">{row.pending > 0 ? "Sending" : "Not reported yet"}</Badge>
                  ) : (
                    <Badge tone="success">In sync</Badge>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Card>
  );
}
