import {
  Badge,
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
import type { BillingOverview } from "./billing-actions";
import { formatCount } from "./format";

type Metering = NonNullable<BillingOverview["metering"]>;

const metrics: { key: keyof Metering; label: string }[] = [
  { key: "tasks", label: "Tasks" },
  { key: "cloud_tokens", label: "Cloud model tokens" },
  { key: "gpu_minutes", label: "GPU minutes on runners" },
];

/** Usage Jace recorded this month against what it reported to Stripe's meters. */
export function MeteringCard({ metering }: { metering: Metering }) {
  return (
    <Card>
      <CardHeader
        title="Usage reported to Stripe"
        description="This month's usage as Jace recorded it, and how much of it has been sent to Stripe's meters for billing. Pending amounts go out on the next report."
      />
      <Table bordered={false}>
        <TableCaption>Metered usage, recorded and reported</TableCaption>
        <TableHead>
          <tr>
            <TableHeaderCell>Metric</TableHeaderCell>
            <TableHeaderCell className="text-right">Recorded locally</TableHeaderCell>
            <TableHeaderCell className="text-right">Reported to Stripe</TableHeaderCell>
            <TableHeaderCell className="text-right">Pending</TableHeaderCell>
            <TableHeaderCell>
              <span className="sr-only">State</span>
            </TableHeaderCell>
          </tr>
        </TableHead>
        <TableBody>
          {metrics.map(({ key, label }) => {
            const row = metering[key];
            const unsent = Math.max(0, row.local - row.sent - row.pending);
            return (
              <TableRow key={key} data-testid="metering-row" data-metric={key}>
                <TableCell className="font-medium whitespace-nowrap">{label}</TableCell>
                <TableCell className="text-right tabular-nums">{formatCount(row.local)}</TableCell>
                <TableCell className="text-right tabular-nums">{formatCount(row.sent)}</TableCell>
                <TableCell className="text-right tabular-nums">{formatCount(row.pending)}</TableCell>
                <TableCell className="whitespace-nowrap">
                  {row.pending > 0 || unsent > 0 ? (
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
