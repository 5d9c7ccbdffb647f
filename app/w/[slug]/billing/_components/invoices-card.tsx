"use client";
import { useQuery } from "@tanstack/react-query";
import {
  Badge,
  Card,
  CardHeader,
  EmptyState,
  IconBilling,
  IconExternal,
  LoadError,
  Skeleton,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
  type BadgeTone,
} from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { formatDate, formatMoney } from "./format";

const invoiceStatus: Record<string, { tone: BadgeTone; label: string }> = {
  paid: { tone: "success", label: "Paid" },
  open: { tone: "warning", label: "Open" },
  draft: { tone: "neutral", label: "Draft" },
  void: { tone: "neutral", label: "Void" },
  uncollectible: { tone: "danger", label: "Uncollectible" },
};

/** The workspace's latest Stripe invoices (owners, Stripe mode). */
export function InvoicesCard() {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const invoices = useQuery(trpc.billing.invoices.queryOptions({ workspaceSlug: slug }));

  return (
    <Card>
      <CardHeader
        title="Invoices"
        description="The latest invoices from Stripe, newest first. Receipts and payment details are in Manage billing."
      />
      {invoices.isPending ? (
        <div aria-busy="true" aria-label="Loading invoices" className="divide-y divide-line">
          {[0, 1, 2].map((i) => (
            <div key={i} className="flex items-center gap-6 px-5 py-3.5">
              <Skeleton className="h-4 w-28" />
              <Skeleton className="h-4 w-24" />
              <Skeleton className="ml-auto h-4 w-16" />
              <Skeleton className="h-5 w-14 rounded-full" />
            </div>
          ))}
        </div>
      ) : invoices.isError ? (
        <div className="px-5 py-4">
          <LoadError what="invoices" error={invoices.error} onRetry={() => invoices.refetch()} />
        </div>
      ) : invoices.data.length === 0 ? (
        <EmptyState
          bordered={false}
          icon={<IconBilling size={20} />}
          title="No invoices yet"
          description="Stripe issues an invoice when a subscription starts and at every renewal; they appear here."
        />
      ) : (
        <Table bordered={false}>
          <TableCaption>Invoices of this workspace</TableCaption>
          <TableHead>
            <tr>
              <TableHeaderCell>Number</TableHeaderCell>
              <TableHeaderCell>Date</TableHeaderCell>
              <TableHeaderCell className="text-right">Amount</TableHeaderCell>
              <TableHeaderCell>Status</TableHeaderCell>
              <TableHeaderCell className="text-right">
                <span className="sr-only">Invoice page</span>
              </TableHeaderCell>
            </tr>
          </TableHead>
          <TableBody>
            {invoices.data.map((inv) => {
              const status = invoiceStatus[inv.status] ?? { tone: "neutral" as const, label: inv.status };
              return (
                <TableRow key={inv.id} data-testid="invoice-row">
                  <TableCell className="font-mono text-[13px] whitespace-nowrap">{inv.number ?? "—"}</TableCell>
                  <TableCell className="whitespace-nowrap text-ink-muted">{formatDate(inv.createdAt)}</TableCell>
                  <TableCell className="text-right whitespace-nowrap tabular-nums">{formatMoney(inv.amountCents, inv.currency)}</TableCell>
                  <TableCell>
                    <Badge tone={status.tone} dot>
                      {status.label}
                    </Badge>
                  </TableCell>
                  <TableCell className="text-right whitespace-nowrap">
                    {inv.url ? (
                      <a
                        href={inv.url}
                        target="_blank"
                        rel="noopener noreferrer"
                        aria-label={`View invoice ${inv.number ?? formatDate(inv.createdAt)} (opens in a new tab)`}
                        className="inline-flex items-center gap-1 rounded text-[13px] font-medium text-accent-700 hover:text-accent-800 hover:underline focus-visible:outline-2 focus-visible:outline-accent-500"
                      >
                        View
                        <IconExternal size={14} />
                      </a>
                    ) : (
                      <span className="text-[13px] text-ink-subtle">—</span>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
